// TempDir: mkdtemp, a flock while it lives, removal of the whole tree; the
// sweep of unlocked leftovers.
#include "pairkit/core/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/signal_cleanup.hpp"

namespace pairkit {

TempDir::TempDir(std::string pattern) {
  std::string made = pattern;
  int err = 0;
  {
    CleanupWindow window;  // tracked as it is made: a signal ending the command removes it
    if (::mkdtemp(made.data()))
      tracked_ = window.track(made, true);
    else
      err = errno;
  }
  if (err != 0) throw InputError("cannot create a temporary folder " + pattern + ": " + std::strerror(err));
  path_ = std::move(made);
  // Without the lock (a file system without flock) the folder is still
  // removed as usual; only a sweep could take it for stale, and a sweep
  // leaves folders younger than its min_age alone.
  lock_fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock_fd_ >= 0) ::flock(lock_fd_, LOCK_EX | LOCK_NB);
}

TempDir::TempDir() : TempDir("/tmp/pairkit-XXXXXX") {}

TempDir::~TempDir() {
  if (!path_.empty()) {
    std::error_code ec;  // a destructor must not throw; what cannot be removed stays
    std::filesystem::remove_all(path_, ec);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
  CleanupWindow window;
  window.forget(tracked_);
}

void TempDir::keep() {
  path_.clear();
  CleanupWindow window;
  window.forget(std::exchange(tracked_, 0));
}

void sweep_stale_temp_dirs(const std::string& folder, const std::string& prefix, std::chrono::seconds min_age) {
  namespace fs = std::filesystem;
  std::error_code ec;
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string path = it->path().string();
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st {};
    const bool old_enough = ::fstat(fd, &st) == 0 && now.tv_sec - st.st_mtim.tv_sec >= min_age.count();
    if (old_enough && ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
    ::close(fd);
  }
}

}  // namespace pairkit
