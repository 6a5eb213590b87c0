// Building certificates and requests whose extensions come from a profile,
// never from a request: pairkit assembles the Extensions itself and signs
// with X509_CA::make_cert (Botan's sign_request would copy a CSR's CA flag).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <botan/asn1_obj.h>
#include <botan/bigint.h>
#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/pubkey.h>
#include <botan/rng.h>
#include <botan/x509_dn.h>
#include <botan/x509cert.h>

#include "pairkit/core/clock.hpp"
#include "pairkit/crypto/san.hpp"

namespace pairkit::crypto {

/// What a certificate is for. device/client/server/ca are the self-signing
/// profiles; terminal/intermediate are what a CA issues to others.
enum class Profile { device, client, server, ca, terminal, intermediate };

Profile parse_profile(std::string_view name);
std::string profile_name(Profile p);

/// Subject fields; empty ones are left out of the DN.
struct Subject {
  std::string common_name;
  std::string organization;
  std::string organizational_unit;
  std::string country;
  std::string state;
  std::string locality;
  std::string serial_number;  ///< X.520 serialNumber: a device's serial

  Botan::X509_DN to_dn() const;
};

/// Validity and names of a certificate to be made.
struct CertSpec {
  Botan::X509_DN subject;
  Profile profile = Profile::device;
  std::vector<SubjectAltName> sans;
  TimePoint not_before{};
  TimePoint not_after{};
};

/// A random positive serial of 127 bits (RFC 5280 allows up to 20 octets).
Botan::BigInt random_serial(Botan::RandomNumberGenerator& rng);

/// The extensions a profile gives a certificate for `subject_key`: basic
/// constraints, key usage, extended key usage, SKI, AKI (when issuer_key_id
/// is given) and the SANs.
Botan::Extensions profile_extensions(Profile profile, const Botan::Public_Key& subject_key,
                                     const std::vector<SubjectAltName>& sans,
                                     const std::optional<std::vector<uint8_t>>& issuer_key_id);

/// Subject key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 (1)).
std::vector<uint8_t> key_identifier(const Botan::Public_Key& key);

/// A self-signed certificate.
Botan::X509_Certificate self_sign(const Botan::Private_Key& key, const CertSpec& spec,
                                  Botan::RandomNumberGenerator& rng);

/// Signs certificates for one issuer, keeping its signer between them
/// (making a signer is key-dependent precomputation, about 5% of the cost
/// of a P-256 certificate). Not thread-safe: one per thread. The issuer's
/// key and certificate must outlive it.
class Issuer {
public:
  /// `rng` is used for the signer's side-channel blinding only; signatures
  /// stay whatever the RNG (RFC 6979 ECDSA, PKCS#1 v1.5, Ed25519).
  Issuer(const Botan::Private_Key& key, const Botan::X509_Certificate& cert, Botan::RandomNumberGenerator& rng);
  ~Issuer();
  Issuer(Issuer&&) noexcept;
  Issuer& operator=(Issuer&&) = delete;

  /// A certificate for `subject_key`; extensions from the profile only. The
  /// serial is given so the caller can keep it unique.
  Botan::X509_Certificate issue(const Botan::Public_Key& subject_key, const CertSpec& spec, const Botan::BigInt& serial,
                                Botan::RandomNumberGenerator& rng);

private:
  const Botan::X509_Certificate& cert_;
  Botan::AlgorithmIdentifier alg_;
  std::unique_ptr<Botan::PK_Signer> signer_;
  std::vector<uint8_t> key_id_;
};

/// A certificate for `subject_key` signed by an issuer (a one-off Issuer).
/// Extensions come from the profile only. The serial is given so the caller
/// can keep it unique.
Botan::X509_Certificate issue_certificate(const Botan::Private_Key& issuer_key,
                                          const Botan::X509_Certificate& issuer_cert,
                                          const Botan::Public_Key& subject_key, const CertSpec& spec,
                                          const Botan::BigInt& serial, Botan::RandomNumberGenerator& rng);

/// A PKCS#10 request carrying the subject and SANs (IPv6 included).
Botan::PKCS10_Request make_request(const Botan::Private_Key& key, const Botan::X509_DN& subject,
                                   const std::vector<SubjectAltName>& sans, Botan::RandomNumberGenerator& rng);

}  // namespace pairkit::crypto
