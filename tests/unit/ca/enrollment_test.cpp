// EST issuance against a real CA folder and index: what a CSR must match,
// renewals and key rollover, retries answered with what was issued, and
// revocations ordered against renewals by the index.
#include <doctest/doctest.h>

#include "pairkit/ca/enrollment.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/keys.hpp"

using namespace pairkit;
using namespace pairkit::ca;

namespace {

const TimePoint kStart(std::chrono::seconds(1'800'000'000));  // 2027-01-15T08:00:00Z

struct Fleet {
  TempDir tmp;
  std::unique_ptr<Botan::RandomNumberGenerator> rng = make_seeded_rng(14);
  FixedClock clock{kStart};
  CaDir ca = make_ca();
  std::unique_ptr<Botan::Private_Key> ca_key = ca.load_key(std::nullopt);
  crypto::Issuer issuer{*ca_key, ca.cert(), *rng};
  std::unique_ptr<IndexStore> index = ca.open_index();
  // The terminal's pairing identity: a self-signed device certificate.
  std::unique_ptr<Botan::Private_Key> device_key = crypto::generate_key(crypto::KeyType::p256, *rng);
  std::vector<uint8_t> device_der = device_cert("TERM-7");
  std::string pairing_fp = crypto::fingerprint(device_der, crypto::HashAlg::sha256, crypto::FpFormat::colon);

  CaDir make_ca() {
    InitOptions o;
    o.subject.common_name = "Unit Fleet CA";
    return CaDir::init(tmp.path() + "/ca", o, *rng, clock);
  }

  static crypto::Subject subject(const std::string& cn, const std::string& serial) {
    crypto::Subject s;
    s.common_name = cn;
    s.serial_number = serial;
    return s;
  }

  std::vector<uint8_t> device_cert(const std::string& serial) {
    crypto::CertSpec spec;
    spec.subject = subject(serial, serial).to_dn();
    spec.profile = crypto::Profile::device;
    spec.not_before = kStart;
    spec.not_after = kStart + std::chrono::days(3650);
    return crypto::self_sign(*device_key, spec, *rng).BER_encode();
  }

  std::vector<uint8_t> csr(const Botan::Private_Key& key, const crypto::Subject& s,
                           const std::vector<crypto::SubjectAltName>& sans = {}) {
    return crypto::make_request(key, s.to_dn(), sans, *rng).BER_encode();
  }

  EnrollSpec first(std::vector<uint8_t> request) {
    EnrollSpec s;
    s.csr_der = std::move(request);
    s.client_der = device_der;
    s.terminal = "TERM-7";
    s.pairing_fingerprint = pairing_fp;
    s.now = clock.now();
    return s;
  }

  EnrollSpec renewal(const EnrollResult& current, std::vector<uint8_t> request) {
    EnrollSpec s = first(std::move(request));
    s.client_der = current.cert_der;
    s.current = index->find(current.entry.serial);
    return s;
  }

  EnrollResult run(const EnrollSpec& s) { return enroll(*index, issuer, ca, s, *rng); }
};

}  // namespace

TEST_CASE("simpleenroll issues from the terminal profile for the paired key and serial, and records to whom") {
  Fleet f;
  const auto r = f.run(f.first(f.csr(*f.device_key, Fleet::subject("TERM-7", "TERM-7"))));
  REQUIRE(r.status == EnrollResult::issued);
  const auto row = f.index->find(r.entry.serial);
  REQUIRE(row);
  CHECK(row->terminal == "TERM-7");
  CHECK(row->pairing_fingerprint == f.pairing_fp);
  CHECK(row->renewed_from.empty());
  CHECK(row->profile == "terminal");
  CHECK(row->not_after - row->not_before == std::chrono::days(7));
  CHECK(row->sha256 == crypto::fingerprint(r.cert_der, crypto::HashAlg::sha256, crypto::FpFormat::colon));
  CHECK(f.index->find_by_sha256(row->sha256)->serial == row->serial);

  SUBCASE("asking again for the same key gets the same certificate") {
    const auto again = f.run(f.first(f.csr(*f.device_key, Fleet::subject("TERM-7", "TERM-7"))));
    CHECK(again.status == EnrollResult::reissued);
    CHECK(again.cert_der == r.cert_der);
    CHECK(f.index->count() == 1);
  }
}

TEST_CASE("simpleenroll refuses another key, another serial, and a subject naming nobody") {
  Fleet f;
  const auto other = crypto::generate_key(crypto::KeyType::p256, *f.rng);
  auto r = f.run(f.first(f.csr(*other, Fleet::subject("TERM-7", "TERM-7"))));
  CHECK(r.status == EnrollResult::refused);
  CHECK(r.code == "bad_request");
  CHECK(r.message.find("another key") != std::string::npos);
  r = f.run(f.first(f.csr(*f.device_key, Fleet::subject("TERM-7", "TERM-8"))));
  CHECK(r.code == "bad_request");
  CHECK(r.message.find("'TERM-8'") != std::string::npos);
  r = f.run(f.first(f.csr(*f.device_key, Fleet::subject("TERM-9", ""))));
  CHECK(r.message.find("'TERM-9'") != std::string::npos);
  crypto::Subject org;
  org.organization = "Example";
  r = f.run(f.first(f.csr(*f.device_key, org)));
  CHECK(r.message.find("neither serialNumber nor CN") != std::string::npos);
  CHECK(f.index->count() == 0);
}

TEST_CASE("a request whose signature does not verify, or that is not a request, is a bad request") {
  Fleet f;
  auto der = f.csr(*f.device_key, Fleet::subject("TERM-7", "TERM-7"));
  der[der.size() - 5] ^= 0x01;  // inside the signature
  auto r = f.run(f.first(der));
  CHECK(r.code == "bad_request");
  CHECK(r.message.find("signature does not verify") != std::string::npos);
  r = f.run(f.first({0x30, 0x03, 0x02, 0x01, 0x01}));
  CHECK(r.code == "bad_request");
  CHECK(f.index->count() == 0);
}

TEST_CASE("simplereenroll keeps subject and SANs, allows a new key, and answers a retry with what it issued") {
  Fleet f;
  const auto first = f.run(f.first(f.csr(*f.device_key, Fleet::subject("TERM-7", "TERM-7"))));
  REQUIRE(first.status == EnrollResult::issued);
  const auto next_key = crypto::generate_key(crypto::KeyType::p256, *f.rng);
  f.clock.set(kStart + std::chrono::days(5));
  const auto renewed = f.run(f.renewal(first, f.csr(*next_key, Fleet::subject("TERM-7", "TERM-7"))));
  REQUIRE(renewed.status == EnrollResult::issued);
  CHECK(renewed.entry.renewed_from == first.entry.serial);
  CHECK(renewed.entry.not_before == kStart + std::chrono::days(5));
  CHECK(f.index->find(first.entry.serial)->status == "valid");  // revoke_on_renew is off

  const auto retry = f.run(f.renewal(first, f.csr(*next_key, Fleet::subject("TERM-7", "TERM-7"))));
  CHECK(retry.status == EnrollResult::reissued);
  CHECK(retry.cert_der == renewed.cert_der);

  auto r = f.run(f.renewal(first, f.csr(*next_key, Fleet::subject("TERM-7", "TERM-8"))));
  CHECK(r.code == "bad_request");
  CHECK(r.message.find("RFC 7030 4.2.2") != std::string::npos);
  r = f.run(f.renewal(first, f.csr(*next_key, Fleet::subject("TERM-7", "TERM-7"), {crypto::parse_san("dns:x.example")})));
  CHECK(r.message.find("alternative names") != std::string::npos);
  CHECK(f.index->count() == 2);
}

TEST_CASE("a revoked certificate never renews; one superseded by revoke_on_renew gets its successor back") {
  Fleet f;
  const auto first = f.run(f.first(f.csr(*f.device_key, Fleet::subject("TERM-7", "TERM-7"))));
  const auto key2 = crypto::generate_key(crypto::KeyType::p256, *f.rng);
  auto spec = f.renewal(first, f.csr(*key2, Fleet::subject("TERM-7", "TERM-7")));
  spec.revoke_on_renew = true;
  const auto renewed = f.run(spec);
  REQUIRE(renewed.status == EnrollResult::issued);
  const auto old = f.index->find(first.entry.serial);
  CHECK(old->status == "revoked");
  CHECK(old->reason == 4);
  // The answer was lost: the terminal asks again with the old certificate and the new key.
  spec.current = old;
  const auto retry = f.run(spec);
  CHECK(retry.status == EnrollResult::reissued);
  CHECK(retry.cert_der == renewed.cert_der);
  // Another key from the superseded certificate: refused.
  const auto key3 = crypto::generate_key(crypto::KeyType::p256, *f.rng);
  spec.csr_der = f.csr(*key3, Fleet::subject("TERM-7", "TERM-7"));
  CHECK(f.run(spec).code == "revoked");

  // Revoked by an operator (keyCompromise): nothing, not even what was issued before.
  f.index->revoke(renewed.entry.serial, f.clock.now(), 1);
  auto from_revoked = f.renewal(renewed, f.csr(*key2, Fleet::subject("TERM-7", "TERM-7")));
  const auto r = f.run(from_revoked);
  CHECK(r.status == EnrollResult::refused);
  CHECK(r.code == "revoked");
  CHECK(r.message.find("keyCompromise") != std::string::npos);
  CHECK(f.index->count() == 2);
}

TEST_CASE("an expired certificate renews only within the grace period") {
  Fleet f;
  const auto first = f.run(f.first(f.csr(*f.device_key, Fleet::subject("TERM-7", "TERM-7"))));
  f.clock.set(kStart + std::chrono::days(8));
  auto spec = f.renewal(first, f.csr(*f.device_key, Fleet::subject("TERM-7", "TERM-7")));
  auto r = f.run(spec);
  CHECK(r.code == "expired");
  CHECK(r.message.find("expired on 2027-01-22T08:00:00Z") != std::string::npos);
  spec.expired_grace = std::chrono::days(2);
  CHECK(f.run(spec).status == EnrollResult::issued);
}

TEST_CASE("a renewal is refused when the certificate it renews was revoked in the meantime") {
  Fleet f;
  const auto first = f.run(f.first(f.csr(*f.device_key, Fleet::subject("TERM-7", "TERM-7"))));
  auto spec = f.renewal(first, f.csr(*f.device_key, Fleet::subject("TERM-7", "TERM-7")));
  // The gate read the row as valid; `ca revoke` commits before the renewal's transaction.
  REQUIRE(spec.current->status == "valid");
  f.index->revoke(first.entry.serial, f.clock.now(), std::nullopt);
  CHECK(f.run(spec).code == "revoked");
  CHECK(f.index->count() == 1);
}
