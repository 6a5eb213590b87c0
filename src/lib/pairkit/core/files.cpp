// File helpers: reads with clear errors, whole-file atomic writes, folders, locks.
#include "pairkit/core/files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pairkit/core/atomic_file.hpp"
#include "pairkit/core/byte_size.hpp"
#include "pairkit/core/error.hpp"

namespace pairkit {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

InputTooLarge too_large(const std::string& name, size_t max_bytes) {
  return InputTooLarge(name + " is larger than " + format_byte_size(max_bytes));
}

// Reads to the end of fd, refusing the read that would pass max_bytes, so that
// no source (a FIFO, /dev/zero) makes the buffer outgrow the limit.
std::vector<uint8_t> read_fd(int fd, const std::string& name, size_t max_bytes) {
  std::vector<uint8_t> out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    // A regular file (stdin redirected from one too): its size is known, so a
    // sparse 2 GB file is refused unread and a 500 MB CRL lands in one
    // allocation of the right size (growing by doubling would copy it and
    // briefly hold it twice).
    const off_t at = ::lseek(fd, 0, SEEK_CUR);
    const auto size = static_cast<uint64_t>(st.st_size - (at > 0 && at <= st.st_size ? at : 0));
    if (size > max_bytes) throw too_large(name, max_bytes);
    out.reserve(static_cast<size_t>(size));
  }
  uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError("cannot read " + name + ": " + errno_text(errno));
    }
    if (out.size() + static_cast<size_t>(n) > max_bytes) throw too_large(name, max_bytes);
    if (out.size() + static_cast<size_t>(n) > out.capacity())
      out.reserve(std::min(std::max(out.capacity() * 2, sizeof buf), max_bytes));
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

}  // namespace

std::vector<uint8_t> read_file(const std::string& path, size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot open " + path + ": " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw InputError("cannot read " + path + ": it is a directory");
  }
  try {
    auto data = read_fd(fd, path, max_bytes);
    ::close(fd);
    return data;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

std::vector<uint8_t> read_stdin(size_t max_bytes) { return read_fd(0, "standard input", max_bytes); }

std::string parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

void sync_dir(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: some file systems refuse to open folders
  ::fsync(fd);
  ::close(fd);
}

void make_dirs(const std::string& path, mode_t mode) {
  if (path.empty() || path == "." || path == "/") return;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw InputError("cannot create folder " + path + ": a file is in the way");
    return;
  }
  const std::string parent = parent_dir(path);
  if (parent != path) make_dirs(parent, 0755);
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
    throw InputError("cannot create folder " + path + ": " + errno_text(errno));
  ::chmod(path.c_str(), mode);  // umask must not widen or narrow what we asked for
}

void write_file_atomic(const std::string& path, std::string_view text, const WriteOptions& opts) {
  write_file_atomic(path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                    opts);
}

void write_file_atomic(const std::string& path, std::span<const uint8_t> data, const WriteOptions& opts) {
  AtomicFile file(path, opts);
  file.write(data);
  file.commit();
}

void write_all(int fd, std::span<const uint8_t> data, const std::string& name) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError("cannot write " + name + ": " + errno_text(errno));
    }
    done += static_cast<size_t>(n);
  }
}

FileLock::FileLock(const std::string& lock_path) {
  fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw InputError("cannot open lock file " + lock_path + ": " + errno_text(errno));
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd_);
    throw InputError("cannot lock " + lock_path + ": " + errno_text(err));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace pairkit
