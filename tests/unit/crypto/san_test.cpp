// SAN parsing and GeneralNames encoding (IPv6 included).
#include <doctest/doctest.h>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/san.hpp"

using namespace pairkit::crypto;

TEST_CASE("SAN specs parse and canonicalise") {
  CHECK(parse_san("dns:Gate.Example.COM").value == "gate.example.com");
  CHECK(parse_san("ip:192.168.1.10").ip_bytes.size() == 4);
  const auto v6 = parse_san("ip:2001:0db8:0000:0000:0000:0000:0000:0001");
  CHECK(v6.ip_bytes.size() == 16);
  CHECK(v6.value == "2001:db8::1");
  CHECK(parse_san("uri:spiffe://fleet/term/42").type == SubjectAltName::Type::uri);
  CHECK(parse_san("email:ops@example.com").type == SubjectAltName::Type::email);
}

TEST_CASE("bad SANs are usage errors") {
  for (const char* bad : {"ip:999.1.1.1", "ip:1.2.3", "ip:::g", "dns:", "dns:bad name", "dns:-x.com", "nope",
                          "x500:foo", "uri:no-scheme", "email:nobody"})
    CHECK_THROWS_AS(parse_san(bad), pairkit::UsageError);
}

TEST_CASE("GeneralNames round-trip through DER") {
  const std::vector<SubjectAltName> names = {parse_san("dns:gate.local"), parse_san("ip:10.0.0.1"),
                                             parse_san("ip:fd00::1"), parse_san("uri:urn:x:y"),
                                             parse_san("email:a@b.c")};
  CHECK(decode_general_names(encode_general_names(names)) == names);
}
