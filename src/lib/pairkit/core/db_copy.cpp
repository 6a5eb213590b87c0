// db copy (see db_copy.hpp): one read snapshot of the source, one write
// transaction per store on the target, committed once everything verifies.
#include "pairkit/core/db_copy.hpp"

#include <algorithm>
#include <cstdio>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"

namespace pairkit::db {

namespace {

using Row = std::vector<std::optional<std::string>>;

size_t column_count(std::string_view columns) { return 1 + static_cast<size_t>(std::count(columns.begin(), columns.end(), ',')); }

// PostgreSQL sorts text by the database's collation, SQLite by bytes: "C"
// is bytes on PostgreSQL too, so both engines walk rows in one order.
std::string order_by(const Connection& c, const Table& t) {
  if (t.identity || c.engine() != DbEngine::postgres) return std::string(t.key);
  std::string out;
  size_t start = 0;
  while (start <= t.key.size()) {
    size_t end = t.key.find(',', start);
    if (end == std::string_view::npos) end = t.key.size();
    std::string_view col = t.key.substr(start, end - start);
    while (!col.empty() && col.front() == ' ') col.remove_prefix(1);
    if (!out.empty()) out += ", ";
    out += std::string(col) + " COLLATE \"C\"";
    start = end + 1;
  }
  return out;
}

struct Walked {
  int64_t rows = 0;
  std::string digest;
};

// Reads every row of t at c in key order, digesting each, and hands it to fn.
Walked walk(Connection& c, const Store& s, const Table& t, const DigestFactory& digest,
            const std::function<void(const Row&)>& fn) {
  const std::string name = table_name(c, s, t);
  const std::string what = "read " + name;
  auto st = c.prepare("SELECT " + std::string(t.columns) + " FROM " + name + " ORDER BY " + order_by(c, t), what);
  auto d = digest();
  Row row(column_count(t.columns));
  std::string line;
  Walked w;
  while (st.step(what)) {
    for (size_t i = 0; i < row.size(); ++i) {
      const int col = static_cast<int>(i);
      row[i] = st.is_null(col) ? std::nullopt : std::optional<std::string>(st.text(col));
    }
    line.clear();
    append_copy_line(line, row);
    d->update(line);
    ++w.rows;
    if (fn) fn(row);
  }
  w.digest = d->hex();
  return w;
}

// The first table of the store at c that holds rows of its own, and how many.
std::optional<std::pair<std::string_view, int64_t>> rows_held(Connection& c, const Store& s) {
  for (const Table& t : s.tables) {
    if (t.seeded) continue;
    auto st = c.prepare("SELECT count(*) FROM " + table_name(c, s, t), "count rows");
    st.step("count rows");
    if (const int64_t n = st.integer(0); n > 0) return std::pair{t.name, n};
  }
  return std::nullopt;
}

[[noreturn]] void refuse_target(const DbLocation& to, const Store& s, std::string_view table, int64_t rows) {
  throw InputError(to.target + " is not empty: its " + std::string(s.name) + " holds " + std::to_string(rows) +
                   " row" + (rows == 1 ? "" : "s") + " in " + std::string(table) +
                   "; db copy writes only into an empty store (nothing was written)");
}

// Refuses a target that holds anything, before anything is written to it.
// Returns whether the target holds the store already (empty, at this version).
bool check_target(Connection& c, const DbLocation& to, const Store& s) {
  const auto v = store_version(c, s);
  if (!v) {
    if (c.engine() == DbEngine::sqlite) {
      auto t = c.prepare("SELECT count(*) FROM sqlite_master", "read the schema");
      t.step("read the schema");
      if (t.integer(0) != 0)
        throw InputError(to.target + " is not empty: it holds tables that are no pairkit " + std::string(s.name) +
                         "; db copy writes into a new file or an empty store (nothing was written)");
    }
    return false;
  }
  if (*v != s.version())
    throw InputError(to.target + " holds a " + std::string(s.name) + " of schema version " + std::to_string(*v) +
                     "; this pairkit writes " + std::to_string(s.version()) + " (nothing was written)");
  if (const auto held = rows_held(c, s)) refuse_target(to, s, held->first, held->second);
  return true;
}

std::string placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

void copy_table(Connection& src, Connection& dst, const Store& s, const Table& t, const DigestFactory& digest,
                std::vector<TableCopy>& out) {
  const std::string name = table_name(dst, s, t);
  if (t.seeded) dst.exec(("DELETE FROM " + name).c_str(), "replace the rows of " + std::string(t.name));
  const size_t n = column_count(t.columns);
  auto ins = dst.prepare("INSERT INTO " + name + " (" + std::string(t.columns) + ") VALUES (" + placeholders(n) + ")",
                         "copy into " + name);
  const std::string what = "copy into " + name;
  const Walked source = walk(src, s, t, digest, [&](const Row& row) {
    ins.reset();
    for (size_t i = 0; i < n; ++i) {
      const int at = static_cast<int>(i) + 1;
      if (row[i])
        ins.bind(at, *row[i]);
      else
        ins.bind_null(at);
    }
    ins.run(what);
  });
  if (t.identity && dst.engine() == DbEngine::postgres) {
    // New rows get ids past the copied ones.
    auto seq = dst.prepare("SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT max(" + std::string(t.key) +
                               ") FROM " + name + "), 0) + 1, false)",
                           "move the sequence of " + name);
    seq.bind(1, name).bind(2, t.key);
    seq.run("move the sequence of " + name);
  }
  const Walked back = walk(dst, s, t, digest, {});
  if (back.rows != source.rows || back.digest != source.digest)
    throw InputError(name + " does not read back as copied: " + std::to_string(back.rows) + " rows, sha256 " +
                     back.digest + " in " + dst.path() + "; " + std::to_string(source.rows) + " rows, sha256 " +
                     source.digest + " in " + src.path() + " (rolled back, nothing was written)");
  out.push_back({&s, t.name, back.rows, back.digest});
}

}  // namespace

void append_copy_line(std::string& out, std::span<const std::optional<std::string>> values) {
  bool first = true;
  for (const auto& v : values) {
    if (!first) out += '\t';
    first = false;
    if (!v) {
      out += "\\N";
      continue;
    }
    for (char ch : *v) {
      switch (ch) {
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default: out += ch;
      }
    }
  }
  out += '\n';
}

std::vector<TableCopy> copy_stores(const DbLocation& from, const DbLocation& to, std::span<const Store* const> stores,
                                   const DigestFactory& digest, std::chrono::milliseconds busy_timeout) {
  if (from.engine == DbEngine::sqlite && !path_exists(from.target))
    throw InputError("no database at " + from.target);
  auto src = connect(from, {IfMissing::fail, busy_timeout, describe_plainly});
  // One snapshot of the source, however long the copy takes: gates may go on writing.
  src->exec(src->engine() == DbEngine::postgres
                ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = 0"
                : "BEGIN",
            "begin a read transaction");
  std::vector<const Store*> found;
  for (const Store* s : stores) {
    const auto v = store_version(*src, *s);
    if (!v) continue;
    if (*v != s->version())
      throw InputError(from.target + " holds a " + std::string(s->name) + " of schema version " + std::to_string(*v) +
                       "; this pairkit copies version " + std::to_string(s->version()) +
                       (*v < s->version() ? ": bring it up to date first (pairkit db migrate --db " + from.target + ")"
                                          : ""));
    found.push_back(s);
  }
  if (found.empty()) throw InputError(from.target + " holds no pairkit store (no registry, no CA index)");
  if (to.engine == DbEngine::sqlite && found.size() > 1)
    throw InputError(from.target + " holds " + std::to_string(found.size()) + " stores and an SQLite file holds one: "
                     "copy them one at a time (--store), each into a file of its own");

  // Every target is judged before anything is written to any.
  const bool new_file = to.engine == DbEngine::sqlite && !path_exists(to.target);
  std::vector<bool> present(found.size(), false);
  if (!new_file) {
    auto probe = connect(to, {IfMissing::fail, busy_timeout, describe_plainly});
    for (size_t i = 0; i < found.size(); ++i) present[i] = check_target(*probe, to, *found[i]);
  }

  std::vector<TableCopy> out;
  try {
    std::vector<std::unique_ptr<Connection>> targets;
    std::vector<std::unique_ptr<Transaction>> open;  // after targets: rolled back before they close
    for (size_t i = 0; i < found.size(); ++i) {
      const Store& s = *found[i];
      auto& dst = *targets.emplace_back(connect(to, {IfMissing::create, busy_timeout, s.describe}));
      dst.migrate(present[i] ? *s.schema : *s.new_schema);
      open.push_back(std::make_unique<Transaction>(dst));
      if (dst.engine() == DbEngine::postgres) dst.exec("SET LOCAL statement_timeout = 0", "set up the copy");
      // Another process may have written since the target was judged.
      if (const auto held = rows_held(dst, s)) refuse_target(to, s, held->first, held->second);
      for (const Table& t : s.tables) copy_table(*src, dst, s, t, digest, out);
    }
    for (auto& tx : open) tx->commit();
  } catch (...) {
    if (new_file)
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((to.target + suffix).c_str());
    throw;
  }
  src->exec("COMMIT", "end the read transaction");
  return out;
}

}  // namespace pairkit::db
