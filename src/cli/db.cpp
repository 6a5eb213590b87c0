// db migrate | copy: the stores behind the registry and the CA index as a
// whole, on SQLite and PostgreSQL (pairkit-db(1)).
#include <array>
#include <iostream>
#include <memory>
#include <string>

#include "cli.hpp"
#include "groups.hpp"
#include "options.hpp"
#include "registry_options.hpp"
#include "pairkit/ca/index_tables.hpp"
#include "pairkit/core/db_copy.hpp"
#include "pairkit/core/db_store.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/pairing/registry_tables.hpp"

namespace pairkit::cli {

namespace {

struct MigrateOptions {
  DbOptions db;
  std::string store;
};

struct CopyOptions {
  std::string from, from_env, to, to_env;
  std::string store;
  std::string busy_timeout = "5s";
};

std::array<const db::Store*, 2> all_stores() { return {&pairing::registry_store(), &ca::index_store()}; }

const db::Store* store_named(const std::string& word) {
  for (const db::Store* s : all_stores())
    if (s->option == word) return s;
  return nullptr;
}

std::chrono::milliseconds millis(const std::string& duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(parse_duration(duration));
}

/// SHA-256 of a table's rows, through crypto/ (core hashes nothing).
class Sha256Rows final : public db::RowDigest {
public:
  void update(std::string_view bytes) override { h_.update(bytes); }
  std::string hex() override {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (uint8_t b : h_.final()) {
      out += digits[b >> 4];
      out += digits[b & 15];
    }
    return out;
  }

private:
  crypto::Hasher h_{crypto::HashAlg::sha256};
};

void run_migrate(Cli& cli, const MigrateOptions& o) {
  const std::string location = o.db.location();
  const auto where = parse_db_location(location);
  const auto stores = all_stores();
  const auto done = db::migrate_stores(where, stores, store_named(o.store), millis(o.db.busy_timeout));
  if (cli.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& m : done)
      arr.push_back({{"store", std::string(m.store->option)}, {"from", m.from}, {"to", m.to}, {"changed", m.from != m.to}});
    cli.emit_json({{"location", location}, {"stores", arr}});
    return;
  }
  for (const auto& m : done) {
    std::cout << m.store->name << ": ";
    if (m.from == m.to)
      std::cout << m.to << ", current\n";
    else if (m.from == 0)
      std::cout << "created, " << m.to << "\n";
    else
      std::cout << m.from << " -> " << m.to << "\n";
  }
}

void run_copy(Cli& cli, const CopyOptions& o) {
  if (o.from.empty() && o.from_env.empty()) throw UsageError("--from is required (or --from-env VAR)");
  if (o.to.empty() && o.to_env.empty()) throw UsageError("--to is required (or --to-env VAR)");
  const std::string from = location_from(o.from, o.from_env, "--from-env");
  const std::string to = location_from(o.to, o.to_env, "--to-env");
  const auto source = parse_db_location(from);
  const auto target = parse_db_location(to);
  if (source.engine == target.engine && source.target == target.target)
    throw UsageError("--from and --to name the same database (" + from + ")");
  std::vector<const db::Store*> stores;
  for (const db::Store* s : all_stores())
    if (o.store.empty() || s->option == o.store) stores.push_back(s);
  const auto copied = db::copy_stores(
      source, target, stores, [] { return std::make_unique<Sha256Rows>(); }, millis(o.busy_timeout));
  if (cli.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& t : copied)
      arr.push_back({{"store", std::string(t.store->option)}, {"table", std::string(t.table)}, {"rows", t.rows}, {"sha256", t.digest}});
    cli.emit_json({{"from", from}, {"to", to}, {"verified", true}, {"tables", arr}});
    return;
  }
  int64_t rows = 0;
  for (const auto& t : copied) {
    std::cout << t.store->option << " " << t.table << ": " << t.rows << (t.rows == 1 ? " row" : " rows")
              << ", sha256 " << t.digest << "\n";
    rows += t.rows;
  }
  std::cout << "copied " << copied.size() << " tables (" << rows << " rows) from " << from << " to " << to
            << "; counts and digests read back from the target match\n";
}

CLI::Option* store_option(CLI::App* c, std::string& store, const std::string& what) {
  return c->add_option("--store", store, what)->check(CLI::IsMember({"registry", "ca"}));
}

}  // namespace

void add_db_group(CLI::App& app, Cli& cli) {
  auto* group = add_group(app, "db", "The databases behind the registry and the CA index: migrate, copy across engines");

  auto migrate = std::make_shared<MigrateOptions>();
  auto* c = add_command(
      *group, cli, "migrate", "Bring the registry and the CA index at a location to this pairkit's schema",
      {"pairkit db migrate --db server/pairing.db",
       "pairkit db migrate --db 'postgresql:///pairkit?host=/run/postgresql'",
       "pairkit db migrate --db-env PAIRKIT_DB --store ca",
       "pairkit --json db migrate --db ca/index.db"},
      [migrate](Cli& c) { run_migrate(c, *migrate); });
  cli.mark_public_only(c);
  auto* location = c->add_option("--db", migrate->db.db, "The database: an SQLite file or a postgresql:// URL");
  add_location_env_option(c, location, migrate->db.db_env, "--db-env");
  store_option(c, migrate->store, "Create this store where it is missing (registry or ca)");
  c->add_option("--busy-timeout", migrate->db.busy_timeout, "How long to wait for a busy database (5s, 1m)")
      ->check(duration_check())
      ->capture_default_str();

  auto copy = std::make_shared<CopyOptions>();
  c = add_command(
      *group, cli, "copy", "Copy a registry and a CA index into an empty database, verified row by row",
      {"pairkit db copy --from server/pairing.db --to 'postgresql:///pairkit?host=/run/postgresql'",
       "pairkit db copy --from ca/index.db --to-env PAIRKIT_DB",
       "pairkit db copy --from-env PAIRKIT_DB --to restored.db --store registry"},
      [copy](Cli& c) { run_copy(c, *copy); });
  auto* from = c->add_option("--from", copy->from, "The source: an SQLite file or a postgresql:// URL");
  add_location_env_option(c, from, copy->from_env, "--from-env");
  auto* to = c->add_option("--to", copy->to, "The target, empty: an SQLite file (new) or a postgresql:// URL");
  add_location_env_option(c, to, copy->to_env, "--to-env");
  store_option(c, copy->store, "Copy only this store (registry or ca)");
  c->add_option("--busy-timeout", copy->busy_timeout, "How long to wait for a busy database (5s, 1m)")
      ->check(duration_check())
      ->capture_default_str();
}

}  // namespace pairkit::cli
