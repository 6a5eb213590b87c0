// Defaults for command options from the environment and the config file,
// with pairkit(1)'s precedence: flag > environment > config > built-in.
// Config keys are "section.key" (TOML table "section", key "key"); the
// environment variable for a key is PAIRKIT_SECTION_KEY.
#pragma once
#include <map>
#include <optional>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace pairkit::cli {

class Settings {
public:
  /// Declares that `key` supplies the default of `opt` when it is not given.
  void bind(const CLI::App* cmd, CLI::Option* opt, const std::string& key);
  /// Declares a key read directly with get() (no option behind it).
  void declare(const std::string& key) { known_.insert(key); }

  /// Finds and loads the config: `flag`, else $PAIRKIT_CONFIG, else
  /// ./pairkit.toml if present. Unknown keys are an InputError naming the key
  /// and the file. Only the running command's group is registered, so a key
  /// not bound yet first calls `learn_all_keys` (which registers the rest).
  void load(const std::string& flag, const std::function<void()>& learn_all_keys);

  /// Fills the options of `cmd` that were not given on the command line.
  void apply(const CLI::App* cmd);

  /// Environment, then config, for a declared key (values as strings).
  std::optional<std::vector<std::string>> get(const std::string& key) const;

  /// Every key a command reads (for documentation checks).
  const std::set<std::string>& known() const { return known_; }

  /// The file that was loaded, if any.
  const std::string& file() const { return file_; }

  /// "key.type" -> "PAIRKIT_KEY_TYPE".
  static std::string env_name(const std::string& key);

private:
  struct Binding {
    const CLI::App* command;
    CLI::Option* option;
    std::string key;
  };
  std::vector<Binding> bindings_;
  std::set<std::string> known_;
  std::map<std::string, std::vector<std::string>> config_;
  std::string file_;
};

}  // namespace pairkit::cli
