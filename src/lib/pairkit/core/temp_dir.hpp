// TempDir: a private temporary folder, removed with everything in it; and the
// sweep that removes those a killed process left behind.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace pairkit {

/// A new folder made by mkdtemp (mode 0700), removed with everything in it
/// when the object goes, or when a signal ends the process
/// (signal_cleanup.hpp). While it exists the object holds an exclusive
/// flock on it: what a SIGKILL leaves behind is unlocked, which is how
/// sweep_stale_temp_dirs() tells it from a live one. Scratch space for the
/// library (a restore point's database snapshots, a restore's staging
/// folder) and for the unit tests.
class TempDir {
public:
  /// `pattern` is the folder's path ending in "XXXXXX", which becomes unique.
  /// Throws InputError "cannot create a temporary folder PATTERN: REASON".
  explicit TempDir(std::string pattern);
  /// A folder /tmp/pairkit-XXXXXX. The library reads no environment: a
  /// caller honouring TMPDIR passes its own pattern.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// The folder made.
  const std::string& path() const { return path_; }
  /// The folder has been renamed into place: it is no longer removed.
  void keep();

private:
  std::string path_;
  uint64_t tracked_ = 0;  // the signal cleanup's handle
  int lock_fd_ = -1;      // holds the flock
};

/// Removes the folders in `folder` whose names start with `prefix` that no
/// live TempDir holds (their flock can be taken) and that were last modified
/// more than `min_age` ago (a TempDir takes its lock just after mkdtemp). Folders it
/// cannot open or lock are left alone; errors are ignored: a sweep is
/// housekeeping, never a reason to fail a command.
void sweep_stale_temp_dirs(const std::string& folder, const std::string& prefix,
                           std::chrono::seconds min_age = std::chrono::seconds(60));

}  // namespace pairkit
