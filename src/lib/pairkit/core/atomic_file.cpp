// AtomicFile: temporary file, fsync, no-clobber rename, folder fsync.
#include "pairkit/core/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/core/signal_cleanup.hpp"

namespace pairkit {

namespace {

InputError write_error(const std::string& path, const std::string& what, int err) {
  return InputError("cannot write " + path + ": " + what + std::strerror(err));
}

InputError exists_error(const std::string& path) { return InputError(path + " exists (use --force to replace it)"); }

// Twelve hex digits. Uniqueness is what matters (O_EXCL settles a
// collision and the constructor tries again), not secrecy: before the
// kernel's pool is ready (a device's first boot) the clock stands in rather
// than blocking.
std::string random_suffix() {
  uint64_t bits = 0;
  if (::getrandom(&bits, sizeof bits, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof bits)) {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    bits = static_cast<uint64_t>(::getpid()) << 40 ^ static_cast<uint64_t>(ts.tv_sec) << 30 ^
           static_cast<uint64_t>(ts.tv_nsec);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(12, '0');
  for (char& c : s) {
    c = kHex[bits & 15];
    bits >>= 4;
  }
  return s;
}

// Puts from at to unless something is at to; returns 0 or an errno (EEXIST
// when something is). renameat2(RENAME_NOREPLACE) does it in one step the
// kernel makes atomic, so a file that appeared since we checked is never
// replaced (no clobbering race); unlike link() it leaves no second name
// behind after a crash, and works where hard links do not (vfat SD cards).
// File systems that refuse the flag (NFS, some FUSE ones) fail it with
// EINVAL: for them link() gives the same guarantee, EEXIST if the target
// appeared.
int rename_noreplace(const char* from, const char* to) {
  if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  if (::link(from, to) != 0) return errno;
  ::unlink(from);
  return 0;
}

}  // namespace

AtomicFile::AtomicFile(std::string path, const WriteOptions& opts) : path_(std::move(path)), force_(opts.force) {
  if (!force_ && path_exists(path_)) throw exists_error(path_);
  const auto slash = path_.find_last_of('/');
  const std::string folder = slash == std::string::npos ? std::string() : path_.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  for (int attempt = 0; fd_ < 0; ++attempt) {
    tmp_ = folder + "." + base + ".tmp-" + random_suffix();
    int err = 0;
    {
      // Tracked as it is made, so that a signal ending the command removes it.
      CleanupWindow window;
      fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, opts.mode);
      if (fd_ >= 0)
        tracked_ = window.track(tmp_, false);
      else
        err = errno;
    }
    if (fd_ < 0 && (err != EEXIST || attempt == 9)) {
      tmp_.clear();
      throw write_error(path_, "", err);
    }
  }
  ::fchmod(fd_, opts.mode);  // the umask must not narrow what we asked for
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)), tmp_(std::exchange(other.tmp_, {})), force_(other.force_),
      fd_(std::exchange(other.fd_, -1)), tracked_(std::exchange(other.tracked_, 0)) {}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::write(std::span<const uint8_t> data) { write_all(fd_, data, path_); }

void AtomicFile::write_at(uint64_t offset, std::span<const uint8_t> data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw write_error(path_, "", errno);
    }
    done += static_cast<size_t>(n);
  }
}

void AtomicFile::close() {
  if (fd_ < 0) return;
  // Closed even when close() fails (Linux frees the descriptor either way);
  // the error (NFS reports failed writes here) is still ours to report.
  if (::close(std::exchange(fd_, -1)) != 0) throw fail("", errno);
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) throw fail("fsync: ", errno);
  publish();
  sync_dir(parent_dir(path_));
}

void AtomicFile::publish() {
  close();
  if (force_) {
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) throw fail("", errno);
  } else if (const int err = rename_noreplace(tmp_.c_str(), path_.c_str()); err != 0) {
    if (err == EEXIST) {
      discard();
      throw exists_error(path_);
    }
    throw fail("", err);
  }
  tmp_.clear();
  untrack();
}

void AtomicFile::untrack() noexcept {
  if (tracked_ == 0) return;
  CleanupWindow window;
  window.forget(std::exchange(tracked_, 0));
}

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  tmp_.clear();
  untrack();
}

InputError AtomicFile::fail(const char* what, int err) {
  discard();
  return write_error(path_, what, err);
}

void replace_keeping_previous(const std::string& path, const std::string& next_path, const std::string& previous_path) {
  struct stat st {};
  if (::stat(next_path.c_str(), &st) != 0) throw write_error(path, "no " + next_path + " to put in place: ", errno);
  if (::stat(path.c_str(), &st) == 0) {
    // A copy, not a hard link or a rename: the current name never goes
    // missing, and it works where links do not (vfat).
    write_file_atomic(previous_path, read_file(path, limits::kBundle), WriteOptions{st.st_mode & 07777, true});
  } else if (errno != ENOENT) {
    throw write_error(path, "", errno);
  }
  if (::rename(next_path.c_str(), path.c_str()) != 0) throw write_error(path, "", errno);
  sync_dir(parent_dir(path));
}

}  // namespace pairkit
