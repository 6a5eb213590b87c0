// Config file and environment defaults for command options.
#include "settings.hpp"

#include <cstdlib>
#include <sstream>

#include <toml++/toml.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/toml_file.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"

namespace pairkit::cli {

void Settings::bind(const CLI::App* cmd, CLI::Option* opt, const std::string& key) {
  bindings_.push_back({cmd, opt, key});
  known_.insert(key);
}

std::string Settings::env_name(const std::string& key) {
  std::string s = "PAIRKIT_";
  for (char c : key) s += (c == '.' || c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

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

}  // namespace

void Settings::load(const std::string& flag, const std::function<void()>& learn_all_keys) {
  std::string path = flag;
  if (path.empty()) {
    if (const char* env = std::getenv("PAIRKIT_CONFIG"); env && *env) path = env;
  }
  if (path.empty()) {
    if (!path_exists("pairkit.toml")) return;
    path = "pairkit.toml";
  }
  const toml::table root = read_toml_file(path, limits::kToml);
  file_ = path;
  bool learned_all = false;
  for (const auto& [section, node] : root) {
    const auto* table = node.as_table();
    if (!table)
      throw InputError(path + ": unknown key '" + std::string(section.str()) +
                       "' (settings live in tables such as [key] or [cert])");
    for (const auto& [name, value] : *table) {
      const std::string key = std::string(section.str()) + "." + std::string(name.str());
      if (!known_.count(key) && !learned_all) {
        learn_all_keys();
        learned_all = true;
      }
      if (!known_.count(key)) throw InputError(path + ": unknown key '" + key + "'");
      std::vector<std::string> values;
      if (const auto* arr = value.as_array()) {
        for (const auto& v : *arr) values.push_back(scalar_text(v));
      } else if (value.is_table()) {
        throw InputError(path + ": key '" + key + "' must be a value, not a table");
      } else {
        values.push_back(scalar_text(value));
      }
      config_[key] = std::move(values);
    }
  }
}

std::optional<std::vector<std::string>> Settings::get(const std::string& key) const {
  if (const char* env = std::getenv(env_name(key).c_str()); env && *env) {
    // A list in the environment is separated by ';', not ',': PAIRKIT_CERT_SAN=dns:a,ip:::1 would be ambiguous.
    std::vector<std::string> values;
    std::string cur;
    for (const char* p = env; *p; ++p) {
      if (*p == ';') {
        values.push_back(cur);
        cur.clear();
      } else {
        cur += *p;
      }
    }
    values.push_back(cur);
    return values;
  }
  if (auto it = config_.find(key); it != config_.end()) return it->second;
  return std::nullopt;
}

void Settings::apply(const CLI::App* cmd) {
  for (const auto& b : bindings_) {
    if (b.command != cmd || b.option->count() > 0) continue;
    const auto values = get(b.key);
    if (!values) continue;
    const bool from_env = std::getenv(env_name(b.key).c_str()) != nullptr;
    const std::string origin = from_env ? "environment variable " + env_name(b.key) : file_ + ": key '" + b.key + "'";
    try {
      for (const auto& v : *values) b.option->add_result(v);
      b.option->run_callback();
    } catch (const CLI::Error& e) {
      throw InputError(origin + ": " + e.what());
    } catch (const UsageError& e) {
      throw InputError(origin + ": " + e.what());
    }
  }
}

}  // namespace pairkit::cli
