// What open_registry (registry.cpp) needs from each engine, and what the
// engines share. Internal to the pairing folder: callers use registry.hpp.
#pragma once
#include <memory>
#include <string>

#include "pairkit/pairing/registry.hpp"

namespace pairkit::pairing {

/// The registry at a location of either engine (registry_sql.cpp).
std::unique_ptr<Registry> open_sql_registry(const DbLocation& where, const RegistryOptions& options);

/// The pairing code of a request: from its nonce (hex) and the colon-hex
/// SHA-256 fingerprints of the terminal's and the server's certificates.
std::string request_code(const std::string& nonce, const std::string& fingerprint,
                         const std::string& server_fingerprint);

}  // namespace pairkit::pairing
