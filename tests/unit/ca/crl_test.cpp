// CRL building and the indexed CRL reader, serial and reason parsing.
#include <doctest/doctest.h>

#include <algorithm>

#include <botan/hex.h>
#include <botan/x509_crl.h>

#include "pairkit/ca/authority.hpp"
#include "pairkit/ca/crl.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/keys.hpp"

using namespace pairkit;
using namespace pairkit::ca;

namespace {
struct TestCa {
  std::unique_ptr<Botan::Private_Key> key;
  Botan::X509_Certificate cert;
};

TestCa make_ca(Botan::RandomNumberGenerator& rng, const std::string& cn) {
  auto key = crypto::generate_key(crypto::KeyType::p256, rng);
  crypto::CertSpec spec;
  crypto::Subject s;
  s.common_name = cn;
  spec.subject = s.to_dn();
  spec.profile = crypto::Profile::ca;
  spec.not_before = TimePoint(std::chrono::seconds(1'800'000'000));
  spec.not_after = spec.not_before + std::chrono::days(3650);
  auto cert = crypto::self_sign(*key, spec, rng);
  return {std::move(key), std::move(cert)};
}

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
}  // namespace

TEST_CASE("serials normalise to openssl's upper-case hex") {
  CHECK(normalize_serial("0x0a:1b:2c") == "0A1B2C");
  CHECK(normalize_serial("abc") == "0ABC");
  CHECK(normalize_serial("00FF") == "FF");
  CHECK_THROWS_AS(normalize_serial("xyz"), UsageError);
  CHECK_THROWS_AS(normalize_serial(""), UsageError);
  const uint8_t m[] = {0x00, 0x80, 0x01};
  CHECK(serial_hex(m) == "8001");
}

TEST_CASE("RFC 5280 reason names") {
  CHECK(parse_reason("keyCompromise") == 1);
  CHECK(parse_reason("KEYCOMPROMISE") == 1);
  CHECK(parse_reason("aACompromise") == 10);
  CHECK(reason_name(5) == "cessationOfOperation");
  CHECK(reason_name(7) == "unknown(7)");
  CHECK(reason_name(std::optional<int>(1)) == "keyCompromise");
  CHECK(reason_name(std::optional<int>()) == "unspecified");
  CHECK_THROWS_AS(parse_reason("lost"), UsageError);
}

TEST_CASE("a built CRL is indexed: number, AKI, entries, reasons, signature") {
  auto rng = make_seeded_rng(7);
  const auto ca = make_ca(*rng, "Unit CA");
  const auto other = make_ca(*rng, "Unit CA");  // same name, other key
  std::vector<RevokedEntry> entries;
  for (int i = 1; i <= 2000; ++i) {
    RevokedEntry e;
    uint8_t s[16];
    rng->randomize(s, sizeof s);
    s[0] = static_cast<uint8_t>(i % 2 ? s[0] | 0x80 : s[0] & 0x7f);  // both signs of the top bit
    e.serial = serial_hex(s);
    e.revoked_at = TimePoint(std::chrono::seconds(1'800'000'000 + i));
    if (i % 3) e.reason = i % 11 == 7 ? 1 : i % 11;
    entries.push_back(e);
  }
  CrlSpec spec;
  spec.number = 300;
  spec.this_update = TimePoint(std::chrono::seconds(1'800'100'000));
  spec.next_update = spec.this_update + std::chrono::days(7);
  const auto der = build_crl(*ca.key, ca.cert, spec, entries, *rng);
  for (const auto& data : {der, bytes(crl_pem(der))}) {
    const CrlIndex crl(data, "unit.crl");
    CHECK(crl.size() == entries.size());
    CHECK(crl.number() == 300u);
    CHECK(crl.issuer() == ca.cert.subject_dn());
    CHECK(crl.this_update() == spec.this_update);
    CHECK(crl.next_update() == spec.next_update);
    CHECK(crl.authority_key_id() == ca.cert.subject_key_id());
    CHECK(crl.signed_by(ca.cert));
    CHECK_FALSE(crl.signed_by(other.cert));
    for (const auto& e : entries) {
      const auto hit = crl.find(e.serial);
      REQUIRE(hit);
      CHECK(hit->revoked_at == e.revoked_at);
      CHECK(hit->reason == e.reason);
    }
    CHECK_FALSE(crl.find(std::string("0BADC0FFEE")));
    size_t i = 0;
    crl.for_each_entry([&](const RevokedEntry& e) {
      REQUIRE(i < entries.size());
      CHECK(e.serial == entries[i].serial);  // in the CRL's order
      CHECK(e.reason == entries[i].reason);
      ++i;
    });
    CHECK(i == entries.size());
  }
  // Botan's own CRL decoder agrees.
  const Botan::X509_CRL botan(der);
  CHECK(botan.get_revoked().size() == entries.size());
  CHECK(botan.crl_number() == 300u);
}

TEST_CASE("serials that share their length and first bytes, or differ only in length, are told apart") {
  auto rng = make_seeded_rng(10);
  const auto ca = make_ca(*rng, "Unit CA");
  std::vector<RevokedEntry> entries;
  auto add = [&](const std::string& serial) {
    RevokedEntry e;
    e.serial = serial;
    e.revoked_at = TimePoint(std::chrono::seconds(1'800'000'000 + entries.size()));
    entries.push_back(e);
  };
  // 3,000 serials alike in their first 12 bytes (the index's keys hold 7),
  // interleaved with short ones, and serials that are prefixes of others.
  for (int i = 0; i < 3000; i += 2) {
    add("5EC1A1AAAAAAAAAAAAAAAAAA" + Botan::hex_encode(std::vector<uint8_t>{uint8_t(i >> 8), uint8_t(i)}) + "77");
    add(Botan::hex_encode(std::vector<uint8_t>{uint8_t(i >> 8 | 0x10), uint8_t(i)}));
  }
  add("5EC1A1AAAAAAAAAAAAAAAAAA");
  add("5EC1A1AAAAAAAA");
  add("5EC1A1");
  add("00");
  CrlSpec spec;
  spec.this_update = TimePoint(std::chrono::seconds(1'800'100'000));
  spec.next_update = spec.this_update + std::chrono::days(7);
  const CrlIndex crl(build_crl(*ca.key, ca.cert, spec, entries, *rng), "alike.crl");
  CHECK(crl.size() == entries.size());
  for (const auto& e : entries) {
    const auto hit = crl.find(e.serial);
    REQUIRE(hit);
    CHECK(hit->serial == e.serial);
    CHECK(hit->revoked_at == e.revoked_at);
  }
  for (const char* absent : {"5EC1A1AAAAAAAAAAAAAAAAAA000177", "5EC1A1AAAAAAAAAAAAAAAAAA0000", "5EC1A1AA", "1001", "01"})
    CHECK_FALSE(crl.find(std::string(absent)));
}

TEST_CASE("a CRL that lists a serial twice is refused, however many times and wherever") {
  auto rng = make_seeded_rng(11);
  const auto ca = make_ca(*rng, "Unit CA");
  CrlSpec spec;
  spec.this_update = TimePoint(std::chrono::seconds(1'800'100'000));
  spec.next_update = spec.this_update + std::chrono::days(7);
  // Two dates and two reasons for one certificate: a verifier cannot tell
  // which the issuer meant.
  std::vector<RevokedEntry> two(3);
  two[0] = {"0A", TimePoint(std::chrono::seconds(1'800'000'000)), 6};
  two[1] = {"0B", TimePoint(std::chrono::seconds(1'800'000'500)), std::nullopt};
  two[2] = {"0A", TimePoint(std::chrono::seconds(1'800'001'000)), 1};
  CHECK_THROWS_WITH_AS(CrlIndex(build_crl(*ca.key, ca.cert, spec, two, *rng), "two.crl"),
                       doctest::Contains("two.crl lists serial 0A more than once"), InputError);
  // The index's worst case: every entry alike (quadratic in the hash table
  // this index replaced). Refused after one sort.
  std::vector<RevokedEntry> same(200'000, RevokedEntry{"01", TimePoint(std::chrono::seconds(1'800'000'000)), 1});
  CHECK_THROWS_WITH_AS(CrlIndex(build_crl(*ca.key, ca.cert, spec, same, *rng), "same.crl"),
                       doctest::Contains("same.crl lists serial 01 more than once"), InputError);
  // A long serial is shortened in the message.
  const std::string long_serial = "7F" + std::string(200, 'E');
  std::vector<RevokedEntry> big(2, RevokedEntry{long_serial, TimePoint(std::chrono::seconds(1'800'000'000)), {}});
  CHECK_THROWS_WITH_AS(CrlIndex(build_crl(*ca.key, ca.cert, spec, big, *rng), "big.crl"),
                       doctest::Contains("lists serial 7FEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE... (101 bytes) more than once"),
                       InputError);
}

TEST_CASE("the CRL reader refuses what is not a CRL") {
  auto rng = make_seeded_rng(8);
  const auto ca = make_ca(*rng, "Unit CA");
  CHECK_THROWS_AS(CrlIndex(bytes("garbage"), "g"), InputError);
  CHECK_THROWS_AS(CrlIndex(bytes(ca.cert.PEM_encode()), "c.pem"), InputError);
  CHECK_THROWS_AS(CrlIndex(ca.cert.BER_encode(), "c.der"), InputError);
  CrlSpec spec;
  spec.this_update = TimePoint(std::chrono::seconds(1'800'000'000));
  spec.next_update = spec.this_update + std::chrono::hours(1);
  auto der = build_crl(*ca.key, ca.cert, spec, {}, *rng);
  der.resize(der.size() - 10);
  CHECK_THROWS_AS(CrlIndex(der, "short"), InputError);
}

TEST_CASE("a CRL past its next update is stale unless stale ones are allowed") {
  auto rng = make_seeded_rng(9);
  const auto ca = make_ca(*rng, "Unit CA");
  CrlSpec spec;
  spec.this_update = TimePoint(std::chrono::seconds(1'800'000'000));
  spec.next_update = spec.this_update + std::chrono::hours(1);
  const CrlIndex crl(build_crl(*ca.key, ca.cert, spec, {}, *rng), "old.crl");
  CHECK_NOTHROW(crl.require_fresh(spec.next_update, false));
  CHECK_THROWS_WITH_AS(crl.require_fresh(spec.next_update + std::chrono::seconds(1), false),
                       "old.crl is stale: its next update was due 2027-01-15T09:00:00Z (issue a new one, or pass "
                       "--allow-stale)",
                       InputError);
  CHECK_NOTHROW(crl.require_fresh(spec.next_update + std::chrono::days(30), true));
}

TEST_CASE("the intermediate profile takes no --san") {
  SignOptions o;
  o.profile = crypto::Profile::intermediate;
  CHECK_NOTHROW(check_sign_options(o));
  o.sans = {crypto::parse_san("dns:a.local")};
  CHECK_THROWS_WITH_AS(check_sign_options(o), "the intermediate profile takes no --san", UsageError);
  o.profile = crypto::Profile::server;
  CHECK_NOTHROW(check_sign_options(o));
}

TEST_CASE("profile SANs: requested names kept where allowed, --san replaces its type") {
  using crypto::parse_san;
  const std::vector<crypto::SubjectAltName> req = {parse_san("dns:a.local"), parse_san("ip:fd00::1"),
                                                   parse_san("email:x@example.com")};
  auto t = profile_sans(crypto::Profile::terminal, req, {});
  CHECK(t.size() == 2);
  auto s = profile_sans(crypto::Profile::server, req, {parse_san("ip:2001:db8::1")});
  CHECK(s == std::vector<crypto::SubjectAltName>{parse_san("dns:a.local"), parse_san("ip:2001:db8::1")});
  CHECK(profile_sans(crypto::Profile::intermediate, req, {}).empty());
}

TEST_CASE("load_request: a tampered request is refused by its signature") {
  auto rng = make_seeded_rng(9);
  const auto key = crypto::generate_key(crypto::KeyType::p256, *rng);
  crypto::Subject s;
  s.common_name = "term-0001";
  auto der = crypto::make_request(*key, s.to_dn(), {}, *rng).BER_encode();
  CHECK_NOTHROW(load_request(der, "ok.csr"));
  const std::string cn = "term-0001";
  auto it = std::search(der.begin(), der.end(), cn.begin(), cn.end());
  REQUIRE(it != der.end());
  it[5] = '9';
  CHECK_THROWS_WITH_AS(load_request(der, "bad.csr"), doctest::Contains("signature does not verify"), InputError);
}
