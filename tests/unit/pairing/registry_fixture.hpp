// What the registry's unit tests share: made-up certificates by one letter,
// and a registry whose decisions need no second factor.
#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "pairkit/core/sqlite.hpp"
#include "pairkit/pairing/registry.hpp"

namespace pairkit::pairing::testing {

/// A colon-hex SHA-256 made of one repeated character ("AA:AA:...").
inline std::string fp(char c) {
  std::string s;
  for (int i = 0; i < 32; ++i) s += std::string(i ? ":" : "") + c + c;
  return s;
}

inline CertRef cert(char c) { return {fp(c), "PEM " + std::string(1, c)}; }

/// A new registry that, like one made before operators existed, does not
/// require a TOTP code (registry_otp_test.cpp covers TOTP).
inline std::unique_ptr<Registry> open_plain(const std::string& path) {
  using namespace std::chrono_literals;
  auto reg = open_registry(path, {IfMissing::create, 2000ms});
  sqlite::open(path, {})->exec("UPDATE settings SET value = 'false' WHERE key = 'otp_required'");
  return reg;
}

}  // namespace pairkit::pairing::testing
