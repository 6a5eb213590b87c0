// SignalCleanup: the registry of temporary paths, the windows that guard it,
// and the handler that empties it when a signal ends the process.
#include "pairkit/core/signal_cleanup.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace pairkit {

namespace {

// Process-wide by nature: signals are. Everything here is constant-initialised
// (no static initialiser runs at start-up); the map is made on first use.
struct Tracked {
  std::string path;
  bool folder;
};
std::mutex g_mutex;                              // between threads that track and forget
std::map<uint64_t, Tracked>* g_tracked = nullptr;  // guarded by g_mutex; never freed
uint64_t g_next_handle = 1;
std::atomic<int> g_in_windows{0};
std::atomic<bool> g_dying{false};

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

sigset_t cleanup_signals() {
  sigset_t s;
  ::sigemptyset(&s);
  for (int sig : kSignals) ::sigaddset(&s, sig);
  return s;
}

// Everything below runs inside the signal handler: system calls only, no
// allocation, no locks.

// getdents64 records: inode (8 bytes), offset (8), length (2), type (1), name.
constexpr size_t kReclenAt = 16, kTypeAt = 18, kNameAt = 19;
constexpr int kMaxDepth = 16;

void remove_entries(int dir_fd, int depth);

void remove_at(int dir_fd, const char* name, unsigned char type, int depth) {
  if (type != DT_DIR) {
    if (::unlinkat(dir_fd, name, 0) == 0 || errno != EISDIR) return;  // EISDIR: a folder of unknown type
  }
  if (depth < kMaxDepth) {
    const int sub = ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub >= 0) {
      remove_entries(sub, depth + 1);
      ::close(sub);
    }
  }
  ::unlinkat(dir_fd, name, AT_REMOVEDIR);
}

// Reads from the start again until a pass removes nothing: a folder's
// listing may skip entries while they are being removed.
void remove_entries(int dir_fd, int depth) {
  alignas(8) char buf[4096];
  for (int pass = 0; pass < 8; ++pass) {
    bool removed = false;
    ::lseek(dir_fd, 0, SEEK_SET);
    for (;;) {
      const long n = ::syscall(SYS_getdents64, dir_fd, buf, sizeof buf);
      if (n <= 0) break;
      for (long at = 0; at < n;) {
        uint16_t reclen;
        std::memcpy(&reclen, buf + at + kReclenAt, sizeof reclen);
        const char* name = buf + at + kNameAt;
        const auto type = static_cast<unsigned char>(buf[at + kTypeAt]);
        at += reclen;
        if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
        remove_at(dir_fd, name, type, depth);
        removed = true;
      }
    }
    if (!removed) return;
  }
}

void remove_tracked(const Tracked& t) {
  if (!t.folder) {
    ::unlink(t.path.c_str());
    return;
  }
  // A thread outside any window may still be writing into the folder (a
  // restore's files): a few tries.
  for (int attempt = 0; attempt < 4; ++attempt) {
    const int fd = ::open(t.path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    remove_entries(fd, 0);
    ::close(fd);
    if (::rmdir(t.path.c_str()) == 0 || errno == ENOENT) return;
  }
}

extern "C" void on_cleanup_signal(int sig) {
  const int saved_errno = errno;
  if (g_dying.exchange(true)) {
    // Another thread took a signal first and is cleaning up; it ends the process.
    for (;;) ::pause();
  }
  // Lets every thread inside a window finish it; bounded, as a window never
  // waits for anything but the file system.
  for (int i = 0; i < 1000 && g_in_windows.load() > 0; ++i) {
    timespec ms{0, 1000000};
    ::nanosleep(&ms, nullptr);
  }
  if (g_tracked)
    for (const auto& [handle, t] : *g_tracked) remove_tracked(t);
  // Ends the process the way the signal would have, so that the caller sees
  // 128 + signal (130 for SIGINT, 143 for SIGTERM). The signal is blocked in
  // its own handler: it arrives when the handler returns.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);
  errno = saved_errno;
}

}  // namespace

CleanupWindow::CleanupWindow() {
  const sigset_t s = cleanup_signals();
  ::pthread_sigmask(SIG_BLOCK, &s, &old_mask_);
  g_in_windows.fetch_add(1);
  // The handler sets g_dying before it reads g_in_windows: either it sees
  // this window and waits for it, or this sees the process ending.
  if (g_dying.load()) {
    g_in_windows.fetch_sub(1);
    for (;;) ::pause();
  }
}

CleanupWindow::~CleanupWindow() {
  g_in_windows.fetch_sub(1);
  ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

uint64_t CleanupWindow::track(const std::string& path, bool folder) {
  std::lock_guard lock(g_mutex);
  if (!g_tracked) g_tracked = new std::map<uint64_t, Tracked>();
  const uint64_t handle = g_next_handle++;
  g_tracked->emplace(handle, Tracked{path, folder});
  return handle;
}

void CleanupWindow::forget(uint64_t handle) {
  std::lock_guard lock(g_mutex);
  if (g_tracked) g_tracked->erase(handle);
}

void install_signal_cleanup() {
  struct sigaction sa {};
  sa.sa_handler = on_cleanup_signal;
  sa.sa_mask = cleanup_signals();  // one cleanup at a time on this thread
  sa.sa_flags = SA_RESTART;
  for (int sig : kSignals) {
    struct sigaction old {};
    ::sigaction(sig, nullptr, &old);
    if (old.sa_handler == SIG_IGN) continue;  // nohup, or a background job: the caller chose
    ::sigaction(sig, &sa, nullptr);
  }
}

}  // namespace pairkit
