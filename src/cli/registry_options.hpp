// --db and --busy-timeout, shared by the commands that open the pairing
// registry (pair, operator), and opening it from them.
#pragma once
#include <memory>
#include <string>

#include "cli.hpp"
#include "pairkit/pairing/registry.hpp"

namespace pairkit::cli {

struct DbOptions {
  std::string db;
  std::string busy_timeout = "5s";
};

/// --db (setting pair.db) and --busy-timeout (pair.busy_timeout).
void add_db_options(CLI::App* cmd, Cli& cli, DbOptions& o);

/// The registry --db names; UsageError without --db.
std::unique_ptr<pairing::Registry> open_registry(const DbOptions& o, IfMissing if_missing);

}  // namespace pairkit::cli
