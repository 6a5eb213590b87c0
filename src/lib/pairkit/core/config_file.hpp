// pairkit.toml, read from bytes into "section.key" -> values: the part of
// the configuration file that untrusted bytes reach (the CLI's Settings
// decides which keys exist and what they mean).
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pairkit {

/// One setting: "section.key" and its values as text (a TOML array gives
/// several; dates and times as TOML writes them).
using ConfigEntry = std::pair<std::string, std::vector<std::string>>;

/// Parses a configuration file's text, in key order. Throws InputError naming
/// `name` for malformed TOML, a top-level key that is not a table, or a key
/// whose value is a table.
std::vector<ConfigEntry> parse_config(std::string_view text, const std::string& name);

/// Reads and parses a configuration file; errors name the path.
std::vector<ConfigEntry> read_config_file(const std::string& path);

}  // namespace pairkit
