// Certificates and requests built from profiles.
#include <doctest/doctest.h>

#include <botan/x509_ext.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/x509.hpp"

using namespace pairkit;
using namespace pairkit::crypto;

namespace {
CertSpec spec_for(Profile p) {
  CertSpec s;
  Subject subj;
  subj.common_name = "unit";
  subj.organization = "Example";
  s.subject = subj.to_dn();
  s.profile = p;
  s.not_before = TimePoint(std::chrono::seconds(1'800'000'000));
  s.not_after = s.not_before + std::chrono::days(7);
  s.sans = {parse_san("dns:unit.local"), parse_san("ip:fd00::7")};
  return s;
}
}  // namespace

TEST_CASE("self-signed certificates for every key type and profile") {
  auto rng = make_seeded_rng(1);
  for (auto type : {KeyType::p256, KeyType::p384, KeyType::ed25519, KeyType::rsa2048}) {
    const auto key = generate_key(type, *rng);
    for (auto profile : {Profile::device, Profile::client, Profile::server, Profile::ca}) {
      const auto cert = self_sign(*key, spec_for(profile), *rng);
      CHECK(cert.check_signature(*key));
      const auto d = describe_certificate(cert);
      CHECK(d.subject == "O=Example, CN=unit");
      CHECK(d.is_ca == (profile == Profile::ca));
      CHECK(d.sans == std::vector<std::string>{"dns:unit.local", "ip:fd00::7"});
      CHECK(d.not_after - d.not_before == std::chrono::days(7));
      CHECK(cert.serial_number().size() >= 8);
      CHECK((cert.serial_number()[0] & 0x80) == 0);
      if (profile == Profile::device)
        CHECK(d.extended_key_usage == std::vector<std::string>{"serverAuth", "clientAuth"});
      if (profile == Profile::ca) {
        CHECK(std::find(d.key_usage.begin(), d.key_usage.end(), "keyCertSign") != d.key_usage.end());
        CHECK(d.extended_key_usage.empty());
      }
    }
  }
}

TEST_CASE("issued certificates take extensions from the profile only") {
  auto rng = make_seeded_rng(2);
  const auto ca_key = generate_key(KeyType::p256, *rng);
  const auto ca = self_sign(*ca_key, spec_for(Profile::ca), *rng);
  const auto leaf_key = generate_key(KeyType::ed25519, *rng);
  const auto cert = issue_certificate(*ca_key, ca, *leaf_key, spec_for(Profile::terminal), random_serial(*rng), *rng);
  CHECK(cert.check_signature(*ca_key));
  CHECK(!cert.is_CA_cert());
  CHECK(cert.authority_key_id() == ca.subject_key_id());
  CHECK(describe_certificate(cert).extended_key_usage == std::vector<std::string>{"clientAuth"});
}

TEST_CASE("one Issuer signs many certificates, each as a one-off issue_certificate would") {
  auto rng = make_seeded_rng(5);
  for (auto type : {KeyType::p256, KeyType::ed25519, KeyType::rsa2048}) {
    const auto ca_key = generate_key(type, *rng);
    const auto ca = self_sign(*ca_key, spec_for(Profile::ca), *rng);
    auto blinding = make_seeded_rng(6);
    Issuer issuer(*ca_key, ca, *blinding);
    for (int i = 0; i < 3; ++i) {
      const auto leaf_key = generate_key(KeyType::p256, *rng);
      const auto serial = random_serial(*rng);
      auto r1 = make_seeded_rng(7 + i);
      auto r2 = make_seeded_rng(7 + i);
      const auto cert = issuer.issue(*leaf_key, spec_for(Profile::terminal), serial, *r1);
      CHECK(cert.check_signature(*ca_key));
      CHECK(cert.serial_number() == Botan::BigInt::encode(serial));
      CHECK(cert.authority_key_id() == ca.subject_key_id());
      CHECK(!cert.is_CA_cert());
      // Deterministic signatures: a kept signer changes nothing in the bytes.
      CHECK(cert.BER_encode() ==
            issue_certificate(*ca_key, ca, *leaf_key, spec_for(Profile::terminal), serial, *r2).BER_encode());
    }
    auto bad = spec_for(Profile::terminal);
    bad.not_after = bad.not_before;
    CHECK_THROWS_AS(issuer.issue(*ca_key, bad, random_serial(*rng), *rng), UsageError);
  }
}

TEST_CASE("requests carry subject and IPv6 SANs and verify") {
  auto rng = make_seeded_rng(3);
  const auto key = generate_key(KeyType::p384, *rng);
  const auto csr = make_request(*key, spec_for(Profile::device).subject, {parse_san("ip:::1")}, *rng);
  const auto d = describe_request(csr);
  CHECK(d.signature_valid);
  CHECK(d.sans == std::vector<std::string>{"ip:::1"});
}

TEST_CASE("validity must end after it starts") {
  auto rng = make_seeded_rng(4);
  const auto key = generate_key(KeyType::p256, *rng);
  auto s = spec_for(Profile::device);
  s.not_after = s.not_before;
  CHECK_THROWS_AS(self_sign(*key, s, *rng), UsageError);
}
