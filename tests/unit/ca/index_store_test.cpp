// The CA index: unique serials, revocation states, CRL numbers.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "pairkit/ca/index_store.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/sqlite.hpp"
#include "pairkit/core/temp_dir.hpp"

using namespace pairkit;
using namespace pairkit::ca;

TEST_CASE("index database: insert, revoke, list, CRL numbers") {
  const auto dir = std::filesystem::temp_directory_path() / ("pairkit-index-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "index.db").string();
  {
    auto db = create_index(path);
    IndexEntry e;
    e.serial = "0A";
    e.subject = "CN=a";
    e.profile = "terminal";
    e.sha256 = "-";
    db->transaction([&] {
      CHECK(db->insert(e));
      CHECK_FALSE(db->insert(e));  // serials are unique
    });
    const TimePoint t(std::chrono::seconds(1'800'000'000));
    CHECK(db->revoke("0A", t, 1) == RevokeResult::revoked);
    CHECK(db->revoke("0A", t, 4) == RevokeResult::already_revoked);
    CHECK(db->revoke("0B", t, 1) == RevokeResult::unknown);
    CHECK(db->find("0A")->reason == 1);
    CHECK(db->list(IndexStore::Listing::revoked).size() == 1);
    CHECK(db->next_crl_number() == 1);
    CHECK(db->next_crl_number() == 2);
    CHECK(db->find("0A")->crl_number == 1u);  // the first CRL that listed it
  }
  CHECK_THROWS_AS(create_index(path), InputError);
  CHECK(open_index(path)->count() == 1);
  std::filesystem::remove_all(dir);
  CHECK_THROWS_AS(open_index(path), InputError);
}

TEST_CASE("an index made before schema versions were recorded is adopted; foreign files are refused") {
  TempDir d;
  const std::string path = d.path() + "/index.db";
  {
    // The schema as pairkit wrote it before PRAGMA user_version: the version is the meta row alone.
    sqlite::ConnectionOptions o;
    o.if_missing = IfMissing::create;
    sqlite::Connection old(path, o);
    old.exec(R"sql(
PRAGMA journal_mode=WAL;
CREATE TABLE certs (
  serial      TEXT PRIMARY KEY,
  subject     TEXT NOT NULL,
  profile     TEXT NOT NULL,
  not_before  INTEGER NOT NULL,
  not_after   INTEGER NOT NULL,
  sha256      TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked')),
  revoked_at  INTEGER,
  reason      INTEGER,
  crl_number  INTEGER
);
CREATE INDEX certs_revoked ON certs (status) WHERE status = 'revoked';
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta VALUES ('schema', 1), ('crl_number', 4);
INSERT INTO certs (serial, subject, profile, not_before, not_after, sha256) VALUES ('0C', 'CN=c', 'server', 1, 2, '-');
)sql");
    CHECK(old.user_version() == 0);
  }
  {
    auto db = open_index("sqlite:" + path);
    CHECK(db->count() == 1);
    CHECK(db->revoke("0C", TimePoint(std::chrono::seconds(3)), std::nullopt) == RevokeResult::revoked);
    CHECK(db->next_crl_number() == 5);
  }
  CHECK(sqlite::Connection(path, {}).user_version() == 1);
  CHECK(open_index(path)->find("0C")->crl_number == 5u);

  const std::string other = d.path() + "/other.db";
  {
    sqlite::ConnectionOptions o;
    o.if_missing = IfMissing::create;
    sqlite::Connection(other, o).exec("CREATE TABLE x(y)");
  }
  CHECK_THROWS_WITH_AS(open_index(other), doctest::Contains("is not a pairkit CA index"), InputError);
  const std::string junk = d.path() + "/junk.db";
  std::ofstream(junk) << std::string(4096, 'x');
  CHECK_THROWS_WITH_AS(open_index(junk), doctest::Contains((junk + " is not a usable index database").c_str()), InputError);
  CHECK_THROWS_AS(open_index("postgresql://ca@db/index"), UsageError);
}
