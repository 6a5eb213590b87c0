// Descriptions of certificates and requests.
#include "pairkit/crypto/x509.hpp"

#include <botan/hex.h>
#include <botan/oids.h>
#include <botan/x509_ext.h>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/san.hpp"

namespace pairkit::crypto {

namespace {

std::string short_name(const Botan::OID& oid) {
  const std::string s = oid.to_string();
  if (s == "2.5.4.3") return "CN";
  if (s == "2.5.4.10") return "O";
  if (s == "2.5.4.11") return "OU";
  if (s == "2.5.4.6") return "C";
  if (s == "2.5.4.8") return "ST";
  if (s == "2.5.4.7") return "L";
  if (s == "2.5.4.5") return "serialNumber";
  if (s == "1.2.840.113549.1.9.1") return "emailAddress";
  return s;
}

std::vector<std::string> key_usage_names(Botan::Key_Constraints k) {
  static const std::pair<Botan::Key_Constraints, const char*> names[] = {
      {Botan::DIGITAL_SIGNATURE, "digitalSignature"}, {Botan::NON_REPUDIATION, "nonRepudiation"},
      {Botan::KEY_ENCIPHERMENT, "keyEncipherment"},   {Botan::DATA_ENCIPHERMENT, "dataEncipherment"},
      {Botan::KEY_AGREEMENT, "keyAgreement"},         {Botan::KEY_CERT_SIGN, "keyCertSign"},
      {Botan::CRL_SIGN, "cRLSign"},                   {Botan::ENCIPHER_ONLY, "encipherOnly"},
      {Botan::DECIPHER_ONLY, "decipherOnly"}};
  std::vector<std::string> out;
  for (const auto& [bit, name] : names)
    if (k & bit) out.push_back(name);
  return out;
}

std::string eku_name(const Botan::OID& oid) {
  const std::string s = oid.to_string();
  if (s == "1.3.6.1.5.5.7.3.1") return "serverAuth";
  if (s == "1.3.6.1.5.5.7.3.2") return "clientAuth";
  if (s == "1.3.6.1.5.5.7.3.3") return "codeSigning";
  if (s == "1.3.6.1.5.5.7.3.4") return "emailProtection";
  if (s == "1.3.6.1.5.5.7.3.8") return "timeStamping";
  if (s == "1.3.6.1.5.5.7.3.9") return "OCSPSigning";
  return s;
}

// openssl's names for the signature algorithms pairkit meets.
std::string signature_name(const Botan::OID& oid) {
  static const std::pair<const char*, const char*> names[] = {
      {"1.2.840.10045.4.3.2", "ecdsa-with-SHA256"},     {"1.2.840.10045.4.3.3", "ecdsa-with-SHA384"},
      {"1.2.840.10045.4.3.4", "ecdsa-with-SHA512"},     {"1.3.101.112", "ED25519"},
      {"1.2.840.113549.1.1.5", "sha1WithRSAEncryption"}, {"1.2.840.113549.1.1.11", "sha256WithRSAEncryption"},
      {"1.2.840.113549.1.1.12", "sha384WithRSAEncryption"}, {"1.2.840.113549.1.1.13", "sha512WithRSAEncryption"},
      {"1.2.840.113549.1.1.10", "rsassaPss"}};
  const std::string s = oid.to_string();
  for (const auto& [dotted, name] : names)
    if (s == dotted) return name;
  return oid.to_formatted_string();
}

std::string key_description(const Botan::Public_Key& key) {
  try {
    return describe_key(key);
  } catch (const std::exception&) {
    return key.algo_name() + " " + std::to_string(key.key_length()) + " bits";
  }
}

std::vector<std::string> san_specs(const Botan::Extensions& ext) {
  std::vector<std::string> out;
  for (const auto& san : sans_of(ext)) out.push_back(san.spec());
  return out;
}

}  // namespace

std::string dn_to_string(const Botan::X509_DN& dn) {
  std::string out;
  for (const auto& [oid, value] : dn.dn_info()) {
    if (!out.empty()) out += ", ";
    out += short_name(oid) + "=" + value.value();
  }
  return out;
}

std::string common_name(const Botan::X509_DN& dn) { return dn.get_first_attribute("X520.CommonName"); }

std::vector<std::string> dn_serial_numbers(const Botan::X509_DN& dn) { return dn.get_attribute("X520.SerialNumber"); }

std::vector<std::string> dn_common_names(const Botan::X509_DN& dn) { return dn.get_attribute("X520.CommonName"); }

TimePoint to_time_point(const Botan::X509_Time& t) {
  // Botan 2 refuses years before 1970, which UTCTime can hold (1950-2049).
  try {
    return TimePoint(std::chrono::seconds(static_cast<long long>(t.time_since_epoch())));
  } catch (const Botan::Exception& e) {
    throw InputError("time " + t.readable_string() + " is not supported (" + e.what() + ")");
  }
}

CertDetails describe_certificate(const Botan::X509_Certificate& cert) {
  CertDetails d;
  d.subject = dn_to_string(cert.subject_dn());
  d.issuer = dn_to_string(cert.issuer_dn());
  d.serial = Botan::hex_encode(cert.serial_number());
  d.not_before = to_time_point(cert.not_before());
  d.not_after = to_time_point(cert.not_after());
  // Botan decodes the key only now: a certificate of anyone's may carry one that does not decode.
  try {
    d.key = key_description(*cert.load_subject_public_key());
  } catch (const Botan::Exception& e) {
    throw InputError(std::string("the certificate's public key cannot be decoded (") + e.what() + ")");
  }
  d.signature_algorithm = signature_name(cert.signature_algorithm().get_oid());
  d.is_ca = cert.is_CA_cert();
  if (d.is_ca && cert.path_limit() != Botan::Cert_Extension::NO_CERT_PATH_LIMIT) d.path_length = cert.path_limit();
  d.key_usage = key_usage_names(cert.constraints());
  for (const auto& oid : cert.extended_key_usage()) d.extended_key_usage.push_back(eku_name(oid));
  d.sans = san_specs(cert.v3_extensions());
  d.self_signed = cert.is_self_signed();
  d.sha256 = fingerprint(cert.BER_encode(), HashAlg::sha256, FpFormat::colon);
  d.spki_pin = spki_pin(cert.subject_public_key_info());
  return d;
}

RequestDetails describe_request(const Botan::PKCS10_Request& csr) {
  RequestDetails d;
  d.subject = dn_to_string(csr.subject_dn());
  std::unique_ptr<Botan::Public_Key> key(csr.subject_public_key());
  d.key = key_description(*key);
  d.signature_algorithm = signature_name(csr.signature_algorithm().get_oid());
  d.sans = san_specs(csr.extensions());
  d.signature_valid = csr.check_signature(*key);
  d.spki_pin = spki_pin(csr.raw_public_key());
  return d;
}

NamesAndKey names_and_key(const Botan::PKCS10_Request& csr) {
  return {dn_to_string(csr.subject_dn()), san_specs(csr.extensions()), spki_pin(csr.raw_public_key())};
}

NamesAndKey names_and_key(const Botan::X509_Certificate& cert) {
  return {dn_to_string(cert.subject_dn()), san_specs(cert.v3_extensions()), spki_pin(cert.subject_public_key_info())};
}

}  // namespace pairkit::crypto
