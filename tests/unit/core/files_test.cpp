// Atomic writes, no-clobber, modes.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/temp_dir.hpp"

using namespace pairkit;
namespace fs = std::filesystem;

namespace {
mode_t mode_of(const std::string& p) {
  struct stat st {};
  stat(p.c_str(), &st);
  return st.st_mode & 07777;
}
}  // namespace

TEST_CASE("write_file_atomic writes with the mode and refuses to clobber") {
  TempDir d;
  const std::string p = d.path() + "/key.pem";
  write_file_atomic(p, std::string_view("secret"), {kPrivateFileMode, false});
  CHECK(mode_of(p) == 0600);
  CHECK_THROWS_AS(write_file_atomic(p, std::string_view("other"), {kPrivateFileMode, false}), InputError);
  auto data = read_file(p, 1 << 20);
  CHECK(std::string(data.begin(), data.end()) == "secret");
  write_file_atomic(p, std::string_view("other"), {kPrivateFileMode, true});
  data = read_file(p, 1 << 20);
  CHECK(std::string(data.begin(), data.end()) == "other");
  // No temporary files are left behind.
  size_t n = 0;
  for (auto& e : fs::directory_iterator(d.path())) { (void)e; ++n; }
  CHECK(n == 1);
}

TEST_CASE("write failures leave nothing behind") {
  CHECK_THROWS_AS(write_file_atomic("/nonexistent-dir/x", std::string_view("x"), {}), InputError);
}

TEST_CASE("read_file names the path") {
  try {
    read_file("/nonexistent/file.pem", 1 << 20);
    FAIL("expected an error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("/nonexistent/file.pem") != std::string::npos);
  }
  CHECK_THROWS_AS(read_file("/tmp", 1 << 20), InputError);
}

TEST_CASE("make_dirs creates private folders") {
  TempDir d;
  make_dirs(d.path() + "/a/b", kPrivateDirMode);
  CHECK(mode_of(d.path() + "/a/b") == 0700);
}

TEST_CASE("read_file refuses input over its limit: a sparse file unread, /dev/zero as the limit passes") {
  TempDir d;
  const std::string sparse = d.path() + "/sparse.pem";
  const int fd = ::open(sparse.c_str(), O_WRONLY | O_CREAT, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, off_t{2} << 30) == 0);
  ::close(fd);
  CHECK_THROWS_WITH_AS(read_file(sparse, 1 << 20), (sparse + " is larger than 1 MiB").c_str(), InputTooLarge);
  CHECK_THROWS_WITH_AS(read_file("/dev/zero", 1 << 20), "/dev/zero is larger than 1 MiB", InputTooLarge);

  const std::string exact = d.path() + "/exact";
  write_file_atomic(exact, std::string(4096, 'x'), {});
  CHECK(read_file(exact, 4096).size() == 4096);
  CHECK_THROWS_AS(read_file(exact, 4095), InputTooLarge);
}
