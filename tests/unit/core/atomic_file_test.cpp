// AtomicFile's guarantees, tested once here for every writer built on it:
// whole files only, no clobbering race, exact modes, errors naming the file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/stat.h>

#include "pairkit/core/atomic_file.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/temp_dir.hpp"

using namespace pairkit;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const std::string& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 07777;
}

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// Sets the umask for one scope.
struct Umask {
  mode_t old;
  explicit Umask(mode_t m) : old(::umask(m)) {}
  ~Umask() { ::umask(old); }
};

}  // namespace

TEST_CASE("AtomicFile: the file appears whole at commit, with exactly its mode whatever the umask") {
  TempDir d;
  const std::string key = d.path() + "/key.pem", cert = d.path() + "/cert.pem";
  {
    const Umask wide(0);
    AtomicFile f(key, {kPrivateFileMode, false});
    f.write(bytes("secret"));
    // Until commit the target is not there; only the temporary beside it, already private.
    CHECK_FALSE(path_exists(key));
    const auto names = names_in(d.path());
    REQUIRE(names.size() == 1);
    CHECK(names[0].rfind(".key.pem.tmp-", 0) == 0);
    CHECK(mode_of(d.path() + "/" + names[0]) == 0600);
    f.commit();
  }
  {
    const Umask narrow(077);
    write_file_atomic(cert, std::string_view("public"), {kPublicFileMode, false});
  }
  CHECK(slurp(key) == "secret");
  CHECK(mode_of(key) == 0600);
  CHECK(slurp(cert) == "public");
  CHECK(mode_of(cert) == 0644);
  CHECK(names_in(d.path()).size() == 2);
}

TEST_CASE("AtomicFile: destroyed without commit, it leaves nothing behind") {
  TempDir d;
  {
    AtomicFile f(d.path() + "/out.age", {kPrivateFileMode, false});
    f.write(bytes("half of it"));
  }
  CHECK(names_in(d.path()).empty());
}

TEST_CASE("AtomicFile: a failed write leaves no partial file and names the path") {
  TempDir d;
  const std::string p = d.path() + "/big.bin";
  // A file size limit makes write() fail part way (EFBIG) like a full disk would.
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit old_limit{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
  rlimit small = old_limit;
  small.rlim_cur = 64 * 1024;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  const std::string data(1 << 20, 'x');
  std::string message;
  try {
    write_file_atomic(p, std::string_view(data), {kPrivateFileMode, false});
  } catch (const InputError& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  CHECK(message == "cannot write " + p + ": " + std::strerror(EFBIG));
  CHECK(names_in(d.path()).empty());
}

TEST_CASE("AtomicFile: an existing file is refused up front, before anything is written") {
  TempDir d;
  const std::string p = d.path() + "/ca.key";
  std::ofstream(p) << "theirs";
  CHECK_THROWS_WITH_AS(AtomicFile(p, {kPrivateFileMode, false}), (p + " exists (use --force to replace it)").c_str(),
                       InputError);
  CHECK(slurp(p) == "theirs");
  CHECK(names_in(d.path()).size() == 1);
}

TEST_CASE("AtomicFile: a file that appears between the check and the commit is never replaced") {
  TempDir d;
  const std::string p = d.path() + "/ca.key";
  AtomicFile f(p, {kPrivateFileMode, false});
  f.write(bytes("ours"));
  std::ofstream(p) << "theirs";  // another process won the race
  CHECK_THROWS_WITH_AS(f.commit(), (p + " exists (use --force to replace it)").c_str(), InputError);
  CHECK(slurp(p) == "theirs");
  CHECK(names_in(d.path()) == std::vector<std::string>{"ca.key"});
}

TEST_CASE("AtomicFile: with force it replaces, also a file that appeared meanwhile") {
  TempDir d;
  const std::string p = d.path() + "/pins.toml";
  std::ofstream(p) << "old";
  AtomicFile f(p, {kPublicFileMode, true});
  f.write(bytes("new"));
  std::ofstream(p) << "newer";
  f.commit();
  CHECK(slurp(p) == "new");
  CHECK(mode_of(p) == 0644);
  CHECK(names_in(d.path()).size() == 1);
}

TEST_CASE("AtomicFile: a failure names the path") {
  TempDir d;
  const std::string p = d.path() + "/missing/x.crt";
  CHECK_THROWS_WITH_AS(AtomicFile(p, {}), ("cannot write " + p + ": " + std::strerror(ENOENT)).c_str(), InputError);
  CHECK_THROWS_WITH_AS(write_file_atomic(p, std::string_view("x"), {}),
                       ("cannot write " + p + ": " + std::strerror(ENOENT)).c_str(), InputError);
}

TEST_CASE("AtomicFile: write_at overwrites what was written; close and publish serve batches") {
  TempDir d;
  const std::string p = d.path() + "/manifest";
  AtomicFile f(p, {kPublicFileMode, false});
  f.write(bytes("0000-tail"));
  f.write_at(0, bytes("head"));
  f.close();
  CHECK(f.fd() == -1);
  AtomicFile moved(std::move(f));  // a batch keeps them in a vector
  moved.publish();
  CHECK(slurp(p) == "head-tail");
  CHECK(names_in(d.path()).size() == 1);
}

TEST_CASE("AtomicFile: a bare file name is written in the current folder") {
  TempDir d;
  const auto cwd = fs::current_path();
  fs::current_path(d.path());
  write_file_atomic("plain.txt", std::string_view("x"), {});
  fs::current_path(cwd);
  CHECK(slurp(d.path() + "/plain.txt") == "x");
  CHECK(names_in(d.path()).size() == 1);
}

TEST_CASE("replace_keeping_previous: the new file in place, the old one kept with its mode, finishing after a crash") {
  TempDir d;
  const std::string key = d.path() + "/key.pem", next = key + ".next", previous = key + ".previous";
  write_file_atomic(key, std::string_view("old"), WriteOptions{0600, false});
  write_file_atomic(previous, std::string_view("older"), WriteOptions{0644, false});
  write_file_atomic(next, std::string_view("new"), WriteOptions{0600, false});
  replace_keeping_previous(key, next, previous);
  CHECK(slurp(key) == "new");
  CHECK(mode_of(key) == 0600);
  CHECK(slurp(previous) == "old");
  CHECK(mode_of(previous) == 0600);
  CHECK_FALSE(path_exists(next));

  // A crash after the copy and before the rename leaves both names; running
  // again puts the new file in place and keeps the same predecessor.
  write_file_atomic(next, std::string_view("newer"), WriteOptions{0600, false});
  write_file_atomic(previous, std::string_view("new"), WriteOptions{0600, true});
  replace_keeping_previous(key, next, previous);
  CHECK(slurp(key) == "newer");
  CHECK(slurp(previous) == "new");
  std::vector<std::string> names = names_in(d.path());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"key.pem", "key.pem.previous"});

  // Nothing to put in place: an error naming the file, and nothing changed.
  CHECK_THROWS_AS(replace_keeping_previous(key, next, previous), InputError);
  CHECK(slurp(key) == "newer");

  // No current file: the new one appears and no predecessor is made up.
  const std::string cert = d.path() + "/cert.pem";
  write_file_atomic(cert + ".next", std::string_view("c"), WriteOptions{0644, false});
  replace_keeping_previous(cert, cert + ".next", cert + ".previous");
  CHECK(slurp(cert) == "c");
  CHECK_FALSE(path_exists(cert + ".previous"));
}
