// TempDir: a private temporary folder, removed with everything in it.
#pragma once
#include <cstdint>
#include <string>

namespace pairkit {

/// A new folder made by mkdtemp (mode 0700), removed with everything in it
/// when the object goes, or when a signal ends the process
/// (signal_cleanup.hpp). Scratch space for the library (a restore point's
/// database snapshots) and for the unit tests.
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

private:
  std::string path_;
  uint64_t tracked_ = 0;  // the signal cleanup's handle
};

}  // namespace pairkit
