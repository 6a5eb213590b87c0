// ustar headers: octal fields, checksum, the prefix/name split.
#include "pairkit/backup/tar.hpp"

#include <algorithm>
#include <cstring>

#include "pairkit/core/error.hpp"

namespace pairkit::backup {

namespace {

constexpr size_t kBlock = kTarBlock;

void put_octal(uint8_t* field, size_t len, uint64_t value) {
  // len-1 octal digits, zero padded, NUL terminated.
  for (size_t i = len - 1; i-- > 0;) {
    field[i] = static_cast<uint8_t>('0' + (value & 7));
    value >>= 3;
  }
  field[len - 1] = 0;
}

std::optional<uint64_t> get_octal(const uint8_t* field, size_t len) {
  uint64_t v = 0;
  size_t i = 0;
  while (i < len && field[i] == ' ') ++i;
  bool any = false;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i) {
    v = (v << 3) | (field[i] - '0');
    any = true;
  }
  for (; i < len; ++i)
    if (field[i] != 0 && field[i] != ' ') return std::nullopt;
  if (!any) return std::nullopt;
  return v;
}

uint32_t checksum(const uint8_t* h) {
  uint32_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : h[i];
  return sum;
}

std::string field_str(const uint8_t* f, size_t len) {
  size_t n = 0;
  while (n < len && f[n]) ++n;
  return std::string(reinterpret_cast<const char*>(f), n);
}

}  // namespace

void TarWriter::begin(const TarEntry& e) {
  end_entry();
  uint8_t h[kBlock] = {};
  std::string name = e.path, prefix;
  if (name.size() > 100) {
    const auto slash = name.find_last_of('/', name.size() - 1);
    if (slash == std::string::npos || slash > 155 || name.size() - slash - 1 > 100)
      throw UsageError("path '" + e.path + "' is too long for a ustar archive");
    prefix = name.substr(0, slash);
    name = name.substr(slash + 1);
  }
  std::memcpy(h, name.data(), name.size());
  put_octal(h + 100, 8, e.mode & 07777);
  put_octal(h + 108, 8, 0);
  put_octal(h + 116, 8, 0);
  put_octal(h + 124, 12, e.size);
  put_octal(h + 136, 12, static_cast<uint64_t>(e.mtime));
  h[156] = '0';
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  std::memcpy(h + 265, "root", 4);
  std::memcpy(h + 297, "root", 4);
  std::memcpy(h + 345, prefix.data(), prefix.size());
  uint8_t sum[8];
  put_octal(sum, 7, checksum(h));
  std::memcpy(h + 148, sum, 7);
  h[155] = ' ';
  out_.write({h, kBlock});
  remaining_ = e.size;
  written_ = 0;
  open_ = true;
}

void TarWriter::write(std::span<const uint8_t> data) {
  if (data.size() > remaining_) throw InputError("file grew while being archived");
  out_.write(data);
  remaining_ -= data.size();
  written_ += data.size();
}

std::span<uint8_t> TarWriter::space(size_t max) {
  if (remaining_ == 0) return {};
  return out_.space(static_cast<size_t>(std::min<uint64_t>(max, remaining_)));
}

void TarWriter::commit(size_t n) {
  out_.commit(n);
  remaining_ -= n;
  written_ += n;
}

void TarWriter::end_entry() {
  if (!open_) return;
  if (remaining_ != 0) throw InputError("file shrank while being archived");
  static const uint8_t zeros[kBlock] = {};
  const size_t pad = (kBlock - written_ % kBlock) % kBlock;
  out_.write({zeros, pad});
  open_ = false;
}

void TarWriter::finish() {
  end_entry();
  static const uint8_t zeros[2 * kBlock] = {};
  out_.write(zeros);
}

void TarReader::skip_rest() {
  uint8_t buf[4096];
  uint64_t left = remaining_ + padding_;
  while (left > 0) {
    const size_t n = in_.read_full({buf, static_cast<size_t>(std::min<uint64_t>(left, sizeof buf))});
    if (n == 0) throw InputError(name_ + ": the archive is truncated");
    left -= n;
  }
  remaining_ = padding_ = 0;
}

std::optional<TarEntry> TarReader::next() {
  skip_rest();
  uint8_t h[kBlock];
  const size_t n = in_.read_full(h);
  if (n == 0) throw InputError(name_ + ": the archive ends without its end marker");
  if (n < kBlock) throw InputError(name_ + ": the archive is truncated");
  if (std::all_of(h, h + kBlock, [](uint8_t b) { return b == 0; })) return std::nullopt;
  const auto sum = get_octal(h + 148, 8);
  if (!sum || *sum != checksum(h)) throw InputError(name_ + ": not a tar archive (header checksum mismatch)");
  if (std::memcmp(h + 257, "ustar", 5) != 0) throw InputError(name_ + ": not a ustar archive");
  TarEntry e;
  const std::string prefix = field_str(h + 345, 155);
  e.path = (prefix.empty() ? "" : prefix + "/") + field_str(h, 100);
  const auto mode = get_octal(h + 100, 8);
  const auto size = get_octal(h + 124, 12);
  const auto mtime = get_octal(h + 136, 12);
  if (!mode || !size) throw InputError(name_ + ": malformed tar header for '" + e.path + "'");
  e.mode = static_cast<uint32_t>(*mode);
  e.size = *size;
  e.mtime = mtime ? static_cast<int64_t>(*mtime) : 0;
  e.type = h[156] == 0 ? '0' : static_cast<char>(h[156]);
  // Only regular files carry data we read; others are refused by the caller.
  remaining_ = e.type == '0' || e.type == '7' ? e.size : 0;
  if (e.type == 'x' || e.type == 'g' || e.type == 'L' || e.type == 'K') remaining_ = e.size;
  padding_ = (kBlock - remaining_ % kBlock) % kBlock;
  return e;
}

size_t TarReader::read(std::span<uint8_t> buf) {
  if (remaining_ == 0) return 0;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), remaining_));
  const size_t n = in_.read_full(buf.subspan(0, want));
  if (n < want) throw InputError(name_ + ": the archive is truncated");
  remaining_ -= n;
  return n;
}

std::span<const uint8_t> TarReader::view(size_t max) {
  if (remaining_ == 0) return {};
  const auto v = in_.view(static_cast<size_t>(std::min<uint64_t>(max, remaining_)));
  if (v.empty()) throw InputError(name_ + ": the archive is truncated");
  remaining_ -= v.size();
  return v;
}

}  // namespace pairkit::backup
