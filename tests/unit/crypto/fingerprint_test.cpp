// Fingerprint formats, including Syncthing's published device-ID vector.
#include <doctest/doctest.h>

#include <botan/base32.h>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/fingerprint.hpp"

using namespace pairkit::crypto;

TEST_CASE("base32 device ID reproduces Syncthing's vector") {
  // Syncthing's published example: the 52-character base32 of a SHA-256.
  const std::string b32 = "P56IOI7MZJNU2IQGDREYDM2MGTMGL3BXNPQ6W5BTBBZ4TJXZWICQ====";
  const auto bytes = Botan::base32_decode(b32);
  REQUIRE(bytes.size() == 32);
  CHECK(base32_device_id(bytes) == "P56IOI7-MZJNU2Y-IQGDREY-DM2MGTI-MGL3BXN-PQ6W5BM-TBBZ4TJ-XZWICQ2");
}

TEST_CASE("colon hex, pin and hex of a known digest") {
  const std::string abc = "abc";
  const std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(abc.data()), abc.size());
  CHECK(fingerprint(data, HashAlg::sha256, FpFormat::hex) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(fingerprint(data, HashAlg::sha256, FpFormat::colon).substr(0, 11) == "BA:78:16:BF");
  CHECK(fingerprint(data, HashAlg::sha256, FpFormat::pin) == "sha256//ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  CHECK(fingerprint(data, HashAlg::sha1, FpFormat::hex) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK_THROWS_AS(fingerprint(data, HashAlg::sha1, FpFormat::pin), pairkit::UsageError);
  CHECK_THROWS_AS(fingerprint(data, HashAlg::sha1, FpFormat::base32), pairkit::UsageError);
}

TEST_CASE("user-typed SHA-256 fingerprints normalise") {
  const std::string hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  CHECK(normalize_sha256_hex(hex) == hex);
  CHECK(normalize_sha256_hex("SHA256:" + colon_hex(std::vector<uint8_t>{0xBA}) + hex.substr(2)) == hex);
  CHECK(normalize_sha256_hex("xyz").empty());
  CHECK(normalize_sha256_hex(hex.substr(2)).empty());
}

TEST_CASE("parsers reject unknown names") {
  CHECK_THROWS_AS(parse_hash("md5"), pairkit::UsageError);
  CHECK_THROWS_AS(parse_fp_format("rot13"), pairkit::UsageError);
}
