// TOML text and files, with syntax errors reported as "NAME:LINE: reason".
#pragma once
#include <string>
#include <string_view>

#include <toml++/toml.h>

namespace pairkit {

/// Parses TOML text; a syntax error is an InputError "NAME:LINE: reason".
toml::table parse_toml(std::string_view text, const std::string& name);

/// Reads (at most max_bytes) and parses a TOML file; errors name the path.
toml::table read_toml_file(const std::string& path, size_t max_bytes = size_t(1) << 20);

}  // namespace pairkit
