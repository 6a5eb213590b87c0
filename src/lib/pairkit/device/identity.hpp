// A device identity folder, as made on a device's first boot: private key,
// self-signed certificate and device.toml describing them.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <botan/rng.h>
#include <botan/secmem.h>

#include "pairkit/core/clock.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/san.hpp"
#include "pairkit/device/layout.hpp"

namespace pairkit::device {

enum class Role { terminal, server };
Role parse_role(std::string_view name);
std::string role_name(Role r);

struct InitOptions {
  std::string serial;
  Role role = Role::terminal;
  crypto::KeyType key_type = crypto::KeyType::p256;
  std::chrono::seconds valid_for{std::chrono::days(3650)};
  std::vector<crypto::SubjectAltName> sans;
  crypto::Subject subject;  ///< organization etc.; CN and serialNumber come from `serial`
  std::optional<Botan::secure_vector<char>> passphrase;
  bool force = false;
  /// A key to use instead of a new one (key_type is then its type). A token
  /// key stays in its token: device.toml records its URI, no key.pem.
  const Botan::Private_Key* key = nullptr;
};

/// What device.toml records.
struct Identity {
  std::string serial;
  Role role = Role::terminal;
  std::string key_type;
  TimePoint created{};
  TimePoint not_after{};
  std::string cert_sha256;  ///< colon hex
  std::string spki_pin;     ///< sha256//...
  std::string device_id;    ///< base32 device ID of the certificate
  std::string key_uri;      ///< the pkcs11: URI of a key held in a token; empty: key.pem
};

/// Validates a device serial: 1-64 printable characters, no '/' or spaces.
void check_serial(const std::string& serial);

/// True if dir holds (part of) an identity.
bool holds_identity(const std::string& dir);

/// Creates the identity in dir (0700; key 0600). Refuses (InputError) a dir
/// that holds an identity unless opts.force. device.toml is written last, so
/// its presence marks a complete identity.
Identity init(const std::string& dir, const InitOptions& opts, Botan::RandomNumberGenerator& rng,
              const Clock& clock);

/// Reads dir/device.toml; throws InputError naming the file.
Identity read_identity(const std::string& dir);

/// Where dir's private key is: the pkcs11: URI device.toml records for a
/// key in a token, else the path of dir/key.pem.
std::string key_reference(const std::string& dir);

/// Records dir/cert.pem in device.toml when another certificate replaced it
/// (gate enroll and renew put a CA-issued one in place): not_after,
/// cert_sha256, spki_pin and device_id follow cert.pem; serial, role, key
/// type and creation stay. Returns whether device.toml changed (never
/// when dir has none). Throws InputError naming the file.
bool record_certificate(const std::string& dir);

}  // namespace pairkit::device
