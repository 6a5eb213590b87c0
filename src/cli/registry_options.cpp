// The registry options of pair and operator commands.
#include "registry_options.hpp"

#include "options.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"

namespace pairkit::cli {

void add_db_options(CLI::App* cmd, Cli& cli, DbOptions& o) {
  cli.settings.bind(cmd, cmd->add_option("--db", o.db, "Pairing registry (SQLite; conventionally SERVER_DIR/pairing.db)"),
                    "pair.db");
  auto* t = cmd->add_option("--busy-timeout", o.busy_timeout, "How long to wait for a busy registry (5s, 1m)")
                ->check(duration_check())
                ->capture_default_str();
  cli.settings.bind(cmd, t, "pair.busy_timeout");
}

std::unique_ptr<pairing::Registry> open_registry(const DbOptions& o, IfMissing if_missing) {
  if (o.db.empty()) throw UsageError("--db is required");
  return pairing::open_registry(
      o.db, {if_missing, std::chrono::duration_cast<std::chrono::milliseconds>(parse_duration(o.busy_timeout))});
}

}  // namespace pairkit::cli
