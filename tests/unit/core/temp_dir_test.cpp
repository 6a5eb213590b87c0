// TempDir: a private folder, unique per object, removed with its contents.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "pairkit/core/error.hpp"
#include "pairkit/core/temp_dir.hpp"

using namespace pairkit;
namespace fs = std::filesystem;

TEST_CASE("TempDir: a new 0700 folder per object, removed with everything in it") {
  std::string kept;
  {
    const TempDir a("/tmp/pairkit-tempdir-XXXXXX");
    const TempDir b("/tmp/pairkit-tempdir-XXXXXX");
    kept = a.path();
    CHECK(a.path() != b.path());
    CHECK(a.path().rfind("/tmp/pairkit-tempdir-", 0) == 0);
    CHECK((fs::status(a.path()).permissions() & fs::perms::all) == fs::perms::owner_all);
    fs::create_directories(a.path() + "/sub/deeper");
    std::ofstream(a.path() + "/sub/deeper/file") << "x";
  }
  CHECK_FALSE(fs::exists(kept));
}

TEST_CASE("TempDir: a failure names the pattern") {
  CHECK_THROWS_WITH_AS(TempDir("/nonexistent-pairkit/scratch-XXXXXX"),
                       doctest::Contains("cannot create a temporary folder /nonexistent-pairkit/scratch-XXXXXX: "),
                       InputError);
}
