// Byte streams: where bytes go (ByteSink) and come from (ByteSource), and
// their in-memory forms. Large payloads (restore points) pass through them
// chunk by chunk, so memory stays small however large the payload is.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace pairkit {

/// Where bytes go.
class ByteSink {
public:
  virtual ~ByteSink() = default;
  virtual void write(std::span<const uint8_t> data) = 0;
  /// Flushes whatever is buffered; the stream is complete after this.
  virtual void finish() {}
  /// Whether bytes [0, end) of the stream can be overwritten with rewrite()
  /// after they are written (a seekable file, an age encryption into one).
  /// Asked before anything is written; a sink may prepare for it.
  virtual bool can_rewrite(uint64_t end) {
    (void)end;
    return false;
  }
  /// Overwrites written bytes [offset, offset + data.size()), inside what
  /// can_rewrite() accepted, before finish(). Throws std::logic_error
  /// where unsupported.
  virtual void rewrite(uint64_t offset, std::span<const uint8_t> data);
  /// Room for up to `max` bytes (at least one) to be filled in place, then
  /// commit() of how many were, before any other call: a sink that holds
  /// its bytes in memory (ThreadedSink) saves a copy. By default, a buffer
  /// of the sink's own that commit() writes.
  virtual std::span<uint8_t> space(size_t max);
  virtual void commit(size_t n);

private:
  std::vector<uint8_t> space_;
};

/// Where bytes come from. read() returns 0 only at the end.
class ByteSource {
public:
  virtual ~ByteSource() = default;
  virtual size_t read(std::span<uint8_t> buf) = 0;
  /// Reads exactly buf.size() bytes unless the end comes first; returns the count.
  size_t read_full(std::span<uint8_t> buf);
  /// Up to `max` of the next bytes without copying them: a view valid until
  /// the next call on this source, empty only at the end. A source that
  /// holds its bytes in memory (ThreadedSource) saves a copy; by default
  /// they are read into a buffer of the source's own.
  virtual std::span<const uint8_t> view(size_t max);

private:
  std::vector<uint8_t> view_;
};

/// An in-memory sink (tests, small headers).
class VectorSink final : public ByteSink {
public:
  void write(std::span<const uint8_t> data) override { bytes.insert(bytes.end(), data.begin(), data.end()); }
  bool can_rewrite(uint64_t) override { return true; }
  void rewrite(uint64_t offset, std::span<const uint8_t> data) override;
  std::vector<uint8_t> bytes;
};

/// An in-memory source.
class SpanSource final : public ByteSource {
public:
  explicit SpanSource(std::span<const uint8_t> data) : data_(data) {}
  size_t read(std::span<uint8_t> buf) override;

private:
  std::span<const uint8_t> data_;
};

}  // namespace pairkit
