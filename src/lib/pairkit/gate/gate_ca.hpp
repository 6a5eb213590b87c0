// The CA a gate issues from and whose CRL it serves ([gate] ca in gate.toml):
// its folder, read once, and its key when the gate holds it. Shared by the
// workers, read-only; a reload that changes [gate] ca or [est] makes a new one.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <botan/pk_keys.h>

#include "pairkit/ca/authority.hpp"
#include "pairkit/gate/gate_config.hpp"

namespace pairkit::gate {

class GateCa {
public:
  /// Opens config.ca_dir (ca.crt, ca.toml). Its key is loaded when ca.key
  /// exists, decrypted with [est] passphrase_file when it is encrypted.
  /// Throws InputError naming the file for a CA that does not open, a key
  /// without its passphrase or with the wrong one. A key ca.toml names in a
  /// token is loaded through `token` (the caller holds the module and PIN);
  /// without it the gate serves without the key.
  static std::shared_ptr<const GateCa> load(const GateConfig& config, const crypto::TokenAccess* token = nullptr);

  const ca::CaDir& dir() const { return dir_; }
  /// The CA certificate, DER (what cacerts serves).
  const std::vector<uint8_t>& cert_der() const { return cert_der_; }
  /// The CA key, or null when the gate does not hold it: then it serves
  /// cacerts and the CRL `crl issue` wrote, and enrolls nobody.
  const Botan::Private_Key* key() const { return key_.get(); }

private:
  GateCa(ca::CaDir dir, std::vector<uint8_t> cert_der, std::unique_ptr<Botan::Private_Key> key)
      : dir_(std::move(dir)), cert_der_(std::move(cert_der)), key_(std::move(key)) {}

  ca::CaDir dir_;
  std::vector<uint8_t> cert_der_;
  std::unique_ptr<Botan::Private_Key> key_;
};

}  // namespace pairkit::gate
