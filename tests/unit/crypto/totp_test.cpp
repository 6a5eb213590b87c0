// TOTP: the RFC 6238 appendix B SHA-1 vectors (8 digits there, 6 for
// operators), the +-1 step window, malformed codes, base32 and the URI.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/base32.hpp"
#include "pairkit/crypto/totp.hpp"

using namespace pairkit;
using namespace pairkit::crypto;

namespace {
const std::string kRfcKey = "12345678901234567890";
std::span<const uint8_t> rfc_secret() {
  return {reinterpret_cast<const uint8_t*>(kRfcKey.data()), kRfcKey.size()};
}
TimePoint at(int64_t s) { return TimePoint(std::chrono::seconds(s)); }
}  // namespace

TEST_CASE("RFC 6238 appendix B, SHA-1") {
  const std::pair<int64_t, const char*> vectors[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
  };
  for (const auto& vector : vectors) {
    // Not a structured binding: clang 14 cannot capture one (CAPTURE is a lambda).
    const int64_t t = vector.first;
    const char* code = vector.second;
    CAPTURE(t);
    CHECK(totp_code(rfc_secret(), totp_step(at(t)), 8) == code);
    // Six digits are the last six of the same truncation.
    CHECK(totp_code(rfc_secret(), totp_step(at(t))) == std::string(code).substr(2));
  }
  CHECK(totp_step(at(59)) == 1);
  CHECK(totp_step(at(60)) == 2);
  CHECK_THROWS_AS(totp_code(rfc_secret(), 1, 9), UsageError);
}

TEST_CASE("a code matches its own step and the steps either side, nothing further") {
  const int64_t now = totp_step(at(1234567890));
  for (int d = -1; d <= 1; ++d) CHECK(totp_match(rfc_secret(), totp_code(rfc_secret(), now + d), now) == now + d);
  CHECK_FALSE(totp_match(rfc_secret(), totp_code(rfc_secret(), now + 2), now));
  CHECK_FALSE(totp_match(rfc_secret(), totp_code(rfc_secret(), now - 2), now));
  for (const char* bad : {"", "12345", "1234567", "12345a", " 12345", "１２３４５６"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_totp_code(bad));
    CHECK_FALSE(totp_match(rfc_secret(), bad, now));
  }
  CHECK(is_totp_code("000000"));
}

TEST_CASE("base32 and the otpauth URI") {
  CHECK(base32_encode(rfc_secret()) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  const auto back = base32_decode("gezdgnbvgy3tqojqgezdgnbvgy3tqojq");
  CHECK(std::string(back.begin(), back.end()) == kRfcKey);
  CHECK(base32_encode(std::vector<uint8_t>{'f', 'o', 'o', 'b'}) == "MZXW6YQ");
  CHECK(base32_decode("MZXW6YQ=") == std::vector<uint8_t>{'f', 'o', 'o', 'b'});
  CHECK_THROWS_AS(base32_decode("MZXW6YQ1"), InputError);
  CHECK_THROWS_AS(base32_decode("MZX"), InputError);
  CHECK(totp_uri("alice", rfc_secret()) ==
        "otpauth://totp/pairkit:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=pairkit&algorithm=SHA1&digits=6&period=30");
}
