// The SQLite engine of the storage layer: transactions, busy timeouts,
// migrations, refused files, constraint violations and snapshots.
#include <doctest/doctest.h>

#include <fstream>
#include <stdexcept>

#include "pairkit/core/error.hpp"
#include "pairkit/core/sqlite.hpp"
#include "pairkit/core/temp_dir.hpp"

using namespace pairkit;
using namespace pairkit::db;
using pairkit::sqlite::open;
using pairkit::sqlite::snapshot;
using pairkit::sqlite::user_version;
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

Schema steps(std::span<const char* const> migrations, int (*unversioned)(Connection&) = empty_only) {
  return {"steps", "steps", migrations, migrations, unversioned, refuse};
}

}  // namespace

TEST_CASE("a transaction rolls back when its scope is left by an exception") {
  TempDir d;
  auto c_owner = open(d.path() + "/t.db", creating());
  Connection& c = *c_owner;
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
  auto holder_owner = open(path, creating());
  Connection& holder = *holder_owner;
  holder.migrate(steps(kSteps, empty_only));
  Transaction held(holder);
  auto waiter_owner = open(path, creating(100ms));
  Connection& waiter = *waiter_owner;
  CHECK_THROWS_WITH_AS(Transaction{waiter}, doctest::Contains((path + " is busy").c_str()), InputError);
}

TEST_CASE("a kept statement comes back reset with its binds cleared; a nested use gets its own copy") {
  TempDir d;
  auto c_owner = open(d.path() + "/kept.db", creating());
  Connection& c = *c_owner;
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
  auto c_owner = open(path, creating());
  Connection& c = *c_owner;
  c.exec("CREATE TABLE t(x INTEGER UNIQUE)");
  c.cached("INSERT INTO t(x) VALUES (?)").bind(1, 1).run();
  CHECK_THROWS_AS(c.cached("INSERT INTO t(x) VALUES (?)").bind(1, 1).run(), ConstraintViolation);
  auto other_owner = open(path, creating(100ms));
  Connection& other = *other_owner;
  Transaction tx(other);
  other.exec("INSERT INTO t(x) VALUES (2)");
  tx.commit();
  CHECK(count(c, "t") == 2);
}

TEST_CASE("the change stamp moves with every commit, this connection's and others'") {
  TempDir d;
  const std::string path = d.path() + "/stamp.db";
  auto c_owner = open(path, creating());
  Connection& c = *c_owner;
  c.exec("CREATE TABLE t(x INTEGER)");
  auto other_owner = open(path, creating());
  Connection& other = *other_owner;
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
    auto c_owner = open(path, creating());
    Connection& c = *c_owner;
    c.migrate(steps(std::span(kSteps, 2), empty_only));
    CHECK(user_version(c) == 2);
    c.migrate(steps(kSteps, empty_only));
    c.migrate(steps(kSteps, empty_only));
    CHECK(user_version(c) == 3);
    auto s = c.prepare("SELECT group_concat(n) FROM steps");
    REQUIRE(s.step());
    CHECK(s.text(0) == "1,2,3");
    auto mode = c.prepare("PRAGMA journal_mode");
    REQUIRE(mode.step());
    CHECK(mode.text(0) == "wal");
  }
  auto c_owner = open(path, ConnectionOptions{});
  Connection& c = *c_owner;
  CHECK_THROWS_WITH_AS(c.migrate(steps(std::span(kSteps, 1), empty_only)), doctest::Contains("is at version 3"),
                       InputError);
}

TEST_CASE("an unversioned file is adopted or refused by the store") {
  TempDir d;
  const std::string path = d.path() + "/old.db";
  {
    auto c_owner = open(path, creating());
    Connection& c = *c_owner;
    c.exec("CREATE TABLE steps(n INTEGER NOT NULL); INSERT INTO steps VALUES (1);");
  }
  auto c_owner = open(path, ConnectionOptions{});
  Connection& c = *c_owner;
  CHECK_THROWS_WITH_AS(c.migrate(steps(kSteps, empty_only)), doctest::Contains("belongs to someone else"),
                       InputError);
  CHECK(user_version(c) == 0);
  c.migrate(steps(kSteps, [](Connection&) { return 1; }));
  CHECK(user_version(c) == 3);
  CHECK(count(c, "steps") == 3);
}

TEST_CASE("missing, garbage and refused files") {
  TempDir d;
  CHECK_THROWS_WITH_AS(open(d.path() + "/none.db", ConnectionOptions{}),
                       doctest::Contains((d.path() + "/none.db").c_str()), InputError);
  CHECK_THROWS_AS(open(d.path() + "/nodir/x.db", creating()), InputError);
  const std::string junk = d.path() + "/junk.db";
  std::ofstream(junk) << std::string(8192, 'x');
  auto c_owner = open(junk, ConnectionOptions{});
  Connection& c = *c_owner;
  CHECK_THROWS_WITH_AS(user_version(c), doctest::Contains((junk + " is not a usable database").c_str()), InputError);
}

TEST_CASE("a constraint violation is its own error; the store may reword it") {
  TempDir d;
  ConnectionOptions o = creating();
  o.describe = [](const FailureInfo& f) {
    return f.kind == Failure::constraint ? std::string("taken already") : describe_plainly(f);
  };
  auto c_owner = open(d.path() + "/u.db", o);
  Connection& c = *c_owner;
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
  auto c_owner = open(d.path() + "/live.db", creating());
  Connection& c = *c_owner;
  c.migrate(steps(kSteps, empty_only));
  snapshot(d.path() + "/live.db", d.path() + "/copy.db");
  auto copy_owner = open(d.path() + "/copy.db", ConnectionOptions{});
  Connection& copy = *copy_owner;
  CHECK(count(copy, "steps") == 3);
  CHECK_THROWS_WITH_AS(snapshot(d.path() + "/none.db", d.path() + "/x.db"), doctest::Contains("cannot snapshot"), InputError);
}
