// Byte streams for the backup domain: restore points are written and read
// chunk by chunk so memory stays small however large the payload is.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace pairkit::backup {

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

/// Reads a file descriptor (not owned); `name` labels errors.
class FdSource final : public ByteSource {
public:
  FdSource(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  size_t read(std::span<uint8_t> buf) override;

private:
  int fd_;
  std::string name_;
};

/// A file opened for reading (owned), or standard input for "-".
class FileSource final : public ByteSource {
public:
  explicit FileSource(const std::string& path);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  size_t read(std::span<uint8_t> buf) override;
  int fd() const { return fd_; }

private:
  int fd_ = -1;
  bool owned_ = false;
  std::string name_;
};

/// Gets a file that is still being written on its way to the disk, so that
/// the fsync making it durable only waits for the tail: the kernel's
/// writeback starts every few MiB (sync_file_range), and once the file
/// passes kFlushStep a second thread flushes it (fdatasync) every kFlushStep.
/// The flush is what waits for the disk itself: on this project's virtual
/// machines, one final fsync of a 200 MB file still took 0.1 s after all
/// its pages had been written back; flushed every 32 MiB, 16-40 ms; every
/// 8 MiB, 4-9 ms.
class Writeback {
public:
  static constexpr uint64_t kFlushStep = uint64_t{8} << 20;
  explicit Writeback(int fd) : fd_(fd) {}
  /// Stops the flushing thread (after the flush it may be in).
  ~Writeback();
  Writeback(const Writeback&) = delete;
  Writeback& operator=(const Writeback&) = delete;
  /// Records that the file now has `end` bytes (called by one writer).
  void wrote_up_to(uint64_t end);
  /// fsync: everything written is durable. Returns 0, or the errno of the
  /// first failure, also of a flush on the other thread (the kernel reports
  /// a write-back error to one fsync caller only).
  int sync();

private:
  void flush_loop();
  void stop();
  int fd_;
  uint64_t started_ = 0;  // writeback started up to here
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t written_ = 0, flushed_ = 0;
  bool stopping_ = false;
  int error_ = 0;
  std::thread flusher_;
};

/// Writes to a file descriptor (not owned), buffered in large writes; with
/// `writeback` (a regular file being written from offset 0) its pages are
/// sent to disk as it grows.
class FdSink final : public ByteSink {
public:
  FdSink(int fd, std::string name, bool writeback = false);
  void write(std::span<const uint8_t> data) override;
  void finish() override;
  /// finish(), then fsync; throws InputError naming the file.
  void sync();

private:
  void flush();
  int fd_;
  std::string name_;
  std::vector<uint8_t> buf_;
  uint64_t written_ = 0;
  std::optional<Writeback> writeback_;
};

/// A file written atomically as a stream: a temporary file beside the target,
/// fsync and link/rename in commit(); destroyed without commit, it leaves
/// nothing behind. "-" streams to stdout instead.
class AtomicFileSink final : public ByteSink {
public:
  AtomicFileSink(const std::string& path, mode_t mode, bool force);
  ~AtomicFileSink() override;
  AtomicFileSink(const AtomicFileSink&) = delete;
  AtomicFileSink& operator=(const AtomicFileSink&) = delete;
  void write(std::span<const uint8_t> data) override;
  /// A file can be rewritten (pwrite); standard output cannot.
  bool can_rewrite(uint64_t) override { return !tmp_.empty(); }
  void rewrite(uint64_t offset, std::span<const uint8_t> data) override;
  /// Makes the file appear at its path (after finish()).
  void commit();

private:
  void flush();
  std::string path_, tmp_;
  bool force_;
  int fd_ = -1;
  bool committed_ = false;
  std::vector<uint8_t> buf_;
  uint64_t written_ = 0;
  std::optional<Writeback> writeback_;
};

/// Writes all of data to fd; throws InputError naming `name`.
void write_all(int fd, std::span<const uint8_t> data, const std::string& name);

}  // namespace pairkit::backup
