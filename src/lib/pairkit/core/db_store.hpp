// A store (the registry, the CA index) as `db migrate` and `db copy` see it:
// its schemas and its tables; finding which stores a location holds and
// bringing them to this build's schema.
#pragma once
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pairkit/core/database.hpp"
#include "pairkit/core/db_location.hpp"

namespace pairkit::db {

/// A table of a store, as db copy moves it.
struct Table {
  std::string_view name;
  /// Every column, comma-separated, in one order for both engines.
  std::string_view columns;
  /// The primary key's columns, comma-separated: the order rows are read and digested in.
  std::string_view key;
  /// The key is one integer column PostgreSQL generates (an identity); else its columns are text.
  bool identity = false;
  /// Rows the schema itself writes (settings, counters): replaced by a copy,
  /// not counted when a target is judged empty.
  bool seeded = false;
};

/// A store: what it is called, its schema and its tables.
struct Store {
  std::string_view name;          ///< "registry", "CA index"
  std::string_view option;        ///< its --store word: "registry", "ca"
  const Schema* schema;           ///< for a store that exists
  const Schema* new_schema;       ///< for creating one (where an existing one is judged differently)
  std::string_view marker_table;  ///< a table only this store has: what tells its SQLite files apart
  std::span<const Table> tables;
  Describe describe;
  /// This build's version (the last migration's number).
  int version() const { return static_cast<int>(schema->sqlite_migrations.size()); }
};

/// The store's schema version at c, or nullopt when c holds none of it (no
/// namespace on PostgreSQL; no marker table in an SQLite file). Read only.
std::optional<int> store_version(Connection& c, const Store& store);

/// c's name for one of the store's tables: qualified by the store's
/// namespace on PostgreSQL, whatever the connection's search path.
std::string table_name(const Connection& c, const Store& store, const Table& t);

/// What db migrate did to one store.
struct Migration {
  const Store* store;
  int from;  ///< 0: created
  int to;
};

/// Brings every store found at `where` to this build's schema, and creates
/// `create` where it is missing (nullptr: create nothing). InputError when
/// the location holds none of them, or a schema newer than this build; an
/// SQLite file holds one store only.
std::vector<Migration> migrate_stores(const DbLocation& where, std::span<const Store* const> stores,
                                      const Store* create, std::chrono::milliseconds busy_timeout);

}  // namespace pairkit::db
