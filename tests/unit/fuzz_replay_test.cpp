// Replays every fuzz target's regression corpus (tests/fuzz/regressions/NAME/,
// one file per input a fuzzer once stopped on) through the target's body:
// each must end in a value or one of the library's typed errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "replay_table.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("every regression input of every fuzz target ends in a value or a typed error") {
  size_t replayed = 0;
  for (const auto& target : pairkit::fuzz::targets()) {
    const fs::path dir = fs::path(PAIRKIT_FUZZ_REGRESSIONS) / target.name;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      const auto bytes = slurp(entry.path());
      INFO(target.name << ": " << entry.path().string());
      CHECK_NOTHROW(pairkit::fuzz::run(target.body, bytes));
      ++replayed;
    }
  }
  MESSAGE(replayed << " regression inputs replayed");
}

TEST_CASE("every regression folder is named after a fuzz target") {
  std::set<std::string> names;
  for (const auto& target : pairkit::fuzz::targets()) names.insert(target.name);
  if (!fs::is_directory(PAIRKIT_FUZZ_REGRESSIONS)) return;
  for (const auto& entry : fs::directory_iterator(PAIRKIT_FUZZ_REGRESSIONS)) {
    INFO(entry.path().string());
    CHECK(names.count(entry.path().filename().string()) == 1);
  }
}
