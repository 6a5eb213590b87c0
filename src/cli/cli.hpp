// The command-line context every command runs with (global flags, settings,
// RNG, clock, stdin/stdout helpers) and the registration API command groups
// use. Commands throw pairkit's typed errors; run_cli() maps them to exit codes.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <botan/rng.h>
#include <nlohmann/json.hpp>

#include "pairkit/core/clock.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "companion.hpp"
#include "settings.hpp"

namespace pairkit::cli {

class Cli;
using RunFn = std::function<void(Cli&)>;

class Cli {
public:
  // Global flags (pairkit(1), GLOBAL OPTIONS).
  bool json = false;
  bool quiet = false;
  std::string color = "auto";
  std::string config_path;

  Settings settings;

  /// The RNG: the system's, or a seeded one in test builds (PAIRKIT_TEST_SEED).
  Botan::RandomNumberGenerator& rng();
  /// The clock: the system's, or fixed in test builds (PAIRKIT_TEST_NOW).
  const Clock& clock();

  /// Reads a file, or stdin for "-", refusing more than max_bytes (one of
  /// core/input_limits.hpp) while reading.
  std::vector<uint8_t> read_input(const std::string& path, size_t max_bytes);
  /// Name for messages: "standard input" for "-".
  static std::string display_name(const std::string& path);

  /// Writes a result to a file atomically (see write_file_atomic), or to
  /// stdout for "-". A secret written to a world-readable stdout file gets a
  /// warning.
  void write_output(const std::string& path, std::string_view data, const WriteOptions& opts);

  /// Flushes stdout and throws InputError if anything written to it was
  /// lost (a full disk, an I/O error, EPIPE where SIGPIPE is ignored).
  /// run_cli() calls it before every exit 0.
  static void flush_stdout();
  /// Prints a JSON document (the --json result) on stdout.
  void emit_json(const nlohmann::json& doc);
  /// A diagnostic or hint on stderr, suppressed by --quiet.
  void info(std::string_view line);
  /// A warning on stderr (never suppressed).
  void warn(std::string_view line);
  /// Whether stdout gets ANSI colour (--color, NO_COLOR, isatty).
  bool color_stdout() const;
  /// Whether stderr is a terminal (progress output).
  bool stderr_is_terminal() const;

  // Registration (used while building the command tree).
  void register_command(const CLI::App* cmd, RunFn run) { commands_[cmd] = std::move(run); }
  const RunFn* find_command(const CLI::App* cmd) const;
  /// Declares that a command never holds a secret (it reads certificates,
  /// fingerprints, public keys): it then runs without Botan's mlock'ed pool,
  /// whose set-up (mmap, mlock, zeroing) is most of a short command's CPU time.
  void mark_public_only(const CLI::App* cmd) { locked_pool_kb_[cmd] = 0; }
  /// Declares that a command's secrets are a few keys (the backup commands):
  /// a 64 KiB pool instead of Botan's 512 KiB, whose set-up (a guard page
  /// and an mlock per page) cost a small backup create 8 of its 45 ms. Botan
  /// serves only allocations up to a page from the pool in any case.
  void mark_few_secrets(const CLI::App* cmd) { locked_pool_kb_[cmd] = 64; }
  /// The size of Botan's mlock'ed pool for a command, where it is not Botan's default.
  std::optional<int> locked_pool_kb(const CLI::App* cmd) const {
    const auto it = locked_pool_kb_.find(cmd);
    return it == locked_pool_kb_.end() ? std::nullopt : std::optional<int>(it->second);
  }

private:
  std::unique_ptr<Botan::RandomNumberGenerator> rng_;
  std::unique_ptr<Clock> clock_;
  std::map<const CLI::App*, RunFn> commands_;
  std::map<const CLI::App*, int> locked_pool_kb_;
};

/// A command group such as "key"; returns the existing group if one of that
/// name was added already (several files may contribute commands to a group).
CLI::App* add_group(CLI::App& app, const std::string& name, const std::string& summary);

/// A command inside a group. `examples` are shell lines shown under
/// "Examples:" in --help (every command has at least one).
CLI::App* add_command(CLI::App& group, Cli& cli, const std::string& name, const std::string& summary,
                      const std::vector<std::string>& examples, RunFn run);

/// Adds one command group (and its commands) to the application.
using GroupFn = void (*)(CLI::App& app, Cli& cli);

/// A group's registration function and the top-level word it adds ("key",
/// "pair", ...; several entries may share one). Empty for hidden helpers.
struct Group {
  const char* word;
  GroupFn add;
};

/// Parses argv, runs the selected command, prints the one-line error and
/// returns the exit code (pairkit(1), EXIT STATUS). The one place errors become exit codes.
/// Only the groups of the command named in argv are registered; help,
/// completion and anything else get them all. A command line for one of the
/// companions (companion.hpp) execs it instead; their words are listed in
/// --help and completed like the groups'.
int run_cli(int argc, char** argv, std::span<const Group> groups, std::span<const Companion> companions = {});

}  // namespace pairkit::cli
