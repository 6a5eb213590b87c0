// SignalCleanup: the temporary files and folders a command has made, removed
// by a SIGINT, SIGTERM or SIGHUP that ends it, so that an interrupted command
// leaves neither debris nor decrypted secrets behind.
#pragma once
#include <cstdint>
#include <string>

#include <signal.h>

namespace pairkit {

/// A window in which this thread creates, renames or forgets a temporary
/// path. While any thread is inside one, the cleanup handler waits (up to a
/// second) before it removes anything, so that a path is never created after
/// the handler looked (and leaked), nor renamed into place half-way; the three
/// signals are blocked on this thread meanwhile, so the handler never waits
/// for the thread it runs on. A thread that opens a window once the process
/// is being ended by a signal stops there: the process dies around it.
/// Keep windows short (an open(), a rename()).
class CleanupWindow {
public:
  CleanupWindow();
  ~CleanupWindow();
  CleanupWindow(const CleanupWindow&) = delete;
  CleanupWindow& operator=(const CleanupWindow&) = delete;

  /// Records a path just made in this window: a file (unlinked) or a folder
  /// (removed with everything in it). Returns the handle forget() takes.
  uint64_t track(const std::string& path, bool folder);
  /// The path has been renamed into place or removed: the handler leaves it.
  void forget(uint64_t handle);

private:
  sigset_t old_mask_;
};

/// Installs the cleanup handler for SIGINT, SIGTERM and SIGHUP (not for one
/// the process was started with ignored, as `nohup` does). The handler removes
/// every tracked path, then lets the signal end the process as it would have
/// (exit status 128 + signal). The library never calls this: the program
/// decides (pairkit's run_cli does). Without it, tracking costs little and
/// changes nothing.
void install_signal_cleanup();

}  // namespace pairkit
