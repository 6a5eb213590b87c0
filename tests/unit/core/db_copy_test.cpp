// db migrate and db copy on SQLite files with a store of the test's own:
// COPY-format lines, which stores a file holds, a verified copy with its
// ids, a refused target, and a copy that reads back differently rolled back.
#include <doctest/doctest.h>

#include "pairkit/core/db_copy.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/crypto/fingerprint.hpp"

using namespace pairkit;
using namespace pairkit::db;
using namespace std::chrono_literals;

namespace {

const char* const kItems[] = {
    "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, note TEXT); "
    "CREATE TABLE flags(key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO flags VALUES ('ready', 'yes');",
};
// The same version, with a trigger that changes every row copied in: what a
// copy that does not read back as written looks like.
const char* const kTampering[] = {
    "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, note TEXT); "
    "CREATE TABLE flags(key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO flags VALUES ('ready', 'yes'); "
    "CREATE TRIGGER tamper AFTER INSERT ON items BEGIN UPDATE items SET name = 'x' WHERE id = new.id; END;",
};

int empty_only(Connection& c) {
  auto s = c.prepare("SELECT count(*) FROM sqlite_master");
  s.step();
  if (s.integer(0) != 0) throw InputError(c.path() + " is not ours");
  return 0;
}
void refuse(const Connection& c, int v) { throw InputError(c.path() + " is at version " + std::to_string(v)); }

constexpr Schema kSchema{"items", "item store", kItems, kItems, empty_only, refuse};
constexpr Schema kTamperingSchema{"items", "item store", kTampering, kTampering, empty_only, refuse};
constexpr Table kTables[] = {{"items", "id, name, note", "id", true}, {"flags", "key, value", "key", false, true}};

const Store kStore{"item store", "items", &kSchema, &kSchema, "items", kTables, describe_plainly};
const Store kTamperingStore{"item store", "items", &kSchema, &kTamperingSchema, "items", kTables, describe_plainly};

class Sha256 final : public RowDigest {
public:
  void update(std::string_view bytes) override { h_.update(bytes); }
  std::string hex() override {
    std::string out;
    for (uint8_t b : h_.final()) {
      out += "0123456789abcdef"[b >> 4];
      out += "0123456789abcdef"[b & 15];
    }
    return out;
  }

private:
  crypto::Hasher h_{crypto::HashAlg::sha256};
};
const DigestFactory kSha256 = [] { return std::make_unique<Sha256>(); };

std::unique_ptr<Connection> open_items(const std::string& path) {
  auto c = connect({DbEngine::sqlite, path}, {IfMissing::create, 2000ms, describe_plainly});
  c->migrate(kSchema);
  return c;
}

void add(Connection& c, int64_t id, const char* name, const char* note) {
  auto s = c.prepare("INSERT INTO items(id, name, note) VALUES (?, ?, ?)");
  s.bind(1, id).bind(2, name);
  if (note)
    s.bind(3, note);
  else
    s.bind_null(3);
  s.run();
}

int64_t count(Connection& c, const char* table) {
  auto s = c.prepare(std::string("SELECT count(*) FROM ") + table);
  s.step();
  return s.integer(0);
}

}  // namespace

TEST_CASE("a row as PostgreSQL's COPY writes it: tabs, \\N, escapes") {
  std::string line;
  const std::vector<std::optional<std::string>> row = {"7", std::nullopt, "a\tb\\c\nd\re\bf\fg\vh", ""};
  append_copy_line(line, row);
  CHECK(line == "7\t\\N\ta\\tb\\\\c\\nd\\re\\bf\\fg\\vh\t\n");
}

TEST_CASE("migrate_stores: found, created, or none") {
  TempDir d;
  const Store* stores[] = {&kStore};
  const std::string path = d.path() + "/items.db";
  CHECK_THROWS_WITH_AS(migrate_stores({DbEngine::sqlite, path}, stores, nullptr, 2000ms),
                       ("no database at " + path).c_str(), InputError);
  const auto made = migrate_stores({DbEngine::sqlite, path}, stores, &kStore, 2000ms);
  REQUIRE(made.size() == 1);
  CHECK(made[0].from == 0);
  CHECK(made[0].to == 1);
  const auto again = migrate_stores({DbEngine::sqlite, path}, stores, nullptr, 2000ms);
  REQUIRE(again.size() == 1);
  CHECK(again[0].from == 1);
  write_file_atomic(d.path() + "/empty.db", std::string_view(), {});
  CHECK_THROWS_AS(migrate_stores({DbEngine::sqlite, d.path() + "/empty.db"}, stores, nullptr, 2000ms), InputError);
}

TEST_CASE("copy_stores: ids, NULLs and text kept, counts and digests read back") {
  TempDir d;
  const std::string from = d.path() + "/from.db", to = d.path() + "/to.db";
  {
    auto c = open_items(from);
    add(*c, 3, "three", nullptr);
    add(*c, 10, "ten\twith a tab", "line\nbreak");
    add(*c, 42, "", "back\\slash");
  }
  const Store* stores[] = {&kStore};
  const auto copied = copy_stores({DbEngine::sqlite, from}, {DbEngine::sqlite, to}, stores, kSha256, 2000ms);
  REQUIRE(copied.size() == 2);
  CHECK(copied[0].table == "items");
  CHECK(copied[0].rows == 3);
  CHECK(copied[1].table == "flags");
  CHECK(copied[1].rows == 1);
  // The digest is that of the COPY lines, in key order.
  Sha256 expect;
  expect.update("3\tthree\t\\N\n10\tten\\twith a tab\tline\\nbreak\n42\t\tback\\\\slash\n");
  CHECK(copied[0].digest == expect.hex());
  auto c = open_items(to);
  auto s = c->prepare("SELECT id, name, note FROM items ORDER BY id");
  REQUIRE(s.step());
  CHECK(s.integer(0) == 3);
  CHECK(s.is_null(2));
  REQUIRE(s.step());
  CHECK(s.text(2) == "line\nbreak");
  REQUIRE(s.step());
  CHECK(s.integer(0) == 42);
  CHECK(s.text(1).empty());
  CHECK_FALSE(s.is_null(1));
  CHECK(count(*c, "flags") == 1);  // replaced, not doubled

  SUBCASE("a target with rows is refused, unchanged") {
    CHECK_THROWS_WITH_AS(copy_stores({DbEngine::sqlite, from}, {DbEngine::sqlite, to}, stores, kSha256, 2000ms),
                         (to + " is not empty: its item store holds 3 rows in items; db copy writes only into an "
                               "empty store (nothing was written)")
                             .c_str(),
                         InputError);
    CHECK(count(*c, "items") == 3);
  }
}

TEST_CASE("copy_stores: a copy that reads back differently is rolled back") {
  TempDir d;
  const std::string from = d.path() + "/from.db", to = d.path() + "/to.db";
  add(*open_items(from), 1, "one", nullptr);
  // An existing, empty target made with the tampering schema: the copy's rows change as they go in.
  connect({DbEngine::sqlite, to}, {IfMissing::create, 2000ms, describe_plainly})->migrate(kTamperingSchema);
  const Store* stores[] = {&kTamperingStore};
  try {
    copy_stores({DbEngine::sqlite, from}, {DbEngine::sqlite, to}, stores, kSha256, 2000ms);
    FAIL("a copy that does not verify was committed");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("items does not read back as copied: 1 rows") != std::string::npos);
    CHECK(std::string(e.what()).find("rolled back") != std::string::npos);
  }
  auto c = connect({DbEngine::sqlite, to}, {IfMissing::fail, 2000ms, describe_plainly});
  CHECK(count(*c, "items") == 0);
}

TEST_CASE("copy_stores: a source without the store, or at another version") {
  TempDir d;
  const Store* stores[] = {&kStore};
  const std::string other = d.path() + "/other.db";
  connect({DbEngine::sqlite, other}, {IfMissing::create, 2000ms, describe_plainly})->exec("CREATE TABLE x(y)");
  CHECK_THROWS_WITH_AS(copy_stores({DbEngine::sqlite, other}, {DbEngine::sqlite, d.path() + "/t.db"}, stores, kSha256,
                                   2000ms),
                       (other + " holds no pairkit store (no registry, no CA index)").c_str(), InputError);
  CHECK_FALSE(path_exists(d.path() + "/t.db"));
}
