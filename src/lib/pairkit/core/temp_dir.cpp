// TempDir: mkdtemp, and removal of the whole tree.
#include "pairkit/core/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "pairkit/core/error.hpp"

namespace pairkit {

TempDir::TempDir(std::string pattern) {
  std::string made = pattern;
  if (!::mkdtemp(made.data()))
    throw InputError("cannot create a temporary folder " + pattern + ": " + std::strerror(errno));
  path_ = std::move(made);
}

TempDir::TempDir() : TempDir("/tmp/pairkit-XXXXXX") {}

TempDir::~TempDir() {
  std::error_code ec;  // a destructor must not throw; what cannot be removed stays
  std::filesystem::remove_all(path_, ec);
}

}  // namespace pairkit
