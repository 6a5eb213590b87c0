// TempDir: mkdtemp, and removal of the whole tree.
#include "pairkit/core/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

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
}

TempDir::TempDir() : TempDir("/tmp/pairkit-XXXXXX") {}

TempDir::~TempDir() {
  std::error_code ec;  // a destructor must not throw; what cannot be removed stays
  std::filesystem::remove_all(path_, ec);
  CleanupWindow window;
  window.forget(tracked_);
}

}  // namespace pairkit
