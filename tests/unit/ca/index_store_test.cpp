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
    db::ConnectionOptions o;
    o.if_missing = IfMissing::create;
    auto old = sqlite::open(path, o);
    old->exec(R"sql(
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
    CHECK(sqlite::user_version(*old) == 0);
  }
  {
    auto db = open_index("sqlite:" + path);
    CHECK(db->count() == 1);
    CHECK(db->revoke("0C", TimePoint(std::chrono::seconds(3)), std::nullopt) == RevokeResult::revoked);
    CHECK(db->next_crl_number() == 5);
  }
  CHECK(sqlite::user_version(*sqlite::open(path, {})) == 3);
  CHECK(open_index(path)->find("0C")->crl_number == 5u);
  // Rows from before delivery was recorded count as delivered, with no certificate kept.
  CHECK(open_index(path)->find("0C")->delivered);
  CHECK_FALSE(open_index(path)->certificate_pem("0C"));

  const std::string other = d.path() + "/other.db";
  {
    db::ConnectionOptions o;
    o.if_missing = IfMissing::create;
    sqlite::open(other, o)->exec("CREATE TABLE x(y)");
  }
  CHECK_THROWS_WITH_AS(open_index(other), doctest::Contains("is not a pairkit CA index"), InputError);
  const std::string junk = d.path() + "/junk.db";
  std::ofstream(junk) << std::string(4096, 'x');
  CHECK_THROWS_WITH_AS(open_index(junk), doctest::Contains((junk + " is not a usable index database").c_str()), InputError);
  CHECK_THROWS_AS(open_index("mysql://ca@db/index"), UsageError);
  CHECK_THROWS_AS(open_index("postgresql://ca:secret@db/index"), UsageError);
}

TEST_CASE("index database: a certificate is undelivered from signing until marked, and kept for delivery") {
  TempDir d;
  auto db = create_index(d.path() + "/index.db");
  IndexEntry e;
  e.subject = "CN=a";
  e.profile = "terminal";
  e.sha256 = "-";
  e.pem = "-----BEGIN CERTIFICATE-----\n...\n";
  e.delivered = false;
  e.delivered_to = "out/a.crt";
  db->transaction([&] {
    for (const char* serial : {"01", "02", "03"}) {
      e.serial = serial;
      CHECK(db->insert(e));
    }
  });
  CHECK(db->list(IndexStore::Listing::undelivered).size() == 3);
  db->mark_delivered("01");
  CHECK(db->revoke("02", TimePoint(std::chrono::seconds(5)), std::nullopt) == RevokeResult::revoked);
  const auto waiting = db->list(IndexStore::Listing::undelivered);  // valid ones only: a revoked one needs nothing
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0].serial == "03");
  CHECK(waiting[0].delivered_to == "out/a.crt");
  CHECK(db->find("01")->delivered);
  CHECK_FALSE(db->find("02")->delivered);
  CHECK(db->certificate_pem("03") == e.pem);
  CHECK_FALSE(db->certificate_pem("04"));
}
