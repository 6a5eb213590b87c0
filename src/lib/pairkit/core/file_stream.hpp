// Byte streams over files: reading a file or descriptor, writing a
// descriptor in large writes, and AtomicFileSink, an AtomicFile written as a stream.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <sys/types.h>

#include "pairkit/core/atomic_file.hpp"
#include "pairkit/core/byte_stream.hpp"
#include "pairkit/core/writeback.hpp"

namespace pairkit {

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

/// Writes to a file descriptor (not owned), buffered in large writes; with
/// `writeback` (a regular file being written from offset 0) its pages are
/// sent to disk as it grows (Writeback).
class FdSink final : public ByteSink {
public:
  FdSink(int fd, std::string name, bool writeback = false);
  void write(std::span<const uint8_t> data) override;
  void finish() override;
  /// finish(), then fsync; throws InputError naming the file.
  void sync();
  /// Bytes written to the descriptor so far (not counting what is buffered).
  uint64_t written() const { return written_; }

private:
  void flush();
  int fd_;
  std::string name_;
  std::vector<uint8_t> buf_;
  uint64_t written_ = 0;
  std::optional<Writeback> writeback_;
};

/// An AtomicFile written as a stream, sent to disk as it grows (Writeback);
/// commit() makes it appear at its path. Destroyed without commit, it leaves
/// nothing behind. "-" streams to standard output instead.
class AtomicFileSink final : public ByteSink {
public:
  /// Throws as AtomicFile does: "PATH exists (use --force to replace it)".
  AtomicFileSink(const std::string& path, mode_t mode, bool force);
  void write(std::span<const uint8_t> data) override { sink_.write(data); }
  /// A file can be rewritten (pwrite); standard output cannot.
  bool can_rewrite(uint64_t) override { return file_.has_value(); }
  void rewrite(uint64_t offset, std::span<const uint8_t> data) override;
  /// Makes the file appear at its path (after finish()): AtomicFile::commit,
  /// with the fsync done by the Writeback.
  void commit();

private:
  std::optional<AtomicFile> file_;  // none for standard output
  FdSink sink_;                     // after file_: stops its Writeback before the file closes
};

}  // namespace pairkit
