// pairkit.toml's shape: tables of scalar or array values, flattened.
#include "pairkit/core/config_file.hpp"

#include <sstream>

#include <toml++/toml.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/core/toml_file.hpp"

namespace pairkit {

namespace {

std::string scalar_text(const toml::node& n) {
  if (auto s = n.value_exact<std::string>()) return *s;
  if (auto b = n.value_exact<bool>()) return *b ? "true" : "false";
  if (auto i = n.value_exact<int64_t>()) return std::to_string(*i);
  if (auto d = n.value_exact<double>()) {
    std::ostringstream os;
    os << *d;
    return os.str();
  }
  std::ostringstream os;
  n.visit([&](auto&& v) { os << v; });  // dates and times as TOML writes them
  return os.str();
}

std::vector<ConfigEntry> flatten(const toml::table& root, const std::string& name) {
  std::vector<ConfigEntry> out;
  for (const auto& [section, node] : root) {
    const auto* table = node.as_table();
    if (!table)
      throw InputError(name + ": unknown key '" + std::string(section.str()) +
                       "' (settings live in tables such as [key] or [cert])");
    for (const auto& [key_name, value] : *table) {
      const std::string key = std::string(section.str()) + "." + std::string(key_name.str());
      std::vector<std::string> values;
      if (const auto* arr = value.as_array()) {
        for (const auto& v : *arr) values.push_back(scalar_text(v));
      } else if (value.is_table()) {
        throw InputError(name + ": key '" + key + "' must be a value, not a table");
      } else {
        values.push_back(scalar_text(value));
      }
      out.emplace_back(key, std::move(values));
    }
  }
  return out;
}

}  // namespace

std::vector<ConfigEntry> parse_config(std::string_view text, const std::string& name) {
  return flatten(parse_toml(text, name), name);
}

std::vector<ConfigEntry> read_config_file(const std::string& path) { return flatten(read_toml_file(path, limits::kToml), path); }

}  // namespace pairkit
