// The age ASCII armor (strict, as age reads it) and a peeking source that
// tells armored files from binary ones.
#include "pairkit/backup/armor.hpp"

#include <algorithm>
#include <cstring>

#include "pairkit/backup/age.hpp"

namespace pairkit::backup {

ArmorSink::ArmorSink(ByteSink& out) : out_(out) {
  const std::string h = std::string(kArmorHeader) + "\n";
  out_.write({reinterpret_cast<const uint8_t*>(h.data()), h.size()});
}

void ArmorSink::emit_line(std::span<const uint8_t> bytes) {
  const std::string line = b64_encode(bytes, true) + "\n";
  out_.write({reinterpret_cast<const uint8_t*>(line.data()), line.size()});
}

void ArmorSink::write(std::span<const uint8_t> data) {
  pending_.insert(pending_.end(), data.begin(), data.end());
  size_t off = 0;
  while (pending_.size() - off > 48) {
    emit_line(std::span<const uint8_t>(pending_).subspan(off, 48));
    off += 48;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(off));
}

void ArmorSink::finish() {
  if (!pending_.empty()) emit_line(pending_);
  pending_.clear();
  const std::string f = std::string(kArmorFooter) + "\n";
  out_.write({reinterpret_cast<const uint8_t*>(f.data()), f.size()});
  out_.finish();
}

int ArmorSource::getc() {
  if (raw_pos_ == raw_.size()) {
    if (raw_eof_) return -1;
    raw_.resize(1 << 16);
    raw_.resize(in_.read(raw_));
    raw_pos_ = 0;
    if (raw_.empty()) {
      raw_eof_ = true;
      return -1;
    }
  }
  return raw_[raw_pos_++];
}

// age's getLine: a line without its "\n" and one "\r"; nullopt at the very end.
std::optional<std::string> ArmorSource::get_line() {
  std::string line;
  int c;
  bool any = false;
  while ((c = getc()) >= 0) {
    any = true;
    if (c == '\n') break;
    line += static_cast<char>(c);
    if (line.size() > 4096) throw AgeError(AgeFailure::armor, "armor line too long");
  }
  if (!any) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

namespace {
bool is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool blank(const std::string& s) { return std::all_of(s.begin(), s.end(), [](char c) { return is_space(c); }); }
}  // namespace

void ArmorSource::drain_trailing() {
  size_t n = 0;
  int c;
  while ((c = getc()) >= 0) {
    if (!is_space(c)) throw AgeError(AgeFailure::armor, "trailing data after the armored file");
    if (++n >= 1024) throw AgeError(AgeFailure::armor, "too much trailing whitespace after the armored file");
  }
  ended_ = true;
}

size_t ArmorSource::read(std::span<uint8_t> buf) {
  auto fail = [](const std::string& why) { return AgeError(AgeFailure::armor, "malformed armor: " + why); };
  while (unread_pos_ == unread_.size()) {
    if (ended_) return 0;
    size_t removed = 0;
    while (!started_) {
      auto line = get_line();
      if (!line) throw fail("no armor header");
      if (blank(*line)) {
        removed += line->size() + 1;
        if (removed > 1024) throw fail("too much leading whitespace");
        continue;
      }
      if (*line != kArmorHeader) throw fail("invalid first line");
      started_ = true;
    }
    auto line = get_line();
    if (!line) throw fail("the file ends without the END line");
    if (*line == kArmorFooter) {
      drain_trailing();
      return 0;
    }
    if (line->size() > 64) throw fail("line longer than 64 columns");
    if (line->empty()) throw fail("empty line");
    // Padded standard base64, strict: length a multiple of 4, canonical bits.
    if (line->size() % 4 != 0) throw fail("invalid base64 line");
    std::string body = *line;
    size_t pad = 0;
    while (!body.empty() && body.back() == '=' && pad < 2) {
      body.pop_back();
      ++pad;
    }
    if ((body.size() + pad) % 4 != 0 || (pad && (body.size() % 4) + pad != 4)) throw fail("invalid base64 line");
    auto bytes = b64_decode_canonical(body);
    if (!bytes) throw fail("invalid base64 line");
    unread_ = std::move(*bytes);
    unread_pos_ = 0;
    if (unread_.size() < 48) {
      auto closing = get_line();
      if (!closing || *closing != kArmorFooter) throw fail("invalid closing line");
      drain_trailing();
    }
  }
  const size_t n = std::min(buf.size(), unread_.size() - unread_pos_);
  std::memcpy(buf.data(), unread_.data() + unread_pos_, n);
  unread_pos_ += n;
  return n;
}

std::span<const uint8_t> PeekSource::peek(size_t n) {
  while (head_.size() < n) {
    uint8_t tmp[256];
    const size_t got = in_.read({tmp, std::min(sizeof tmp, n - head_.size())});
    if (got == 0) break;
    head_.insert(head_.end(), tmp, tmp + got);
  }
  return {head_.data(), std::min(n, head_.size())};
}

size_t PeekSource::read(std::span<uint8_t> buf) {
  if (pos_ < head_.size()) {
    const size_t n = std::min(buf.size(), head_.size() - pos_);
    std::memcpy(buf.data(), head_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  return in_.read(buf);
}

}  // namespace pairkit::backup
