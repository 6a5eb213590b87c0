// Certificate and request construction from profiles.
#include "pairkit/crypto/cert_builder.hpp"

#include <memory>

#include <botan/asn1_time.h>
#include <botan/hash.h>
#include <botan/pubkey.h>
#include <botan/x509_ca.h>
#include <botan/x509_ext.h>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/keys.hpp"

namespace pairkit::crypto {

namespace {

Botan::X509_Time to_x509_time(TimePoint t) {
  return Botan::X509_Time(std::chrono::system_clock::time_point(t));
}

std::unique_ptr<Botan::PK_Signer> signer_for(const Botan::Private_Key& key, Botan::RandomNumberGenerator& rng,
                                             Botan::AlgorithmIdentifier& alg) {
  return std::unique_ptr<Botan::PK_Signer>(Botan::choose_sig_format(key, rng, signature_hash_for(key), alg));
}

}  // namespace

Profile parse_profile(std::string_view name) {
  if (name == "device") return Profile::device;
  if (name == "client") return Profile::client;
  if (name == "server") return Profile::server;
  if (name == "ca") return Profile::ca;
  if (name == "terminal") return Profile::terminal;
  if (name == "intermediate") return Profile::intermediate;
  throw UsageError("unknown profile '" + std::string(name) +
                   "' (expected device, client, server, ca, terminal or intermediate)");
}

std::string profile_name(Profile p) {
  switch (p) {
    case Profile::device: return "device";
    case Profile::client: return "client";
    case Profile::server: return "server";
    case Profile::ca: return "ca";
    case Profile::terminal: return "terminal";
    case Profile::intermediate: return "intermediate";
  }
  return "?";
}

Botan::X509_DN Subject::to_dn() const {
  Botan::X509_DN dn;
  if (!country.empty()) dn.add_attribute("X520.Country", country);
  if (!state.empty()) dn.add_attribute("X520.State", state);
  if (!locality.empty()) dn.add_attribute("X520.Locality", locality);
  if (!organization.empty()) dn.add_attribute("X520.Organization", organization);
  if (!organizational_unit.empty()) dn.add_attribute("X520.OrganizationalUnit", organizational_unit);
  if (!serial_number.empty()) dn.add_attribute("X520.SerialNumber", serial_number);
  if (!common_name.empty()) dn.add_attribute("X520.CommonName", common_name);
  return dn;
}

Botan::BigInt random_serial(Botan::RandomNumberGenerator& rng) {
  for (;;) {
    uint8_t bytes[16];
    rng.randomize(bytes, sizeof bytes);
    bytes[0] &= 0x7f;  // positive, and DER needs no leading zero byte
    Botan::BigInt serial(bytes, sizeof bytes);
    if (serial.bits() >= 64) return serial;
  }
}

std::vector<uint8_t> key_identifier(const Botan::Public_Key& key) {
  auto sha1 = Botan::HashFunction::create_or_throw("SHA-1");
  const auto digest = sha1->process(key.public_key_bits());
  return std::vector<uint8_t>(digest.begin(), digest.end());
}

Botan::Extensions profile_extensions(Profile profile, const Botan::Public_Key& subject_key,
                                     const std::vector<SubjectAltName>& sans,
                                     const std::optional<std::vector<uint8_t>>& issuer_key_id) {
  using namespace Botan::Cert_Extension;
  Botan::Extensions ext;
  const bool is_ca = profile == Profile::ca || profile == Profile::intermediate;
  if (is_ca) {
    ext.add(new Basic_Constraints(true, profile == Profile::intermediate ? 0 : Botan::Cert_Extension::NO_CERT_PATH_LIMIT), true);
  } else {
    ext.add(new Basic_Constraints(false), true);
  }
  Botan::Key_Constraints usage;
  if (is_ca) {
    usage = Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_CERT_SIGN | Botan::CRL_SIGN);
  } else if (subject_key.algo_name() == "RSA") {
    usage = Botan::Key_Constraints(Botan::DIGITAL_SIGNATURE | Botan::KEY_ENCIPHERMENT);
  } else {
    usage = Botan::DIGITAL_SIGNATURE;
  }
  ext.add(new Key_Usage(usage), true);
  std::vector<Botan::OID> eku;
  if (profile == Profile::device || profile == Profile::server) eku.push_back(Botan::OID::from_string("PKIX.ServerAuth"));
  if (profile == Profile::device || profile == Profile::client || profile == Profile::terminal)
    eku.push_back(Botan::OID::from_string("PKIX.ClientAuth"));
  if (!eku.empty()) ext.add(new Extended_Key_Usage(eku), false);
  ext.add(new Subject_Key_ID(key_identifier(subject_key)), false);
  if (issuer_key_id) ext.add(new Authority_Key_ID(*issuer_key_id), false);
  if (!sans.empty()) ext.add(new SanExtension(sans), false);
  return ext;
}

Botan::X509_Certificate self_sign(const Botan::Private_Key& key, const CertSpec& spec,
                                  Botan::RandomNumberGenerator& rng) {
  if (spec.not_after <= spec.not_before) throw UsageError("certificate validity ends before it starts");
  Botan::AlgorithmIdentifier alg;
  auto signer = signer_for(key, rng, alg);
  const auto ext = profile_extensions(spec.profile, key, spec.sans, key_identifier(key));
  return Botan::X509_CA::make_cert(signer.get(), rng, random_serial(rng), alg, key.subject_public_key(),
                                   to_x509_time(spec.not_before), to_x509_time(spec.not_after), spec.subject,
                                   spec.subject, ext);
}

Issuer::Issuer(const Botan::Private_Key& key, const Botan::X509_Certificate& cert, Botan::RandomNumberGenerator& rng)
    : cert_(cert), signer_(signer_for(key, rng, alg_)), key_id_(cert.subject_key_id()) {
  if (key_id_.empty()) key_id_ = key_identifier(key);
}

Issuer::~Issuer() = default;
Issuer::Issuer(Issuer&&) noexcept = default;

Botan::X509_Certificate Issuer::issue(const Botan::Public_Key& subject_key, const CertSpec& spec,
                                      const Botan::BigInt& serial, Botan::RandomNumberGenerator& rng) {
  if (spec.not_after <= spec.not_before) throw UsageError("certificate validity ends before it starts");
  const auto ext = profile_extensions(spec.profile, subject_key, spec.sans, key_id_);
  return Botan::X509_CA::make_cert(signer_.get(), rng, serial, alg_, subject_key.subject_public_key(),
                                   to_x509_time(spec.not_before), to_x509_time(spec.not_after), cert_.subject_dn(),
                                   spec.subject, ext);
}

Botan::X509_Certificate issue_certificate(const Botan::Private_Key& issuer_key,
                                          const Botan::X509_Certificate& issuer_cert,
                                          const Botan::Public_Key& subject_key, const CertSpec& spec,
                                          const Botan::BigInt& serial, Botan::RandomNumberGenerator& rng) {
  if (spec.not_after <= spec.not_before) throw UsageError("certificate validity ends before it starts");
  return Issuer(issuer_key, issuer_cert, rng).issue(subject_key, spec, serial, rng);
}

Botan::PKCS10_Request make_request(const Botan::Private_Key& key, const Botan::X509_DN& subject,
                                   const std::vector<SubjectAltName>& sans, Botan::RandomNumberGenerator& rng) {
  Botan::Extensions ext;
  if (!sans.empty()) ext.add(new SanExtension(sans), false);
  const std::string hash = signature_hash_for(key);
  const std::string padding = key.algo_name() == "Ed25519" ? "Pure" : "";
  return Botan::PKCS10_Request::create(key, subject, ext, hash == "Pure" ? "" : hash, rng, padding);
}

}  // namespace pairkit::crypto
