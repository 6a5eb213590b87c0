// Reading PEM/DER objects, and every way a file can be wrong.
#include <doctest/doctest.h>

#include <botan/base64.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/objects.hpp"

using namespace pairkit;
using namespace pairkit::crypto;

namespace {
std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

Botan::X509_Certificate one_day_cert(const Botan::Private_Key& key, const std::string& cn,
                                     Botan::RandomNumberGenerator& rng) {
  CertSpec s;
  Subject subj;
  subj.common_name = cn;
  s.subject = subj.to_dn();
  s.not_before = TimePoint(std::chrono::seconds(1'800'000'000));
  s.not_after = s.not_before + std::chrono::days(1);
  return self_sign(key, s, rng);
}

struct Fixture {
  std::unique_ptr<Botan::RandomNumberGenerator> rng = make_seeded_rng(5);
  std::unique_ptr<Botan::Private_Key> key = generate_key(KeyType::p256, *rng);
  Botan::X509_Certificate cert = one_day_cert(*key, "objects", *rng);
};
}  // namespace

TEST_CASE("bundles, DER and keys are classified") {
  Fixture f;
  const std::string pem = f.cert.PEM_encode();
  CHECK(load_certificates(bytes(pem + pem), "b.pem").size() == 2);
  CHECK(load_certificate(f.cert.BER_encode(), "c.der") == f.cert);
  const auto objs = read_objects(bytes(private_key_pem(*f.key, *f.rng)), "k.pem");
  CHECK(objs.at(0).kind == ObjectKind::private_key);
  CHECK(spki_of(objs[0], "k.pem") == f.cert.subject_public_key_info());
}

TEST_CASE("garbage, truncation and wrong kinds are input errors") {
  Fixture f;
  const std::string pem = f.cert.PEM_encode();
  CHECK_THROWS_AS(read_objects(bytes("hello world"), "g"), InputError);
  CHECK_THROWS_AS(read_objects({}, "empty"), InputError);
  CHECK_THROWS_AS(read_objects(bytes(pem.substr(0, pem.size() / 2)), "t"), InputError);
  auto der = f.cert.BER_encode();
  der.resize(der.size() - 10);
  CHECK_THROWS_AS(read_objects(der, "t.der"), InputError);
  std::string corrupted = pem;
  corrupted[40] = corrupted[40] == 'A' ? 'B' : 'A';
  CHECK_THROWS_AS(read_objects(bytes(corrupted), "c"), InputError);
  const auto csr = make_request(*f.key, f.cert.subject_dn(), {}, *f.rng);
  CHECK_THROWS_WITH_AS(load_certificates(bytes(csr.PEM_encode()), "r.csr"),
                       doctest::Contains("certificate request where a certificate is needed"), InputError);
}

TEST_CASE("encrypted keys need the right passphrase") {
  Fixture f;
  const Botan::secure_vector<char> pass{'p', 'w'};
  const std::string pem = private_key_pem(*f.key, *f.rng, pass);
  CHECK(is_encrypted_private_key(bytes(pem)));
  CHECK(load_private_key(bytes(pem), "k", pass)->subject_public_key() == f.key->subject_public_key());
  CHECK_THROWS_AS(load_private_key(bytes(pem), "k", Botan::secure_vector<char>{'x'}), InputError);
  CHECK_THROWS_AS(load_private_key(bytes(pem), "k", std::nullopt), InputError);
}

TEST_CASE("a certificate's shape is checked without a full decode") {
  Fixture f;
  const auto der = f.cert.BER_encode();
  CHECK(load_certificate_der(der, "c.der") == der);
  CHECK(load_certificate_der(bytes(f.cert.PEM_encode()), "c.pem") == der);
  // The SPKI taken from the shape is the one Botan's full decode gives, for every key type.
  for (KeyType t : {KeyType::p256, KeyType::p384, KeyType::ed25519, KeyType::rsa2048}) {
    const auto cert = one_day_cert(*generate_key(t, *f.rng), "spki", *f.rng);
    const auto objs = read_objects(cert.BER_encode(), "k.der");
    REQUIRE(objs.size() == 1);
    CHECK(objs[0].kind == ObjectKind::certificate);
    CHECK(spki_of(objs[0], "k.der") == cert.subject_public_key_info());
  }
  // Trailing bytes, a truncated TBSCertificate, a CSR or a CRL where a certificate is needed.
  auto trailing = der;
  trailing.push_back(0);
  CHECK_THROWS_WITH_AS(load_certificate_der(bytes("-----BEGIN CERTIFICATE-----\n" +
                                                  Botan::base64_encode(trailing) + "\n-----END CERTIFICATE-----\n"),
                                            "t.pem"),
                       doctest::Contains("t.pem (PEM block 1) holds a damaged certificate"), InputError);
  auto inner = der;
  inner[4] ^= 0x01;  // the TBSCertificate is a SET, not a SEQUENCE
  CHECK_THROWS_AS(load_certificate_der(inner, "i.der"), InputError);
  const auto csr = make_request(*f.key, f.cert.subject_dn(), {}, *f.rng);
  CHECK(read_objects(csr.BER_encode(), "r.der").at(0).kind == ObjectKind::csr);
  CHECK_THROWS_WITH_AS(load_certificate_der(csr.BER_encode(), "r.der"),
                       doctest::Contains("certificate request where a certificate is needed"), InputError);
  const std::string pem = f.cert.PEM_encode();
  CHECK_THROWS_WITH_AS(load_certificate_der(bytes(pem + pem), "b.pem"), doctest::Contains("holds 2 certificates"),
                       InputError);
}
