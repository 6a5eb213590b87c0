// Batched certificate writes: every file whole, nothing overwritten without
// force, no temporary file left behind, the background writer's errors seen.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pairkit/ca/batch_write.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/temp_dir.hpp"

using namespace pairkit;
using namespace pairkit::ca;
namespace fs = std::filesystem;

namespace {
std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t entries(const std::string& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

using Files = std::vector<std::pair<std::string, std::string>>;

Files files_named(const std::string& dir, int from, int to) {
  Files f;
  for (int i = from; i < to; ++i) f.emplace_back(dir + "/c" + std::to_string(i) + ".crt", "cert " + std::to_string(i));
  return f;
}
}  // namespace

TEST_CASE("the background writer writes every round, one file per entry, no temporary left") {
  TempDir d;
  BackgroundWriter w({kPublicFileMode, false});
  for (int round = 0; round < 5; ++round) w.add(files_named(d.path(), round * 30, round * 30 + 30));
  w.finish();
  CHECK(entries(d.path()) == 150);
  CHECK(w.take_published().size() == 150);  // what the caller records as delivered
  CHECK(w.take_published().empty());
  for (int i = 0; i < 150; ++i) CHECK(slurp(d.path() + "/c" + std::to_string(i) + ".crt") == "cert " + std::to_string(i));
  CHECK((fs::status(d.path() + "/c7.crt").permissions() & fs::perms::all) == fs::perms(0644));
}

TEST_CASE("the background writer reports a file that appeared meanwhile, and never replaces it") {
  TempDir d;
  std::ofstream(d.path() + "/c42.crt") << "theirs";
  BackgroundWriter w({kPublicFileMode, false});
  w.add(files_named(d.path(), 0, 40));
  bool threw = false;
  try {
    w.add(files_named(d.path(), 40, 80));  // may already see the failure
    w.finish();
  } catch (const InputError& e) {
    threw = true;
    CHECK(std::string(e.what()).find("c42.crt exists") != std::string::npos);
  }
  CHECK(threw);
  CHECK(slurp(d.path() + "/c42.crt") == "theirs");
  for (const auto& e : fs::directory_iterator(d.path())) CHECK(e.path().filename().string()[0] != '.');
  for (int i = 0; i < 40; ++i) CHECK(fs::exists(d.path() + "/c" + std::to_string(i) + ".crt"));
  // Reported as published: exactly the files written before the failure.
  const auto published = w.take_published();
  CHECK(published.size() + 1 == entries(d.path()));
  for (const auto& p : published) CHECK(slurp(p).rfind("cert ", 0) == 0);
}

TEST_CASE("with force the background writer replaces; unwinding without finish still writes what it was given") {
  TempDir d;
  std::ofstream(d.path() + "/c3.crt") << "old";
  {
    BackgroundWriter w({kPublicFileMode, true});
    w.add(files_named(d.path(), 0, 10));
  }  // no finish(): the destructor drains the queue
  CHECK(entries(d.path()) == 10);
  CHECK(slurp(d.path() + "/c3.crt") == "cert 3");
}

TEST_CASE("a failure names the file: a folder that is not there") {
  TempDir d;
  BackgroundWriter w({kPublicFileMode, false});
  w.add({{d.path() + "/missing/x.crt", "x"}});
  CHECK_THROWS_WITH_AS(w.finish(), doctest::Contains("missing/x.crt"), InputError);
}
