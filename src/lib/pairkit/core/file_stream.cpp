// Byte streams over files and descriptors.
#include "pairkit/core/file_stream.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"

namespace pairkit {

namespace {
// Writes go out in pieces this large (fewer system calls than one per age chunk).
constexpr size_t kBufSize = 1 << 18;

// Pieces at least this large are written as they come, not copied into the buffer.
constexpr size_t kDirectWrite = 1 << 18;
}  // namespace

size_t FdSource::read(std::span<uint8_t> buf) {
  for (;;) {
    const ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) throw InputError("cannot read " + name_ + ": " + std::strerror(errno));
  }
}

FileSource::FileSource(const std::string& path) : name_(path == "-" ? "standard input" : path) {
  if (path == "-") {
    fd_ = 0;
    return;
  }
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw InputError("cannot open " + path + ": " + std::strerror(errno));
  owned_ = true;
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd_);
    throw InputError("cannot read " + path + ": it is a directory");
  }
}

FileSource::~FileSource() {
  if (owned_) ::close(fd_);
}

size_t FileSource::read(std::span<uint8_t> buf) { return FdSource(fd_, name_).read(buf); }

FdSink::FdSink(int fd, std::string name, bool writeback) : fd_(fd), name_(std::move(name)) {
  if (writeback) writeback_.emplace(fd);
  buf_.reserve(kBufSize);
}

void FdSink::write(std::span<const uint8_t> data) {
  if (data.size() >= kDirectWrite) {
    // Large pieces go out uncopied (after what is buffered).
    if (!buf_.empty()) flush();
    write_all(fd_, data, name_);
    written_ += data.size();
    if (writeback_) writeback_->wrote_up_to(written_);
    return;
  }
  buf_.insert(buf_.end(), data.begin(), data.end());
  if (buf_.size() >= kBufSize) flush();
}

void FdSink::flush() {
  write_all(fd_, buf_, name_);
  written_ += buf_.size();
  buf_.clear();
  if (writeback_) writeback_->wrote_up_to(written_);
}

void FdSink::finish() { flush(); }

void FdSink::sync() {
  flush();
  const int err = writeback_ ? writeback_->sync() : (::fsync(fd_) == 0 ? 0 : errno);
  if (err != 0) throw InputError("cannot write " + name_ + ": " + std::strerror(err));
}

namespace {
std::optional<AtomicFile> open_unless_stdout(const std::string& path, mode_t mode, bool force) {
  if (path == "-") return std::nullopt;
  return std::optional<AtomicFile>(std::in_place, path, WriteOptions{mode, force});
}
}  // namespace

AtomicFileSink::AtomicFileSink(const std::string& path, mode_t mode, bool force)
    : file_(open_unless_stdout(path, mode, force)),
      sink_(file_ ? file_->fd() : 1, file_ ? path : "standard output", file_.has_value()) {}

void AtomicFileSink::rewrite(uint64_t offset, std::span<const uint8_t> data) {
  if (!file_) throw std::logic_error("standard output cannot be rewritten");
  sink_.finish();
  if (offset > sink_.written() || data.size() > sink_.written() - offset)
    throw std::logic_error("AtomicFileSink::rewrite past the end");
  file_->write_at(offset, data);
}

void AtomicFileSink::commit() {
  if (!file_) {
    sink_.finish();
    return;
  }
  sink_.sync();
  file_->publish();
  sync_dir(parent_dir(file_->path()));
}

}  // namespace pairkit
