// A temporary folder for one test case, removed with everything in it.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>

namespace pairkit::test {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/pairkit-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace pairkit::test
