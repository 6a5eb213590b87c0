// The registry options of pair and operator commands, and reading a
// database location from the environment.
#include "registry_options.hpp"

#include <cstdlib>

#include "options.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"

namespace pairkit::cli {

CLI::Option* add_location_env_option(CLI::App* cmd, CLI::Option* value, std::string& var, const std::string& env_flag) {
  auto* e = cmd->add_option(env_flag, var,
                            "Read the location from this environment variable instead of " + value->get_name() +
                                " (a postgresql:// URL with its options)");
  // Checked while parsing, before settings fill in a default: a pair.db in
  // pairkit.toml gives way to --db-env without complaint.
  value->excludes(e);
  return e;
}

std::string location_from(const std::string& value, const std::string& var, const std::string& env_flag) {
  if (var.empty()) return value;
  const char* v = std::getenv(var.c_str());
  if (!v) throw InputError("environment variable " + var + " is not set (" + env_flag + " " + var + ")");
  if (!*v) throw InputError("environment variable " + var + " is empty (" + env_flag + " " + var + ")");
  return v;
}

std::string DbOptions::location() const {
  if (!given()) throw UsageError("--db is required (or --db-env VAR)");
  return location_from(db, db_env, "--db-env");
}

std::string DbOptions::as_flag() const { return db_env.empty() ? "--db " + db : "--db-env " + db_env; }

void add_db_options(CLI::App* cmd, Cli& cli, DbOptions& o) {
  auto* db = cmd->add_option("--db", o.db,
                             "Pairing registry: an SQLite file (conventionally SERVER_DIR/pairing.db) or a "
                             "postgresql:// URL");
  cli.settings.bind(cmd, db, "pair.db");
  add_location_env_option(cmd, db, o.db_env, "--db-env");
  auto* t = cmd->add_option("--busy-timeout", o.busy_timeout, "How long to wait for a busy registry (5s, 1m)")
                ->check(duration_check())
                ->capture_default_str();
  cli.settings.bind(cmd, t, "pair.busy_timeout");
}

std::unique_ptr<pairing::Registry> open_registry(const DbOptions& o, IfMissing if_missing) {
  return pairing::open_registry(
      o.location(), {if_missing, std::chrono::duration_cast<std::chrono::milliseconds>(parse_duration(o.busy_timeout))});
}

}  // namespace pairkit::cli
