// cert verify's check: path validation reasons, revocation by the issuer's
// CRL, and the CRLs that are refused (forged, stale).
#include <doctest/doctest.h>

#include "pairkit/ca/crl.hpp"
#include "pairkit/ca/verify.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/keys.hpp"

using namespace pairkit;
using namespace pairkit::ca;

namespace {

const TimePoint kStart(std::chrono::seconds(1'800'000'000));  // 2027-01-15T08:00:00Z

struct World {
  std::unique_ptr<Botan::RandomNumberGenerator> rng = make_seeded_rng(31);
  std::unique_ptr<Botan::Private_Key> ca_key = crypto::generate_key(crypto::KeyType::p256, *rng);
  Botan::X509_Certificate ca_cert = self_signed(*ca_key, "Unit CA");
  std::unique_ptr<Botan::Private_Key> leaf_key = crypto::generate_key(crypto::KeyType::p256, *rng);
  Botan::X509_Certificate leaf = issue_leaf();

  Botan::X509_Certificate self_signed(const Botan::Private_Key& key, const std::string& cn) {
    crypto::CertSpec spec;
    crypto::Subject s;
    s.common_name = cn;
    spec.subject = s.to_dn();
    spec.profile = crypto::Profile::ca;
    spec.not_before = kStart;
    spec.not_after = kStart + std::chrono::days(3650);
    return crypto::self_sign(key, spec, *rng);
  }

  Botan::X509_Certificate issue_leaf() {
    crypto::CertSpec spec;
    crypto::Subject s;
    s.common_name = "term-1";
    spec.subject = s.to_dn();
    spec.profile = crypto::Profile::terminal;
    spec.not_before = kStart;
    spec.not_after = kStart + std::chrono::days(7);
    crypto::Issuer issuer(*ca_key, ca_cert, *rng);
    return issuer.issue(*leaf_key, spec, Botan::BigInt(0x1234), *rng);
  }

  CrlIndex crl(const Botan::Private_Key& key, const Botan::X509_Certificate& cert, bool revoke_leaf) {
    CrlSpec spec;
    spec.this_update = kStart;
    spec.next_update = kStart + std::chrono::days(2);
    std::vector<RevokedEntry> entries;
    if (revoke_leaf) entries.push_back({"1234", kStart + std::chrono::hours(1), 1});
    return CrlIndex(build_crl(key, cert, spec, entries, *rng), "crl.pem");
  }

  VerifyRequest request(TimePoint at) const {
    VerifyRequest r;
    r.name = "term.crt";
    r.chain = {leaf};
    r.anchors = {ca_cert};
    r.anchors_name = "ca.crt";
    r.at = at;
    return r;
  }
};

}  // namespace

TEST_CASE("verify_path: a valid path names every subject, leaf first") {
  World w;
  const auto r = verify_path(w.request(kStart + std::chrono::days(1)));
  CHECK(r.valid());
  CHECK(r.subject == "CN=term-1");
  CHECK(r.path == std::vector<std::string>{"CN=term-1", "CN=Unit CA"});
}

TEST_CASE("verify_path: expired, unknown issuer and wrong purpose, each with its detail") {
  World w;
  auto late = verify_path(w.request(kStart + std::chrono::days(8)));
  CHECK(late.failure == "expired (not after 2027-01-22T08:00:00Z)");
  CHECK(late.path.empty());

  auto req = w.request(kStart + std::chrono::days(1));
  auto other_key = crypto::generate_key(crypto::KeyType::p256, *w.rng);
  req.anchors = {w.self_signed(*other_key, "Other CA")};
  req.anchors_name = "other.crt";
  CHECK(verify_path(req).failure == "unknown issuer (issuer CN=Unit CA is not in other.crt)");

  req = w.request(kStart + std::chrono::days(1));
  req.purpose = crypto::Purpose::server;
  CHECK(verify_path(req).failure == "wrong purpose (not certified for server authentication)");
  req.purpose = crypto::Purpose::client;
  CHECK(verify_path(req).valid());
}

TEST_CASE("verify_path: a CRL of the issuer revokes; a CRL of another issuer is not consulted") {
  World w;
  const std::vector<CrlIndex> crls = [&] {
    std::vector<CrlIndex> v;
    v.push_back(w.crl(*w.ca_key, w.ca_cert, true));
    return v;
  }();
  auto req = w.request(kStart + std::chrono::days(1));
  req.crls = crls;
  const auto r = verify_path(req);
  CHECK(r.failure == "revoked on 2027-01-15T09:00:00Z, reason keyCompromise, per crl.pem");
  CHECK(r.path.size() == 2);  // the path validated; revocation came after

  auto other_key = crypto::generate_key(crypto::KeyType::p256, *w.rng);
  const auto other_ca = w.self_signed(*other_key, "Other CA");
  std::vector<CrlIndex> unrelated;
  unrelated.push_back(w.crl(*other_key, other_ca, true));
  req.crls = unrelated;
  CHECK(verify_path(req).valid());
}

TEST_CASE("verify_path: a CRL in the issuer's name but not signed by its key, and a stale CRL, are refused") {
  World w;
  auto impostor_key = crypto::generate_key(crypto::KeyType::p256, *w.rng);
  const auto impostor = w.self_signed(*impostor_key, "Unit CA");  // same name, other key
  std::vector<CrlIndex> forged;
  forged.push_back(w.crl(*impostor_key, impostor, true));
  auto req = w.request(kStart + std::chrono::days(1));
  req.crls = forged;
  CHECK_THROWS_WITH_AS(verify_path(req),
                       "term.crt: crl.pem claims to be from CN=Unit CA but its signature does not verify with that "
                       "CA's key",
                       CheckFailed);

  std::vector<CrlIndex> crls;
  crls.push_back(w.crl(*w.ca_key, w.ca_cert, false));
  req = w.request(kStart + std::chrono::days(3));  // past the CRL's next update
  req.crls = crls;
  CHECK_THROWS_WITH_AS(verify_path(req), doctest::Contains("crl.pem is stale"), InputError);
  req.allow_stale = true;
  CHECK(verify_path(req).valid());
}
