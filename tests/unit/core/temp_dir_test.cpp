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

TEST_CASE("TempDir: a sweep removes what a killed process left, never a live folder or a young one") {
  const TempDir parent("/tmp/pairkit-sweep-XXXXXX");
  const std::string p = parent.path();
  // A folder as SIGKILL leaves it: nobody holds its lock.
  fs::create_directories(p + "/.x.restore-dead/sub");
  std::ofstream(p + "/.x.restore-dead/sub/key.pem") << "secret";
  const TempDir live(p + "/.x.restore-XXXXXX");
  fs::create_directories(p + "/.y.restore-other");  // another prefix
  sweep_stale_temp_dirs(p, ".x.restore-");  // everything is younger than a minute: nothing goes
  CHECK(fs::exists(p + "/.x.restore-dead"));
  sweep_stale_temp_dirs(p, ".x.restore-", std::chrono::seconds(0));
  CHECK_FALSE(fs::exists(p + "/.x.restore-dead"));
  CHECK(fs::exists(live.path()));  // locked by its TempDir
  CHECK(fs::exists(p + "/.y.restore-other"));
}

TEST_CASE("TempDir: keep() leaves the folder where it was put") {
  const TempDir parent("/tmp/pairkit-keep-XXXXXX");
  {
    TempDir staging(parent.path() + "/.t.restore-XXXXXX");
    const std::string made = staging.path();
    fs::rename(made, parent.path() + "/t");
    staging.keep();
    CHECK(staging.path().empty());
    fs::create_directories(made);  // someone else's folder by that name now
  }
  CHECK(fs::exists(parent.path() + "/t"));
  CHECK(std::distance(fs::directory_iterator(parent.path()), fs::directory_iterator()) == 2);
}
