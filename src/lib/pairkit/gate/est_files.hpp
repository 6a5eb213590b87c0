// The device folder as the EST client keeps it (pairkit-gate(1), FILES):
// ca.pem, the .next files of a renewal in flight, the .previous pair, and
// the recovery of a renewal a crash interrupted.
#pragma once
#include <botan/pk_keys.h>
#include <string>
#include <vector>

#include "pairkit/core/clock.hpp"

namespace pairkit::gate {

/// The CA certificate(s) from GET /.well-known/est/cacerts, PEM.
inline constexpr const char* kCaFile = "ca.pem";
/// A renewal's new key and certificate before they are put in place.
inline constexpr const char* kNextSuffix = ".next";
/// What a renewal replaced.
inline constexpr const char* kPreviousSuffix = ".previous";
/// Held (flock) by one enrollment or renewal at a time.
inline constexpr const char* kEstLockFile = ".est.lock";

/// DEVICE_DIR/NAME.
std::string device_path(const std::string& device_dir, const std::string& name);

/// Puts the renewal in place: key.pem.next (when `new_key`), then
/// cert.pem.next, each keeping its predecessor as .previous, then records
/// the new certificate in device.toml. Returns the paths written. Throws
/// InputError.
std::vector<std::string> install_renewal(const std::string& device_dir, bool new_key);

/// What was found of a renewal a crash interrupted.
struct Recovery {
  enum Kind { none, finished, discarded } kind = none;
  std::string reason;  ///< discarded: why cert.pem.next was not used
  std::vector<std::string> written;  ///< finished: the paths put in place
};

/// Finishes or discards a cert.pem.next left behind: put in place (with
/// key.pem.next, if there is one) when it certifies the key it was made for
/// and verifies against ca.pem at `clock`'s time, removed otherwise. A
/// key.pem.next alone is left for the next renewal to reuse. Throws
/// InputError when a file cannot be read, written or removed.
/// `token_key`: the device key when a token holds it (no key file to read).
Recovery recover_interrupted(const std::string& device_dir, const Clock& clock,
                             const Botan::Private_Key* token_key = nullptr);

}  // namespace pairkit::gate
