// Issuing to a paired terminal over EST (RFC 7030; pairkit-gate(1), EST):
// what a request must match in the certificate that authenticates it, and
// the issuance with its index row in one transaction, so that a revocation
// and a renewal are ordered by the index and a retry gets back what an
// interrupted request issued instead of a second certificate.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <botan/rng.h>

#include "pairkit/ca/authority.hpp"
#include "pairkit/ca/index_store.hpp"
#include "pairkit/crypto/cert_builder.hpp"

namespace pairkit::ca {

struct EnrollSpec {
  std::vector<uint8_t> csr_der;    ///< the PKCS#10 request as received
  std::vector<uint8_t> client_der; ///< the certificate the terminal authenticated with (mTLS)
  std::string terminal;            ///< its serial in the pairing registry
  std::string pairing_fingerprint; ///< SHA-256 of the certificate it is paired with
  /// simplereenroll: the index row of client_der (a certificate this CA
  /// issued over EST). Absent for simpleenroll, where client_der is the
  /// paired certificate itself.
  std::optional<IndexEntry> current;
  std::optional<std::chrono::seconds> valid_for;  ///< default: ca.toml's terminal lifetime
  bool revoke_on_renew = false;
  std::chrono::seconds expired_grace{0};
  TimePoint now{};
};

struct EnrollResult {
  enum Status { issued, reissued, refused } status = refused;
  /// refused: bad_request (the CSR), revoked, expired, for the gate's answer.
  std::string code;
  std::string message;
  std::vector<uint8_t> cert_der;  ///< issued or reissued
  IndexEntry entry;               ///< its row
};

/// Checks the CSR and issues from the `terminal` profile (extensions from
/// the profile only). simpleenroll: the CSR's key is client_der's, and its
/// subject's serialNumber and commonName (each where present, one at
/// least) are the terminal's serial. simplereenroll: its subject and SANs
/// are those of the current certificate, which must be neither revoked nor
/// expired past expired_grace; its key may be new. A request for a key this
/// pairing already got a valid certificate for from the same predecessor is
/// answered with that certificate (reissued). Throws InputError for a busy
/// or broken index.
EnrollResult enroll(IndexStore& index, crypto::Issuer& issuer, const CaDir& ca, const EnrollSpec& spec,
                    Botan::RandomNumberGenerator& rng);

}  // namespace pairkit::ca
