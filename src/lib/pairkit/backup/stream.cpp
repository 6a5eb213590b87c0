// Byte streams: files, descriptors, memory, and streaming atomic writes.
#include "pairkit/backup/stream.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <botan/system_rng.h>
#include <botan/hex.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"

namespace pairkit::backup {

namespace {
// Writes go out in pieces this large (fewer system calls than one per age chunk).
constexpr size_t kBufSize = 1 << 18;
// Writeback is started for every window this large.
constexpr uint64_t kWritebackWindow = 8 << 20;

// The most the default ByteSink::space and ByteSource::view lend at a time.
constexpr size_t kDefaultPiece = 1 << 16;

// Pieces at least this large are written as they come, not copied into the buffer.
constexpr size_t kDirectWrite = 1 << 18;

// Appends small pieces of data to buf, calling flush() when it reaches
// kBufSize; large pieces go to put() uncopied (after what is buffered).
template <typename Flush, typename Put>
void buffered_write(std::vector<uint8_t>& buf, std::span<const uint8_t> data, Flush flush, Put put) {
  if (data.size() >= kDirectWrite) {
    if (!buf.empty()) flush();
    put(data);
    return;
  }
  buf.insert(buf.end(), data.begin(), data.end());
  if (buf.size() >= kBufSize) flush();
}

}  // namespace

Writeback::~Writeback() { stop(); }

void Writeback::wrote_up_to(uint64_t end) {
  while (end - started_ >= kWritebackWindow) {
    // Only a hint: an error here (or a file system without it) shows up, if
    // it matters, in the fsync that follows.
    ::sync_file_range(fd_, static_cast<off_t>(started_), static_cast<off_t>(kWritebackWindow), SYNC_FILE_RANGE_WRITE);
    started_ += kWritebackWindow;
  }
  if (end < kFlushStep) return;  // small files never start the thread
  {
    std::lock_guard lock(mu_);
    written_ = end;
  }
  if (!flusher_.joinable()) flusher_ = std::thread([this] { flush_loop(); });
  cv_.notify_one();
}

void Writeback::flush_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || written_ - flushed_ >= kFlushStep; });
    if (stopping_) return;
    flushed_ = written_;
    lock.unlock();
    const int err = ::fdatasync(fd_) == 0 ? 0 : errno;
    lock.lock();
    if (err != 0 && error_ == 0) error_ = err;
  }
}

void Writeback::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (flusher_.joinable()) flusher_.join();
}

int Writeback::sync() {
  stop();
  const int err = ::fsync(fd_) == 0 ? 0 : errno;
  return error_ != 0 ? error_ : err;
}

void ByteSink::rewrite(uint64_t, std::span<const uint8_t>) {
  throw std::logic_error("this byte stream cannot be rewritten");
}

void VectorSink::rewrite(uint64_t offset, std::span<const uint8_t> data) {
  if (offset > bytes.size() || data.size() > bytes.size() - offset)
    throw std::logic_error("VectorSink::rewrite past the end");
  std::memcpy(bytes.data() + offset, data.data(), data.size());
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

size_t SpanSource::read(std::span<uint8_t> buf) {
  const size_t n = std::min(buf.size(), data_.size());
  std::memcpy(buf.data(), data_.data(), n);
  data_ = data_.subspan(n);
  return n;
}

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

void write_all(int fd, std::span<const uint8_t> data, const std::string& name) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError("cannot write " + name + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
}

FdSink::FdSink(int fd, std::string name, bool writeback) : fd_(fd), name_(std::move(name)) {
  if (writeback) writeback_.emplace(fd);
  buf_.reserve(kBufSize);
}

void FdSink::write(std::span<const uint8_t> data) {
  auto put = [&](std::span<const uint8_t> d) {
    write_all(fd_, d, name_);
    written_ += d.size();
    if (writeback_) writeback_->wrote_up_to(written_);
  };
  buffered_write(buf_, data, [&] { flush(); }, put);
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

AtomicFileSink::AtomicFileSink(const std::string& path, mode_t mode, bool force) : path_(path), force_(force) {
  if (path == "-") {
    fd_ = 1;
    return;
  }
  if (!force && path_exists(path)) throw InputError(path + " exists (use --force to replace it)");
  const std::string dir = parent_dir(path);
  const auto slash = path.find_last_of('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  uint8_t rnd[6];
  Botan::system_rng().randomize(rnd, sizeof rnd);
  tmp_ = (slash == std::string::npos ? std::string() : dir + "/") + "." + base + ".tmp-" +
         Botan::hex_encode(rnd, sizeof rnd, false);
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd_ < 0) throw InputError("cannot write " + path + ": " + std::strerror(errno));
  ::fchmod(fd_, mode);
  writeback_.emplace(fd_);
  buf_.reserve(kBufSize);
}

AtomicFileSink::~AtomicFileSink() {
  if (tmp_.empty()) return;
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFileSink::write(std::span<const uint8_t> data) {
  auto put = [&](std::span<const uint8_t> d) {
    write_all(fd_, d, path_ == "-" ? "standard output" : path_);
    written_ += d.size();
    if (writeback_) writeback_->wrote_up_to(written_);
  };
  buffered_write(buf_, data, [&] { flush(); }, put);
}

void AtomicFileSink::flush() {
  write_all(fd_, buf_, path_ == "-" ? "standard output" : path_);
  written_ += buf_.size();
  buf_.clear();
  if (writeback_) writeback_->wrote_up_to(written_);
}

void AtomicFileSink::rewrite(uint64_t offset, std::span<const uint8_t> data) {
  if (tmp_.empty()) throw std::logic_error("standard output cannot be rewritten");
  flush();
  if (offset > written_ || data.size() > written_ - offset) throw std::logic_error("AtomicFileSink::rewrite past the end");
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError("cannot write " + path_ + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
}

void AtomicFileSink::commit() {
  flush();
  if (tmp_.empty()) return;
  auto fail = [&](int err) { return InputError("cannot write " + path_ + ": " + std::strerror(err)); };
  if (const int err = writeback_->sync(); err != 0) throw fail(err);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw fail(errno);
  if (force_) {
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) throw fail(errno);
  } else {
    if (::link(tmp_.c_str(), path_.c_str()) != 0) {
      const int err = errno;
      if (err == EEXIST) throw InputError(path_ + " exists (use --force to replace it)");
      throw fail(err);
    }
    ::unlink(tmp_.c_str());
  }
  committed_ = true;
  sync_dir(parent_dir(path_));
}

}  // namespace pairkit::backup
