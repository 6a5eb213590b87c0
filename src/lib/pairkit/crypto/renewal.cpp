// Renewal requests and the holder's checks (see renewal.hpp).
#include "pairkit/crypto/renewal.hpp"

#include <botan/pkcs10.h>

#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/path_validation.hpp"
#include "pairkit/crypto/san.hpp"

namespace pairkit::crypto {

std::vector<uint8_t> renewal_request(const Botan::Private_Key& key, const Botan::X509_Certificate& current,
                                     Botan::RandomNumberGenerator& rng) {
  return make_request(key, current.subject_dn(), sans_of(current.v3_extensions()), rng).BER_encode();
}

bool certifies_key(const Botan::X509_Certificate& cert, const Botan::Private_Key& key) {
  return cert.subject_public_key_info() == key.subject_public_key();
}

std::string issued_certificate_problem(const std::vector<uint8_t>& cert_der,
                                       const std::vector<std::vector<uint8_t>>& extra_der,
                                       const Botan::Private_Key& key, const std::vector<uint8_t>& ca_pem,
                                       const std::string& ca_name, TimePoint at) {
  const auto cert = load_certificate(cert_der, "the issued certificate");
  if (!certifies_key(cert, key)) return "it certifies another key than the one it was asked for";
  std::vector<Botan::X509_Certificate> chain{cert};
  for (const auto& der : extra_der) chain.push_back(load_certificate(der, "a certificate sent with it"));
  const auto v = validate_path(chain, load_certificates(ca_pem, ca_name), ca_name, Purpose::client, at);
  return v.failure.empty() ? "" : "it does not verify against " + ca_name + ": " + v.failure;
}

std::unique_ptr<Botan::Private_Key> generate_key_like(const Botan::Private_Key& key,
                                                      Botan::RandomNumberGenerator& rng) {
  return generate_key(key_type_of(key), rng);
}

std::string certificate_pem(const Botan::X509_Certificate& cert) { return cert.PEM_encode(); }
std::vector<uint8_t> certificate_der(const Botan::X509_Certificate& cert) { return cert.BER_encode(); }

}  // namespace pairkit::crypto
