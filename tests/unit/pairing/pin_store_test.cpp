// Pin store: fingerprint forms, add / replace / remove, corrupt files.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/pairing/pin_store.hpp"

using namespace pairkit;
using namespace pairkit::pairing;
namespace fs = std::filesystem;

namespace {
Botan::X509_Certificate make_cert(uint64_t seed) {
  auto rng = make_seeded_rng(seed);
  const auto key = crypto::generate_key(crypto::KeyType::p256, *rng);
  crypto::CertSpec s;
  crypto::Subject subj;
  subj.common_name = "gate";
  s.subject = subj.to_dn();
  s.profile = crypto::Profile::server;
  s.not_before = TimePoint(std::chrono::seconds(1'800'000'000));
  s.not_after = s.not_before + std::chrono::days(7);
  return crypto::self_sign(*key, s, *rng);
}

Pin pin(const std::string& name, const std::string& fp, const std::string& address = "") {
  return {name, address, fp, TimePoint(std::chrono::seconds(1'800'000'000)), "fingerprint"};
}

const std::string kFpA = "AA:" + std::string("BB:") + "CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";
}  // namespace

TEST_CASE("fingerprint forms normalise") {
  const std::string hex = "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899";
  CHECK(normalize_pin_fingerprint(hex) == kFpA);
  CHECK(normalize_pin_fingerprint("SHA256:" + kFpA) == kFpA);
  const std::string spki = "sha256//" + std::string(43, 'A') + "=";
  CHECK(normalize_pin_fingerprint(spki) == spki);
  CHECK_THROWS_AS(normalize_pin_fingerprint("sha256//AAAA"), UsageError);
  CHECK_THROWS_AS(normalize_pin_fingerprint("abcd"), UsageError);
}

TEST_CASE("a certificate matches its SHA-256 and its SPKI pin, and nothing else") {
  const auto a = make_cert(1), b = make_cert(2);
  const std::string sha = fingerprint_like("", a);
  const std::string spki = fingerprint_like("sha256//x", a);
  CHECK(sha == crypto::fingerprint(a.BER_encode(), crypto::HashAlg::sha256, crypto::FpFormat::colon));
  CHECK(pin_matches(sha, a));
  CHECK(pin_matches(spki, a));
  CHECK_FALSE(pin_matches(sha, b));
  CHECK_FALSE(pin_matches(spki, b));
}

TEST_CASE("a mismatch names the source and both fingerprints, in the pin's kind") {
  const auto a = make_cert(1), b = make_cert(2);
  const std::string sha = fingerprint_like("", a);
  const std::string spki = fingerprint_like("sha256//x", a);
  CHECK_NOTHROW(require_pin_match(pin("gate", sha, ""), a, "a.pem"));
  CHECK_NOTHROW(require_pin_match(pin("gate", spki, ""), a, "a.pem"));
  CHECK_THROWS_WITH_AS(require_pin_match(pin("gate", sha, ""), b, "b.pem"),
                       ("fingerprint of b.pem is SHA256:" + fingerprint_like("", b) + ", pin 'gate' expects SHA256:" + sha)
                           .c_str(),
                       CheckFailed);
  CHECK_THROWS_WITH_AS(require_pin_match(pin("gate", spki, ""), b, "the server at h:1"),
                       ("SPKI pin of the server at h:1 is " + fingerprint_like(spki, b) + ", pin 'gate' expects " + spki)
                           .c_str(),
                       CheckFailed);
}

TEST_CASE("add, unchanged, refused re-pin, forced re-pin, remove") {
  TempDir d;
  const std::string store = d.path() + "/pins.toml";
  CHECK(load_pins(store).empty());
  CHECK(add_pin(store, pin("gate", kFpA, "10.0.0.5:8443"), false).kind == AddResult::added);
  CHECK(add_pin(store, pin("gate", kFpA, "10.0.0.5:8443"), false).kind == AddResult::unchanged);
  const std::string other = normalize_pin_fingerprint(std::string(64, '1'));
  CHECK_THROWS_WITH_AS(add_pin(store, pin("gate", other, "10.0.0.5:8443"), false),
                       doctest::Contains(("fingerprint " + kFpA + " -> " + other).c_str()), InputError);
  CHECK_THROWS_WITH_AS(add_pin(store, pin("gate", kFpA, "10.0.0.6:8443"), false),
                       doctest::Contains("address 10.0.0.5:8443 -> 10.0.0.6:8443"), InputError);
  const auto r = add_pin(store, pin("gate", other, "10.0.0.6:8443"), true);
  CHECK(r.kind == AddResult::replaced);
  add_pin(store, pin("alpha", kFpA), false);
  const auto pins = load_pins(store);
  REQUIRE(pins.size() == 2);
  CHECK(pins[0].name == "alpha");  // sorted for diffable files
  CHECK(pins[1].fingerprint == other);
  CHECK(pins[1].address == "10.0.0.6:8443");
  remove_pin(store, "alpha");
  CHECK(load_pins(store).size() == 1);
  CHECK_THROWS_AS(remove_pin(store, "alpha"), InputError);
  auto [stored, added] = add_pin_if_absent(store, pin("gate", kFpA));
  CHECK_FALSE(added);
  CHECK(stored.fingerprint == other);
}

TEST_CASE("corrupt or foreign stores are InputErrors naming the file") {
  TempDir d;
  const std::string store = d.path() + "/pins.toml";
  auto write = [&](const std::string& text) { std::ofstream(store) << text; };
  write("[[pin]\nname=");
  CHECK_THROWS_WITH_AS(load_pins(store), doctest::Contains((store + ":").c_str()), InputError);
  write("[[pin]]\nname = \"gate\"\n");
  CHECK_THROWS_WITH_AS(load_pins(store), doctest::Contains("lacks 'fingerprint'"), InputError);
  write("[[pin]]\nname = \"gate\"\nfingerprint = \"xyz\"\nadded = \"2026-01-01T00:00:00Z\"\n");
  CHECK_THROWS_AS(load_pins(store), InputError);
  write("colour = 1\n");
  CHECK_THROWS_WITH_AS(load_pins(store), doctest::Contains("unknown key 'colour'"), InputError);
  write("[[pin]]\nname = \"g\"\nfingerprint = \"" + kFpA + "\"\nadded = \"2026-01-01T00:00:00Z\"\n[[pin]]\nname = \"g\"\n"
        "fingerprint = \"" + kFpA + "\"\nadded = \"2026-01-01T00:00:00Z\"\n");
  CHECK_THROWS_WITH_AS(load_pins(store), doctest::Contains("appears twice"), InputError);
}

TEST_CASE("names and addresses") {
  CHECK_NOTHROW(check_pin_name("gate-1.example_x"));
  CHECK_THROWS_AS(check_pin_name("bad name"), UsageError);
  CHECK_THROWS_AS(check_pin_name(""), UsageError);
  CHECK_NOTHROW(check_address("gate.local:8443"));
  CHECK_NOTHROW(check_address("[fd00::1]:443"));
  CHECK_THROWS_AS(check_address("fd00::1:443"), UsageError);
  CHECK_THROWS_AS(check_address("gate"), UsageError);
  CHECK_THROWS_AS(check_address("gate:99999"), UsageError);
}
