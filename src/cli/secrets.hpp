// Passphrases come from a file, an environment variable or a no-echo prompt:
// never from argv.
#pragma once
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <botan/secmem.h>

namespace pairkit::cli {

struct PassphraseOptions {
  std::string file;  ///< --passphrase-file (first line; "-" reads stdin)
  std::string env;   ///< --passphrase-env (name of the variable)
  bool given() const { return !file.empty() || !env.empty(); }
};

/// Adds --passphrase-file and --passphrase-env to a command.
void add_passphrase_options(CLI::App* cmd, PassphraseOptions& opts, const std::string& what = "the private key");

enum class Prompt {
  never,   ///< only file/env; nothing given means no passphrase
  once,    ///< ask on the terminal when nothing was given and stdin is a terminal
  confirm  ///< ask twice (new secrets) when nothing was given and stdin is a terminal
};

/// The passphrase, or nullopt when none was given (and none could be asked
/// for). Throws InputError for a missing/empty file or unset variable.
/// `noun` words messages and the options they name ("passphrase", "pin").
std::optional<Botan::secure_vector<char>> read_passphrase(const PassphraseOptions& opts, Prompt prompt,
                                                          const std::string& prompt_text = "Passphrase",
                                                          const std::string& noun = "passphrase");

}  // namespace pairkit::cli
