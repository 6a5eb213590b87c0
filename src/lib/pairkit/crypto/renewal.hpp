// A certificate's renewal as its holder makes it: the request repeating the
// current certificate's names, and the checks on what the CA answers.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <botan/pk_keys.h>
#include <botan/rng.h>
#include <botan/x509cert.h>

#include "pairkit/core/clock.hpp"

namespace pairkit::crypto {

/// A PKCS#10 request (DER) signed by `key`, with the subject and SANs of
/// `current` (RFC 7030 §4.2.2: a re-enrollment repeats them).
std::vector<uint8_t> renewal_request(const Botan::Private_Key& key, const Botan::X509_Certificate& current,
                                     Botan::RandomNumberGenerator& rng);

/// Whether `cert` certifies the public half of `key` (same SubjectPublicKeyInfo).
bool certifies_key(const Botan::X509_Certificate& cert, const Botan::Private_Key& key);

/// Why a certificate a CA issued cannot serve the holder of `key`, "" when
/// it can: it must certify `key` and verify, with the intermediates
/// `extra_der` sent along, up to a certificate of `ca_pem` (named `ca_name`)
/// at `at`, for client authentication. Throws InputError for unreadable
/// certificates.
std::string issued_certificate_problem(const std::vector<uint8_t>& cert_der,
                                       const std::vector<std::vector<uint8_t>>& extra_der,
                                       const Botan::Private_Key& key, const std::vector<uint8_t>& ca_pem,
                                       const std::string& ca_name, TimePoint at);

/// A new key of the same type as `key` (P-256 for P-256, RSA of the same size).
std::unique_ptr<Botan::Private_Key> generate_key_like(const Botan::Private_Key& key,
                                                      Botan::RandomNumberGenerator& rng);

/// The certificate in PEM, and its DER.
std::string certificate_pem(const Botan::X509_Certificate& cert);
std::vector<uint8_t> certificate_der(const Botan::X509_Certificate& cert);

}  // namespace pairkit::crypto
