// Finds and execs a companion program (companion.hpp says why they exist).
#include "companion.hpp"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string_view>

#include "pairkit_config.h"

namespace pairkit::cli {

std::string executable_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

namespace {

/// The positional words of argv, skipping global flags and their values.
std::string_view nth_word(int argc, char** argv, int n) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--config" || a == "--color") {
      ++i;
      continue;
    }
    if (a.starts_with("-")) continue;
    if (n-- == 0) return a;
  }
  return {};
}

}  // namespace

const Companion* companion_for(int argc, char** argv, std::span<const Companion> companions) {
  std::string_view word = nth_word(argc, argv, 0);
  if (word == "help" || word == "__complete") word = nth_word(argc, argv, 1);
  for (const Companion& c : companions)
    if (word == c.word) return &c;
  return nullptr;
}

std::string exec_companion(const Companion& companion, char** argv) {
  // Next to the binary (a build tree, a relocated bundle), then where meson installs it.
  const std::string candidates[] = {executable_dir() + "/" + companion.program,
                                    std::string(PAIRKIT_LIBEXEC_DIR) + "/" + companion.program};
  for (const auto& path : candidates) {
    if (access(path.c_str(), X_OK) != 0) continue;
    ::execv(path.c_str(), argv);
    return "cannot run " + path + ": " + std::strerror(errno);
  }
  return std::string("'") + companion.word + "' is not installed: no " + companion.program +
         " next to pairkit or in " PAIRKIT_LIBEXEC_DIR;
}

}  // namespace pairkit::cli
