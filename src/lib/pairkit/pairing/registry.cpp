// The registry's engine-independent half: state names, pairing codes of
// stored requests, and open_registry choosing the engine for a location.
#include "pairkit/pairing/registry.hpp"

#include <arpa/inet.h>

#include <cctype>

#include <botan/hex.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/pairing/registry_engines.hpp"

namespace pairkit::pairing {

namespace {

std::vector<uint8_t> colon_hex_bytes(const std::string& colon) {
  std::string hex;
  for (char c : colon)
    if (c != ':') hex += c;
  const auto v = Botan::hex_decode(hex);
  return std::vector<uint8_t>(v.begin(), v.end());
}

}  // namespace

std::string request_code(const std::string& nonce, const std::string& fingerprint,
                         const std::string& server_fingerprint) {
  return pairing_code(parse_nonce(nonce), colon_hex_bytes(fingerprint), colon_hex_bytes(server_fingerprint));
}

std::string state_name(State s) {
  switch (s) {
    case State::pending: return "pending";
    case State::paired: return "paired";
    case State::rejected: return "rejected";
    case State::expired: return "expired";
    case State::unpaired: return "unpaired";
  }
  return "?";
}

State parse_state(std::string_view name) {
  for (State s : {State::pending, State::paired, State::rejected, State::expired, State::unpaired})
    if (state_name(s) == name) return s;
  throw UsageError("unknown state '" + std::string(name) + "' (expected pending, paired, rejected, expired or unpaired)");
}

std::unique_ptr<Registry> open_registry(const std::string& location, const RegistryOptions& options) {
  return open_sql_registry(parse_db_location(location), options);
}

std::string normalize_address(std::string_view text) {
  const std::string address(text);
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (address.size() < INET6_ADDRSTRLEN && ::inet_pton(AF_INET, address.c_str(), buf) == 1)
    return ::inet_ntop(AF_INET, buf, out, sizeof out);
  if (address.size() < INET6_ADDRSTRLEN && ::inet_pton(AF_INET6, address.c_str(), buf) == 1)
    return ::inet_ntop(AF_INET6, buf, out, sizeof out);
  throw UsageError("not an IPv4 or IPv6 address: '" + address.substr(0, 64) + "'");
}

std::string normalize_fingerprint(std::string_view text) {
  std::string out = crypto::normalize_sha256_colon(text);
  if (out.empty()) throw UsageError("not a SHA-256 fingerprint (64 hex digits, colons allowed)");
  return out;
}

}  // namespace pairkit::pairing
