// SignalCleanup: a signal that ends the process removes the temporary files
// and folders it had made, keeps what was published, and still ends it.
#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pairkit/core/atomic_file.hpp"
#include "pairkit/core/signal_cleanup.hpp"
#include "pairkit/core/temp_dir.hpp"

using namespace pairkit;
namespace fs = std::filesystem;

namespace {

// Runs body in a child process that has the cleanup handler and raises sig
// at its end; returns the child's wait status.
template <class Body>
int in_child_ended_by(int sig, Body body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The handler leaves a signal ignored at start alone (nohup): the suite
    // may run under nohup, and these tests are about the handler.
    for (const int s : {SIGINT, SIGTERM, SIGHUP}) ::signal(s, SIG_DFL);
    install_signal_cleanup();
    body();
    ::raise(sig);
    ::_exit(99);  // the signal did not end the child
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

// A folder for a test, made without TempDir: a child inherits what the
// parent tracked, and its handler would remove this too.
struct Scratch {
  std::string path = "/tmp/pairkit-cleanup-XXXXXX";
  Scratch() { REQUIRE(::mkdtemp(path.data())); }
  ~Scratch() { fs::remove_all(path); }
};

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("SignalCleanup: SIGINT, SIGTERM and SIGHUP remove temporary files and folders, keep published files") {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    CAPTURE(sig);
    const Scratch dir;
    const std::string d = dir.path;
    const int status = in_child_ended_by(sig, [&] {
      AtomicFile done(d + "/done.crt", {0644, false});
      done.write({reinterpret_cast<const uint8_t*>("x"), 1});
      done.commit();
      static AtomicFile half(d + "/half.crt", {0644, false});  // never destroyed: the signal comes first
      half.write({reinterpret_cast<const uint8_t*>("y"), 1});
      static TempDir staging(d + "/.staging-XXXXXX");
      fs::create_directories(staging.path() + "/sub/deeper");
      std::ofstream(staging.path() + "/key.pem") << "secret";
      std::ofstream(staging.path() + "/sub/deeper/more") << "secret";
    });
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == sig);  // the caller sees 128 + signal
    CHECK(names_in(d) == std::vector<std::string>{"done.crt"});
  }
}

TEST_CASE("SignalCleanup: a path forgotten after it was put in place is left alone") {
  const Scratch dir;
  const std::string d = dir.path;
  const int status = in_child_ended_by(SIGTERM, [&] {
    std::string made = d + "/.kept-XXXXXX";
    CleanupWindow window;
    REQUIRE(::mkdtemp(made.data()));
    const auto handle = window.track(made, true);
    fs::rename(made, d + "/kept");
    window.forget(handle);
    REQUIRE(::mkdir(made.c_str(), 0700) == 0);  // someone else's folder by that name now
  });
  REQUIRE(WIFSIGNALED(status));
  CHECK(names_in(d).size() == 2);
}
