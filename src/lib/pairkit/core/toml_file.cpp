// TOML parsing with pairkit's error shape.
#include "pairkit/core/toml_file.hpp"

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"

namespace pairkit {

toml::table parse_toml(std::string_view text, const std::string& name) {
  try {
    return toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw InputError(name + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()));
  }
}

toml::table read_toml_file(const std::string& path, size_t max_bytes) {
  const auto bytes = read_file(path, max_bytes);
  return parse_toml(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

}  // namespace pairkit
