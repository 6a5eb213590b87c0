// The SQLite layer: transactions, busy timeouts, migrations, refused files,
// constraint violations and snapshots.
#include <doctest/doctest.h>

#include <fstream>
#include <stdexcept>

#include "pairkit/core/error.hpp"
#include "pairkit/core/sqlite.hpp"
#include "pairkit/core/temp_dir.hpp"

using namespace pairkit;
using namespace pairkit::sqlite;
using namespace std::chrono_literals;

namespace {

ConnectionOptions creating(std::chrono::milliseconds timeout = 2000ms) {
  ConnectionOptions o;
  o.if_missing = IfMissing::create;
  o.busy_timeout = timeout;
  return o;
}

int64_t count(Connection& c, const char* table) {
  auto s = c.prepare(std::string("SELECT count(*) FROM ") + table);
  s.step();
  return s.integer(0);
}

const char* const kSteps[] = {
    "CREATE TABLE steps(n INTEGER NOT NULL); INSERT INTO steps VALUES (1);",
    "INSERT INTO steps VALUES (2);",
    "INSERT INTO steps VALUES (3);",
};

int empty_only(Connection& c) {
  if (count(c, "sqlite_master") != 0) throw InputError(c.path() + " belongs to someone else");
  return 0;
}

void refuse(const Connection& c, int v) { throw InputError(c.path() + " is at version " + std::to_string(v)); }

}  // namespace

TEST_CASE("a transaction rolls back when its scope is left by an exception") {
  TempDir d;
  Connection c(d.path() + "/t.db", creating());
  c.exec("CREATE TABLE t(x INTEGER)");
  CHECK_THROWS_AS(([&] {
                    Transaction tx(c);
                    c.prepare("INSERT INTO t VALUES (1)").run();
                    throw std::runtime_error("no");
                  }()),
                  std::runtime_error);
  CHECK(count(c, "t") == 0);
  {
    Transaction tx(c);
    c.prepare("INSERT INTO t VALUES (?)").bind(1, int64_t{7}).run();
    tx.commit();
  }
  CHECK(count(c, "t") == 1);
}

TEST_CASE("a database busy past the timeout is an InputError naming the file") {
  TempDir d;
  const std::string path = d.path() + "/busy.db";
  Connection holder(path, creating());
  migrate(holder, {kSteps, empty_only, refuse});
  Transaction held(holder);
  Connection waiter(path, creating(100ms));
  CHECK_THROWS_WITH_AS(Transaction{waiter}, doctest::Contains((path + " is busy").c_str()), InputError);
}

TEST_CASE("a kept statement comes back reset with its binds cleared; a nested use gets its own copy") {
  TempDir d;
  Connection c(d.path() + "/kept.db", creating());
  c.exec("CREATE TABLE t(x INTEGER)");
  for (int i = 1; i <= 3; ++i) c.cached("INSERT INTO t(x) VALUES (?)").bind(1, i).run();
  const char* sql = "SELECT count(*), sum(x IS ?) FROM t";
  {
    auto outer = c.cached(sql);
    outer.bind(1, 2);
    REQUIRE(outer.step());
    auto inner = c.cached(sql);  // while outer is out
    inner.bind(1, 3);
    REQUIRE(inner.step());
    CHECK(inner.integer(1) == 1);
    CHECK(outer.integer(0) == 3);
    CHECK(outer.integer(1) == 1);
  }
  auto again = c.cached(sql);  // unbound: NULL matches no row
  REQUIRE(again.step());
  CHECK(again.integer(0) == 3);
  CHECK(again.integer(1) == 0);
  CHECK_FALSE(again.step());
}

TEST_CASE("a kept statement that fails leaves no lock behind") {
  TempDir d;
  const std::string path = d.path() + "/kept.db";
  Connection c(path, creating());
  c.exec("CREATE TABLE t(x INTEGER UNIQUE)");
  c.cached("INSERT INTO t(x) VALUES (?)").bind(1, 1).run();
  CHECK_THROWS_AS(c.cached("INSERT INTO t(x) VALUES (?)").bind(1, 1).run(), ConstraintViolation);
  Connection other(path, creating(100ms));
  Transaction tx(other);
  other.exec("INSERT INTO t(x) VALUES (2)");
  tx.commit();
  CHECK(count(c, "t") == 2);
}

TEST_CASE("the change stamp moves with every commit, this connection's and others'") {
  TempDir d;
  const std::string path = d.path() + "/stamp.db";
  Connection c(path, creating());
  c.exec("CREATE TABLE t(x INTEGER)");
  Connection other(path, creating());
  const ChangeStamp s0 = c.change_stamp();
  CHECK(c.change_stamp() == s0);
  other.exec("INSERT INTO t(x) VALUES (1)");
  const ChangeStamp s1 = c.change_stamp();
  CHECK_FALSE(s1 == s0);
  c.exec("INSERT INTO t(x) VALUES (2)");
  const ChangeStamp s2 = c.change_stamp();
  CHECK_FALSE(s2 == s1);
  CHECK(c.change_stamp() == s2);
}

TEST_CASE("migrations run once, in order, and a newer file is refused") {
  TempDir d;
  const std::string path = d.path() + "/m.db";
  {
    Connection c(path, creating());
    migrate(c, {std::span(kSteps, 2), empty_only, refuse});
    CHECK(c.user_version() == 2);
    migrate(c, {kSteps, empty_only, refuse});
    migrate(c, {kSteps, empty_only, refuse});
    CHECK(c.user_version() == 3);
    auto s = c.prepare("SELECT group_concat(n) FROM steps");
    REQUIRE(s.step());
    CHECK(s.text(0) == "1,2,3");
    auto mode = c.prepare("PRAGMA journal_mode");
    REQUIRE(mode.step());
    CHECK(mode.text(0) == "wal");
  }
  Connection c(path, ConnectionOptions{});
  CHECK_THROWS_WITH_AS(migrate(c, {std::span(kSteps, 1), empty_only, refuse}), doctest::Contains("is at version 3"),
                       InputError);
}

TEST_CASE("an unversioned file is adopted or refused by the store") {
  TempDir d;
  const std::string path = d.path() + "/old.db";
  {
    Connection c(path, creating());
    c.exec("CREATE TABLE steps(n INTEGER NOT NULL); INSERT INTO steps VALUES (1);");
  }
  Connection c(path, ConnectionOptions{});
  CHECK_THROWS_WITH_AS(migrate(c, {kSteps, empty_only, refuse}), doctest::Contains("belongs to someone else"),
                       InputError);
  CHECK(c.user_version() == 0);
  migrate(c, {kSteps, [](Connection&) { return 1; }, refuse});
  CHECK(c.user_version() == 3);
  CHECK(count(c, "steps") == 3);
}

TEST_CASE("missing, garbage and refused files") {
  TempDir d;
  CHECK_THROWS_WITH_AS(Connection(d.path() + "/none.db", ConnectionOptions{}),
                       doctest::Contains((d.path() + "/none.db").c_str()), InputError);
  CHECK_THROWS_AS(Connection(d.path() + "/nodir/x.db", creating()), InputError);
  const std::string junk = d.path() + "/junk.db";
  std::ofstream(junk) << std::string(8192, 'x');
  Connection c(junk, ConnectionOptions{});
  CHECK_THROWS_WITH_AS(c.user_version(), doctest::Contains((junk + " is not a usable database").c_str()), InputError);
}

TEST_CASE("a constraint violation is its own error; the store may reword it") {
  TempDir d;
  ConnectionOptions o = creating();
  o.describe = [](const FailureInfo& f) {
    return f.kind == Failure::constraint ? std::string("taken already") : describe_plainly(f);
  };
  Connection c(d.path() + "/u.db", o);
  c.exec("CREATE TABLE u(k TEXT PRIMARY KEY)");
  c.prepare("INSERT INTO u VALUES ('a')").run();
  CHECK_THROWS_WITH_AS(c.prepare("INSERT INTO u VALUES ('a')").run(), "taken already", ConstraintViolation);
  auto kept = c.prepare("INSERT INTO u VALUES (?) ON CONFLICT (k) DO NOTHING RETURNING k");
  CHECK_FALSE(kept.bind(1, "a").step());
  kept.reset();
  CHECK(kept.bind(1, "b").step());
  CHECK(kept.text(0) == "b");
}

TEST_CASE("a snapshot holds the rows still in the WAL") {
  TempDir d;
  Connection c(d.path() + "/live.db", creating());
  migrate(c, {kSteps, empty_only, refuse});
  snapshot(d.path() + "/live.db", d.path() + "/copy.db");
  Connection copy(d.path() + "/copy.db", ConnectionOptions{});
  CHECK(count(copy, "steps") == 3);
  CHECK_THROWS_WITH_AS(snapshot(d.path() + "/none.db", d.path() + "/x.db"), doctest::Contains("cannot snapshot"), InputError);
}
