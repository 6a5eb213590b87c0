// The CA index: unique serials, revocation states, CRL numbers.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include <unistd.h>

#include "pairkit/ca/index_db.hpp"
#include "pairkit/core/error.hpp"

using namespace pairkit;
using namespace pairkit::ca;

TEST_CASE("index database: insert, revoke, list, CRL numbers") {
  const auto dir = std::filesystem::temp_directory_path() / ("pairkit-index-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "index.db").string();
  {
    auto db = IndexDb::create(path);
    IndexEntry e;
    e.serial = "0A";
    e.subject = "CN=a";
    e.profile = "terminal";
    e.sha256 = "-";
    db.transaction([&] {
      CHECK(db.insert(e));
      CHECK_FALSE(db.insert(e));  // serials are unique
    });
    const TimePoint t(std::chrono::seconds(1'800'000'000));
    CHECK(db.revoke("0A", t, 1) == RevokeResult::revoked);
    CHECK(db.revoke("0A", t, 4) == RevokeResult::already_revoked);
    CHECK(db.revoke("0B", t, 1) == RevokeResult::unknown);
    CHECK(db.find("0A")->reason == 1);
    CHECK(db.list(true).size() == 1);
    CHECK(db.next_crl_number() == 1);
    CHECK(db.next_crl_number() == 2);
    CHECK(db.find("0A")->crl_number == 1u);  // the first CRL that listed it
  }
  CHECK_THROWS_AS(IndexDb::create(path), InputError);
  CHECK(IndexDb::open(path).count() == 1);
  std::filesystem::remove_all(dir);
  CHECK_THROWS_AS(IndexDb::open(path), InputError);
}
