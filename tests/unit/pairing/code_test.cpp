// Pairing codes: a golden vector (computed independently with Python's
// hashlib), binding to every input, check characters and the typed forms.
#include <doctest/doctest.h>

#include <vector>

#include "pairkit/core/error.hpp"
#include "pairkit/pairing/code.hpp"

using namespace pairkit;
using namespace pairkit::pairing;

namespace {
std::vector<uint8_t> nonce0() {
  std::vector<uint8_t> n(16);
  for (int i = 0; i < 16; ++i) n[i] = static_cast<uint8_t>(i);
  return n;
}
const std::vector<uint8_t> kT(32, 0x11), kS(32, 0x22);
}  // namespace

TEST_CASE("pairing code golden vector") {
  CHECK(pairing_code(nonce0(), kT, kS) == "BNJDW-PSAWG-QJCKB-V5DNV-DXY56");
}

TEST_CASE("the code changes with the nonce, the terminal and the server certificate") {
  const auto base = pairing_code(nonce0(), kT, kS);
  auto n = nonce0();
  n[15] ^= 1;
  CHECK(pairing_code(n, kT, kS) != base);
  auto t = kT;
  t[0] ^= 1;
  CHECK(pairing_code(nonce0(), t, kS) != base);
  auto s = kS;
  s[31] ^= 0x80;
  CHECK(pairing_code(nonce0(), kT, s) != base);
  CHECK(pairing_code(nonce0(), kS, kT) != base);  // swapping the roles changes it too
}

TEST_CASE("every single-character error in a group is a misread") {
  const std::string code = pairing_code(nonce0(), kT, kS);
  const std::string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  for (size_t pos = 0; pos < code.size(); ++pos) {
    if (code[pos] == '-') continue;
    for (char c : alphabet) {
      if (c == code[pos]) continue;
      std::string typed = code;
      typed[pos] = c;
      CHECK_THROWS_WITH_AS(parse_code(typed), doctest::Contains("was misread"), UsageError);
    }
  }
}

TEST_CASE("adjacent transpositions inside a group are caught") {
  const std::string code = pairing_code(nonce0(), kT, kS);
  for (size_t pos = 0; pos + 1 < code.size(); ++pos) {
    if (code[pos] == '-' || code[pos + 1] == '-' || code[pos] == code[pos + 1]) continue;
    std::string typed = code;
    std::swap(typed[pos], typed[pos + 1]);
    CHECK_THROWS_AS(parse_code(typed), UsageError);
  }
}

TEST_CASE("typed forms: lower case, Crockford aliases, spaces, N:GROUP and '?'") {
  const std::string code = pairing_code(nonce0(), kT, kS);
  auto full = parse_code("bnjdw psawg qjckb v5dnv dxy56");
  CHECK(full.size() == 5);
  CHECK(groups_match(full, code));
  auto some = parse_code("2:PSAWG,5:DXY56");
  REQUIRE(some.size() == 2);
  CHECK(some[0].index == 2);
  CHECK(groups_match(some, code));
  CHECK(groups_match(parse_code("?-PSAWG-?-?-DXY56"), code));
  // A valid group at the wrong position fails its own check (the position is in it).
  CHECK_THROWS_WITH_AS(parse_code("1:PSAWG"), doctest::Contains("misread"), UsageError);
  CHECK_THROWS_WITH_AS(parse_code("BNJDW-PSAWG"), doctest::Contains("has 5 groups"), UsageError);
  CHECK_THROWS_WITH_AS(parse_code("2:PSAWG 2:PSAWG"), doctest::Contains("twice"), UsageError);
  CHECK_THROWS_WITH_AS(parse_code("7:PSAWG"), doctest::Contains("out of range"), UsageError);
  CHECK_THROWS_WITH_AS(parse_code("BNJDW-PSAWG-QJCKB-V5DNV-DXYU6"), doctest::Contains("not a pairing-code character"),
                       UsageError);
  CHECK_THROWS_AS(parse_code(""), UsageError);
  CHECK_THROWS_AS(parse_code("?-?-?-?-?"), UsageError);
}

TEST_CASE("O and I/L read as 0 and 1") {
  // Find a code with a 0 or 1 in it to exercise the aliases.
  for (int k = 0; k < 256; ++k) {
    auto n = nonce0();
    n[0] = static_cast<uint8_t>(k);
    const std::string code = pairing_code(n, kT, kS);
    const auto p = code.find_first_of("01");
    if (p == std::string::npos) continue;
    std::string typed = code;
    typed[p] = code[p] == '0' ? 'O' : 'l';
    CHECK(groups_match(parse_code(typed), code));
    return;
  }
  FAIL("no code with 0 or 1 found");
}

TEST_CASE("nonces") {
  CHECK(nonce_hex(nonce0()) == "000102030405060708090a0b0c0d0e0f");
  CHECK(parse_nonce("000102030405060708090a0b0c0d0e0f") == nonce0());
  CHECK_THROWS_AS(parse_nonce("0001"), UsageError);
  CHECK_THROWS_AS(parse_nonce("zz0102030405060708090a0b0c0d0e0f"), UsageError);
}
