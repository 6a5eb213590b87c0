// Re-verifying a terminal's log (JSON lines, as `sim run --out` writes it)
// under the back end's public key, whose type tells the profile.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pairkit/sim/bytes.hpp"
#include "pairkit/sim/profile.hpp"

namespace pairkit::sim {

/// The back end's public key as log verification needs it.
struct BackendKey {
  Profile profile;  ///< legacy for an RSA key, modern for Ed25519
  Bytes raw;        ///< the key in the profile's raw encoding
};

/// Reads a back end's SubjectPublicKeyInfo (PEM or DER). Throws InputError
/// naming `name` for anything else, or a key of neither profile's type.
BackendKey load_backend_key(const std::vector<uint8_t>& spki, const std::string& name);

/// Verifies every record of a log: the back end's signature on each card
/// certificate and the card's signature on each transaction. Returns the
/// number of records. Throws InputError "NAME:LINE: ..." for a line that is
/// not a record, and CheckFailed naming the line and record for a bad one.
size_t verify_log(const BackendKey& key, std::string_view log, const std::string& name);

}  // namespace pairkit::sim
