// Byte streams: the sink and source defaults, and the in-memory ones.
#include "pairkit/core/byte_stream.hpp"

#include <algorithm>
#include <stdexcept>

namespace pairkit {

namespace {
// The most the default ByteSink::space and ByteSource::view lend at a time.
constexpr size_t kDefaultPiece = 1 << 16;
}  // namespace

void ByteSink::rewrite(uint64_t, std::span<const uint8_t>) {
  throw std::logic_error("this byte stream cannot be rewritten");
}

std::span<uint8_t> ByteSink::space(size_t max) {
  space_.resize(std::min(max, kDefaultPiece));
  return space_;
}

void ByteSink::commit(size_t n) { write(std::span(space_).first(n)); }

std::span<const uint8_t> ByteSource::view(size_t max) {
  view_.resize(std::min(max, kDefaultPiece));
  return std::span(view_).first(read(view_));
}

size_t ByteSource::read_full(std::span<uint8_t> buf) {
  size_t done = 0;
  while (done < buf.size()) {
    const size_t n = read(buf.subspan(done));
    if (n == 0) break;
    done += n;
  }
  return done;
}

void VectorSink::rewrite(uint64_t offset, std::span<const uint8_t> data) {
  if (offset > bytes.size() || data.size() > bytes.size() - offset)
    throw std::logic_error("VectorSink::rewrite past the end");
  std::copy(data.begin(), data.end(), bytes.begin() + static_cast<ptrdiff_t>(offset));
}

size_t SpanSource::read(std::span<uint8_t> buf) {
  const size_t n = std::min(buf.size(), data_.size());
  // Not memcpy: an empty span may hold a null pointer, which memcpy may not
  // be given even with a length of 0.
  std::copy_n(data_.begin(), n, buf.begin());
  data_ = data_.subspan(n);
  return n;
}

}  // namespace pairkit
