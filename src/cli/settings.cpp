// Config file and environment defaults for command options.
#include "settings.hpp"

#include <cstdlib>

#include "pairkit/core/config_file.hpp"
#include "pairkit/core/error.hpp"
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

void Settings::load(const std::string& flag, const std::function<void()>& learn_all_keys) {
  std::string path = flag;
  if (path.empty()) {
    if (const char* env = std::getenv("PAIRKIT_CONFIG"); env && *env) path = env;
  }
  if (path.empty()) {
    if (!path_exists("pairkit.toml")) return;
    path = "pairkit.toml";
  }
  auto entries = read_config_file(path);
  file_ = path;
  bool learned_all = false;
  for (auto& [key, values] : entries) {
    if (!known_.count(key) && !learned_all) {
      learn_all_keys();
      learned_all = true;
    }
    if (!known_.count(key)) throw InputError(path + ": unknown key '" + key + "'");
    config_[key] = std::move(values);
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
