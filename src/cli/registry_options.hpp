// --db, --db-env and --busy-timeout, shared by the commands that open the
// pairing registry (pair, operator), and opening it from them; --NAME-env
// beside any database location option (db, gate serve).
#pragma once
#include <memory>
#include <string>

#include "cli.hpp"
#include "pairkit/pairing/registry.hpp"

namespace pairkit::cli {

/// --ENV_FLAG VAR beside the location option `value`: the location is read
/// from the environment variable VAR instead (a URL whose options a script
/// keeps out of argv). Both on one command line: exit 2.
CLI::Option* add_location_env_option(CLI::App* cmd, CLI::Option* value, std::string& var, const std::string& env_flag);

/// The location: from the variable `var` names when it is given
/// (InputError when that variable is unset or empty: exit 3, as for --passphrase-env), else `value`.
std::string location_from(const std::string& value, const std::string& var, const std::string& env_flag);

struct DbOptions {
  std::string db;
  std::string db_env;
  std::string busy_timeout = "5s";

  /// Whether a location was given (--db, --db-env or a setting).
  bool given() const { return !db.empty() || !db_env.empty(); }
  /// --db, or the value of the variable --db-env names; UsageError without either.
  std::string location() const;
  /// How a hint on stderr names it: "--db LOCATION", or "--db-env VAR" (so
  /// that a URL kept in the environment is not copied into a shell history).
  std::string as_flag() const;
};

/// --db (setting pair.db), --db-env and --busy-timeout (pair.busy_timeout).
void add_db_options(CLI::App* cmd, Cli& cli, DbOptions& o);

/// The registry --db names; UsageError without --db.
std::unique_ptr<pairing::Registry> open_registry(const DbOptions& o, IfMissing if_missing);

}  // namespace pairkit::cli
