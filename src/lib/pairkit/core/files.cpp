// File helpers: reads with clear errors, atomic no-clobber writes, locks.
#include "pairkit/core/files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pairkit/core/error.hpp"

namespace pairkit {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

std::vector<uint8_t> read_fd(int fd, const std::string& name, size_t max_bytes, size_t size_hint = 0) {
  std::vector<uint8_t> out;
  out.reserve(std::min(size_hint, max_bytes));  // one allocation for regular files (50 MB CRLs)
  uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError("cannot read " + name + ": " + errno_text(errno));
    }
    if (out.size() + static_cast<size_t>(n) > max_bytes)
      throw InputError(name + " is larger than " + std::to_string(max_bytes) + " bytes");
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

std::string random_suffix() {
  std::random_device rd;
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 10; ++i) s += alphabet[rd() % 36];
  return s;
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
    const size_t hint = S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0;
    if (hint > max_bytes) throw InputError(path + " is larger than " + std::to_string(max_bytes) + " bytes");
    auto data = read_fd(fd, path, max_bytes, hint);
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
  if (!opts.force && path_exists(path)) throw InputError(path + " exists (use --force to replace it)");
  const std::string dir = parent_dir(path);
  const auto slash = path.find_last_of('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string tmp = (dir == "." && slash == std::string::npos ? std::string() : dir + "/") + "." + base +
                          ".tmp-" + random_suffix();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, opts.mode);
  if (fd < 0) throw InputError("cannot write " + path + ": " + errno_text(errno));
  auto fail = [&](const std::string& what, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return InputError("cannot write " + path + ": " + what + errno_text(err));
  };
  ::fchmod(fd, opts.mode);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw fail("", errno);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) throw fail("fsync: ", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw InputError("cannot write " + path + ": " + errno_text(err));
  }
  if (opts.force) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      throw InputError("cannot write " + path + ": " + errno_text(err));
    }
  } else {
    // link() fails with EEXIST if the target appeared since we checked: no clobbering races.
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      if (err == EEXIST) throw InputError(path + " exists (use --force to replace it)");
      throw InputError("cannot write " + path + ": " + errno_text(err));
    }
    ::unlink(tmp.c_str());
  }
  sync_dir(dir);
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
