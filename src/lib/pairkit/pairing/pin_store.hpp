// The device-side pin store: a TOML file (pins.toml by convention) of named
// server pins, each a certificate SHA-256 or an SPKI pin, read-modify-written
// under a lock with an atomic rewrite so parallel scripts lose nothing.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <botan/x509cert.h>

#include "pairkit/core/clock.hpp"

namespace pairkit::pairing {

struct Pin {
  std::string name;
  std::string address;      ///< "host:port", may be empty
  std::string fingerprint;  ///< "AB:CD:..." (certificate SHA-256) or "sha256//..." (SPKI pin)
  TimePoint added{};
  std::string how;          ///< "certificate FILE", "fingerprint", "tofu HOST:PORT"
};

/// Normalises a user-typed fingerprint: SHA-256 hex of a certificate (any
/// case, colons optional, "SHA256:" prefix allowed) -> upper-case colon hex,
/// or an SPKI pin "sha256//BASE64" of 32 bytes. Throws UsageError.
std::string normalize_pin_fingerprint(const std::string& text);

/// Whether `cert` matches a stored fingerprint (either kind).
bool pin_matches(const std::string& fingerprint, const Botan::X509_Certificate& cert);

/// Throws CheckFailed naming `source` (where `cert` came from) and both
/// fingerprints when `cert` does not match `pin`.
void require_pin_match(const Pin& pin, const Botan::X509_Certificate& cert, const std::string& source);

/// The fingerprint of `cert` in the same kind as `like` (for messages).
std::string fingerprint_like(const std::string& like, const Botan::X509_Certificate& cert);

/// Validates a pin name: 1-64 of letters, digits, '.', '_', '-'. UsageError.
void check_pin_name(const std::string& name);

/// Validates "host:port" ("[v6]:port" for IPv6). UsageError.
void check_address(const std::string& address);

/// All pins of a store, sorted by name; a missing file is an empty store.
/// Throws InputError naming the file and line for malformed TOML or entries.
std::vector<Pin> load_pins(const std::string& path);

/// The pins of a store's text (as load_pins, without the file); errors name `name`.
std::vector<Pin> parse_pins(std::string_view text, const std::string& name);

/// What add_pin did.
struct AddResult {
  enum Kind { added, unchanged, replaced } kind = added;
  std::string change;  ///< for replaced: "fingerprint A -> B, address X -> Y"
};

/// Adds (or, with force, replaces) a pin under the store's lock. A name that
/// exists with a different address or fingerprint is refused without force
/// (InputError saying what would change); the same values are "unchanged".
AddResult add_pin(const std::string& path, const Pin& pin, bool force);

/// Adds a pin only if the name is free (trust on first use). Returns the pin
/// now stored under that name and whether it was added by this call.
std::pair<Pin, bool> add_pin_if_absent(const std::string& path, const Pin& pin);

/// Removes a pin; InputError when the store has no pin of that name.
void remove_pin(const std::string& path, const std::string& name);

/// One pin by name, or nullopt.
std::optional<Pin> find_pin(const std::vector<Pin>& pins, const std::string& name);

}  // namespace pairkit::pairing
