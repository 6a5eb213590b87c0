// The command-line context, command registration and run_cli(): the single
// place where pairkit's typed errors become exit codes (pairkit(1), EXIT STATUS).
#include "cli.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <botan/exceptn.h>
#include <botan/version.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/signal_cleanup.hpp"
#include "pairkit/core/sqlite.hpp"
#include "pairkit/crypto/pkcs11.hpp"
#include "pairkit_config.h"

namespace pairkit::cli {

Botan::RandomNumberGenerator& Cli::rng() {
  if (!rng_) {
#if PAIRKIT_TEST_SEAMS
    if (const char* seed = std::getenv("PAIRKIT_TEST_SEED"); seed && *seed) {
      rng_ = make_seeded_rng(std::strtoull(seed, nullptr, 10));
      return *rng_;
    }
#endif
    rng_ = make_system_rng();
  }
  return *rng_;
}

const Clock& Cli::clock() {
  if (!clock_) {
#if PAIRKIT_TEST_SEAMS
    if (const char* now = std::getenv("PAIRKIT_TEST_NOW"); now && *now) {
      SystemClock real;
      clock_ = std::make_unique<FixedClock>(parse_time(now, real));
      return *clock_;
    }
#endif
    clock_ = std::make_unique<SystemClock>();
  }
  return *clock_;
}

std::string Cli::display_name(const std::string& path) { return path == "-" ? "standard input" : path; }

std::vector<uint8_t> Cli::read_input(const std::string& path, size_t max_bytes) {
  if (path == "-") return read_stdin(max_bytes);
  return read_file(path, max_bytes);
}

void Cli::write_output(const std::string& path, std::string_view data, const WriteOptions& opts) {
  if (path != "-") {
    write_file_atomic(path, data, opts);
    return;
  }
  struct stat st {};
  if (opts.mode == kPrivateFileMode && ::fstat(1, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0044))
    warn("warning: writing a secret to a standard output file that others can read (chmod 600 it)");
  std::cout.write(data.data(), static_cast<std::streamsize>(data.size()));
  flush_stdout();
}

void Cli::flush_stdout() {
  // std::cout writes through C's stdout (synced with stdio): one flush
  // reaches the file, and a write error seen earlier stays in either flag.
  // errno is not cleared first: the write that failed may be an earlier one
  // (std::cerr flushes std::cout before each diagnostic), and its errno is
  // the reason to give.
  std::cout.flush();
  const bool failed = std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout;
  if (!failed) return;
  const int err = errno;
  throw InputError(err ? std::string("cannot write to standard output: ") + std::strerror(err)
                       : std::string("cannot write to standard output"));
}

void Cli::emit_json(const nlohmann::json& doc) { std::cout << doc.dump(2) << '\n'; }

void Cli::info(std::string_view line) {
  if (!quiet) std::cerr << line << '\n';
}

void Cli::warn(std::string_view line) { std::cerr << "pairkit: " << line << '\n'; }

bool Cli::color_stdout() const {
  if (color == "always") return true;
  if (color == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  return (!no_color || !*no_color) && ::isatty(1);
}

bool Cli::stderr_is_terminal() const { return ::isatty(2); }

const RunFn* Cli::find_command(const CLI::App* cmd) const {
  auto it = commands_.find(cmd);
  return it == commands_.end() ? nullptr : &it->second;
}

CLI::App* add_group(CLI::App& app, const std::string& name, const std::string& summary) {
  // Several files may add commands to one group (sim run / sim card): reuse it.
  for (CLI::App* sub : app.get_subcommands([&](const CLI::App* s) { return s->get_name() == name; })) return sub;
  CLI::App* group = app.add_subcommand(name, summary);
  group->footer("");  // not the top level's examples: add_command fills in the group's own
  return group;
}

CLI::App* add_command(CLI::App& group, Cli& cli, const std::string& name, const std::string& summary,
                      const std::vector<std::string>& examples, RunFn run) {
  CLI::App* cmd = group.add_subcommand(name, summary);
  std::string footer = "\nExamples:";
  for (const auto& ex : examples) footer += "\n  " + ex;
  cmd->footer(footer);
  // A group's --help shows the first example of each of its commands.
  if (group.get_parent() && !examples.empty())
    group.footer((group.get_footer().empty() ? "\nExamples:" : group.get_footer()) + "\n  " + examples.front());
  cli.register_command(cmd, std::move(run));
  return cmd;
}

namespace {

std::string version_line() {
  return std::string("pairkit ") + PAIRKIT_VERSION + " (Botan " + Botan::short_version_string() +
         ", ZXing-cpp " PAIRKIT_ZXING_VERSION ", libqrencode " PAIRKIT_QRENCODE_VERSION ", SQLite " +
         sqlite::library_version() + ")";
}

std::string command_path(const CLI::App* cmd) {
  std::string path;
  for (const CLI::App* c = cmd; c && c->get_parent(); c = c->get_parent())
    path = c->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

std::string subcommand_list(const CLI::App* cmd) {
  std::string names;
  for (const CLI::App* sub : cmd->get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
    names += (names.empty() ? "" : ", ") + sub->get_name();
  return names;
}

const CLI::App* selected_leaf(const CLI::App& app) {
  const CLI::App* cur = &app;
  for (;;) {
    const auto subs = cur->get_subcommands();
    if (subs.empty()) return cur;
    cur = subs.front();
  }
}

/// The exit codes, the same for every command (pairkit(1), EXIT STATUS).
enum ExitCode : int {
  kExitOk = 0,
  kExitCheckFailed = 1,  ///< the check does not hold
  kExitUsage = 2,        ///< unknown command or flag, malformed argument
  kExitInput = 3,        ///< unreadable or malformed input, I/O failure, busy database
};

int fail(ExitCode code, const std::string& line) {
  std::fflush(stdout);
  std::cerr << line << std::endl;
  return code;
}

/// The command word in argv: the first argument that is neither a global flag
/// nor the value of --config or --color. Empty when there is none.
std::string command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--config" || a == "--color") {
      ++i;
      continue;
    }
    if (!a.starts_with("-")) return std::string(a);
  }
  return {};
}

}  // namespace

int run_cli(int argc, char** argv, std::span<const Group> groups, std::span<const Companion> companions) {
  if (const Companion* c = companion_for(argc, argv, companions))
    return fail(kExitInput, "pairkit: error: " + exec_companion(*c, argv));
  // SIGINT, SIGTERM or SIGHUP remove the command's temporary files and
  // staging folders before they end it (pairkit(1), SIGNALS).
  install_signal_cleanup();
  Cli cli;
  CLI::App app{"pairkit: device keys, certificates, fingerprints, pinning, pairing, QR codes, restore points and "
               "smart-card simulation.",
               "pairkit"};
  app.fallthrough();  // global flags may follow the command
  app.set_version_flag("--version", version_line(), "Print the version and the libraries' versions");
  app.add_flag("--json", cli.json, "Print the result as one JSON document on stdout");
  app.add_option("--config", cli.config_path, "Configuration file (default: $PAIRKIT_CONFIG, else ./pairkit.toml)");
  app.add_flag("-q,--quiet", cli.quiet, "Print no hints or progress on stderr");
  app.add_option("--color", cli.color, "Colour on stdout: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.footer("\nExamples:\n  pairkit device init --serial TERM-0042 --dir ./terminal\n  pairkit fingerprint ./terminal/cert.pem\n"
             "  pairkit help key gen\n\nRun 'pairkit help COMMAND' (or 'pairkit COMMAND --help') for a command's options and "
             "examples; 'man pairkit' for the conventions and exit codes.");

  // Building every command's options costs more than most commands' work:
  // register the named group only, the rest if something asks for them.
  const std::string word = command_word(argc, argv);
  const bool known_word =
      !word.empty() && std::any_of(groups.begin(), groups.end(), [&](const Group& g) { return word == g.word; });
  bool all_registered = false;
  auto register_rest = [&] {
    if (all_registered) return;
    for (const Group& g : groups)
      if (!known_word || word != g.word) g.add(app, cli);
    for (const Companion& c : companions) add_group(app, c.word, c.summary);
    all_registered = true;
  };
  const bool version_only = word.empty() && std::any_of(argv + 1, argv + argc, [](const char* a) {
    return std::string_view(a) == "--version";
  });
  if (known_word) {
    for (const Group& g : groups)
      if (word == g.word) g.add(app, cli);
  } else if (!version_only) {
    register_rest();
  }

  CLI::App* help = app.add_subcommand("help", "Show help for a command: pairkit help [COMMAND...]");
  help->footer("\nExamples:\n  pairkit help key gen\n  pairkit help fingerprint");

  try {
    // "pairkit help key gen" is "pairkit key gen --help": rewrite argv so the
    // help looks exactly the same, after checking that the command exists.
    std::vector<std::string> args(argv + 1, argv + argc);
    if (auto it = std::find(args.begin(), args.end(), "help");
        it != args.end() && std::all_of(args.begin(), it, [](const std::string& a) { return a.starts_with("-"); })) {
      const CLI::App* target = &app;
      for (auto w = it + 1; w != args.end(); ++w) {
        if (w->starts_with("-")) continue;
        const CLI::App* next = nullptr;
        for (const CLI::App* sub : target->get_subcommands([](const CLI::App*) { return true; }))
          if (sub->get_name() == *w) next = sub;
        if (!next) throw UsageError("no command '" + *w + "' (run 'pairkit --help')");
        target = next;
      }
      args.erase(it);
      args.push_back("--help");
    }
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last-first
    try {
      app.parse(args);
    } catch (const CLI::Success& e) {
      // --help and --version: CLI11 prints them and says exit 0.
      app.exit(e);
      Cli::flush_stdout();
      return kExitOk;
    } catch (const CLI::ParseError& e) {
      const CLI::App* leaf = selected_leaf(app);
      const std::string where = leaf == &app ? "" : command_path(leaf) + ": ";
      throw UsageError(where + e.what() + " (see 'pairkit " + (leaf == &app ? "" : command_path(leaf) + " ") +
                       "--help')");
    }
    const CLI::App* leaf = selected_leaf(app);
    const RunFn* run = cli.find_command(leaf);
    if (!run) {
      if (leaf == &app) throw UsageError("missing command (run 'pairkit --help')");
      throw UsageError(command_path(leaf) + ": missing command (one of: " + subcommand_list(leaf) + ")");
    }
    if (const auto kb = cli.locked_pool_kb(leaf))  // a value the user set wins
      ::setenv("BOTAN_MLOCK_POOL_SIZE", std::to_string(*kb).c_str(), 0);
    cli.settings.load(cli.config_path, register_rest);
    cli.settings.apply(leaf);
    {
      // After the command's keys are gone, before static destructors.
      struct TokensClosed {
        ~TokensClosed() { crypto::close_tokens(); }
      } tokens_closed;
      (*run)(cli);
    }
    // Here, not in each command: no command can forget that a result lost
    // on a full disk or a failing device is not a success.
    Cli::flush_stdout();
    return kExitOk;
  } catch (const CheckFailed& e) {
    return fail(kExitCheckFailed, std::string("pairkit: ") + e.what());
  } catch (const UsageError& e) {
    return fail(kExitUsage, std::string("pairkit: error: ") + e.what());
  } catch (const InputError& e) {
    return fail(kExitInput, std::string("pairkit: error: ") + e.what());
  } catch (const Botan::Exception& e) {
    return fail(kExitInput, std::string("pairkit: error: ") + e.what());
  } catch (const std::bad_alloc&) {
    return fail(kExitInput, "pairkit: error: out of memory");
  } catch (const std::exception& e) {
    return fail(kExitInput, std::string("pairkit: error: ") + e.what());
  }
}

}  // namespace pairkit::cli
