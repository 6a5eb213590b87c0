// Which stores a location holds, and db migrate (see db_store.hpp).
#include "pairkit/core/db_store.hpp"

#include <algorithm>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"

namespace pairkit::db {

std::optional<int> store_version(Connection& c, const Store& store) {
  constexpr std::string_view what = "read the schema version";
  if (c.engine() == DbEngine::postgres) {
    const std::string ns(store.schema->namespace_name);
    auto s = c.prepare("SELECT to_regnamespace(?) IS NOT NULL, to_regclass(?) IS NOT NULL", what);
    s.bind(1, ns).bind(2, ns + ".schema_version");
    s.step(what);
    if (s.text(0) != "t") return std::nullopt;
    if (s.text(1) != "t")
      throw InputError(c.path() + ": the schema " + ns + " is not pairkit's (it has no schema_version table)");
    auto v = c.prepare("SELECT version FROM " + ns + ".schema_version", what);
    return v.step(what) ? static_cast<int>(v.integer(0)) : 0;
  }
  auto t = c.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", what);
  t.bind(1, store.marker_table);
  t.step(what);
  if (t.integer(0) == 0) return std::nullopt;
  auto v = c.prepare("PRAGMA user_version", what);
  v.step(what);
  const int version = static_cast<int>(v.integer(0));
  return version != 0 ? version : store.schema->unversioned(c);
}

std::string table_name(const Connection& c, const Store& store, const Table& t) {
  if (c.engine() == DbEngine::postgres) return std::string(store.schema->namespace_name) + "." + std::string(t.name);
  return std::string(t.name);
}

std::vector<Migration> migrate_stores(const DbLocation& where, std::span<const Store* const> stores,
                                      const Store* create, std::chrono::milliseconds busy_timeout) {
  if (where.engine == DbEngine::sqlite && !create && !path_exists(where.target))
    throw InputError("no database at " + where.target);
  std::vector<const Store*> found;
  {
    auto probe = connect(where, {create ? IfMissing::create : IfMissing::fail, busy_timeout, describe_plainly});
    for (const Store* s : stores)
      if (store_version(*probe, *s)) found.push_back(s);
  }
  const bool creating = create && std::find(found.begin(), found.end(), create) == found.end();
  if (creating && where.engine == DbEngine::sqlite && !found.empty())
    throw InputError(where.target + " holds a " + std::string(found.front()->name) +
                     "; an SQLite file holds one store: give the " + std::string(create->name) +
                     " a file of its own");
  if (creating) found.push_back(create);
  if (found.empty())
    throw InputError(where.target + " holds no pairkit store (no registry, no CA index); " +
                     "pairkit db migrate --store registry|ca creates one");
  std::vector<Migration> done;
  for (const Store* s : found) {
    auto c = connect(where, {IfMissing::create, busy_timeout, s->describe});
    const bool fresh = creating && s == create;
    const int from = c->migrate(fresh ? *s->new_schema : *s->schema);
    done.push_back({s, from, s->version()});
  }
  return done;
}

}  // namespace pairkit::db
