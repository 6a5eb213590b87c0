// The pairing payload grammar: round trips, the version-5-at-M claim, and
// strict refusal of everything else.
#include <doctest/doctest.h>

#include <string>

#include "pairkit/core/error.hpp"
#include "pairkit/qr/payload.hpp"
#include "pairkit/qr/render.hpp"

using namespace pairkit;

namespace {
qr::PairingPayload sample() {
  qr::PairingPayload p;
  p.host = "GATE.LOCAL";
  p.port = 8443;
  p.cert_sha256.assign(32, 0xAB);
  p.id = "TERM-0042";
  return p;
}
}  // namespace

TEST_CASE("a pairing payload round-trips and uses only QR alphanumeric characters") {
  const auto p = sample();
  const std::string text = qr::encode_payload(p);
  CHECK(text.starts_with("PK1/"));
  CHECK(text.ends_with("/GATE.LOCAL:8443/TERM-0042"));
  for (char c : text) CHECK(std::string("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:").find(c) != std::string::npos);
  const auto back = qr::parse_payload(text);
  CHECK(back.host == p.host);
  CHECK(back.port == p.port);
  CHECK(back.cert_sha256 == p.cert_sha256);
  CHECK(back.id == p.id);
  CHECK(back.address() == "gate.local:8443");
}

TEST_CASE("IPv6 and IPv4 hosts, and no ID") {
  std::string host;
  uint16_t port = 0;
  qr::parse_address("[fe80::1:2]:443", host, port);
  CHECK(host == "FE80::1:2");
  CHECK(port == 443);
  auto p = sample();
  p.host = host;
  p.port = port;
  p.id.clear();
  const auto back = qr::parse_payload(qr::encode_payload(p));
  CHECK(back.address() == "[fe80::1:2]:443");
  CHECK(back.id.empty());
  qr::parse_address("10.0.0.7:8443", host, port);
  CHECK(host == "10.0.0.7");
  CHECK_THROWS_AS(qr::parse_address("fe80::1:443", host, port), UsageError);
  CHECK_THROWS_AS(qr::parse_address("gate.local", host, port), UsageError);
  CHECK_THROWS_AS(qr::parse_address("gate.local:0", host, port), UsageError);
  CHECK_THROWS_AS(qr::parse_address("gate.local:65536", host, port), UsageError);
  CHECK_THROWS_AS(qr::parse_address("gate_x.local:1", host, port), UsageError);
  CHECK_THROWS_AS(qr::normalize_id("TERM 1"), UsageError);
  CHECK_THROWS_AS(qr::normalize_id(std::string(19, 'A')), UsageError);
}

TEST_CASE("the longest allowed payload fits a version 5 symbol at EC level M") {
  auto p = sample();
  // The longest host, the largest port, the longest ID.
  p.host = std::string(20, 'A') + "." + std::string(19, 'B');
  REQUIRE(p.host.size() == qr::kMaxHostLength);
  p.port = 65535;
  p.id = std::string(qr::kMaxIdLength, 'Z');
  const std::string text = qr::encode_payload(p);
  CHECK(text.size() == qr::kMaxPayloadLength);
  const auto sym = qr::encode_symbol(text, qr::Ecc::M);
  CHECK(sym.version <= 5);
  // An IPv6 host of the longest form as well.
  p.host = "FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF";
  CHECK(qr::encode_symbol(qr::encode_payload(p), qr::Ecc::M).version <= 5);
  // One character more in any field is refused when encoding.
  p.id += "Z";
  CHECK_THROWS_AS(qr::encode_payload(p), UsageError);
}

TEST_CASE("scanned text that is not a valid payload is refused with the reason") {
  const std::string good = qr::encode_payload(sample());
  auto reason = [](const std::string& t) {
    try {
      qr::parse_payload(t);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_FALSE(qr::is_pairkit_payload("https://example.com/"));
  CHECK_FALSE(qr::is_pairkit_payload("PKG/123"));
  CHECK(reason("https://example.com/").find("not a pairkit pairing payload") != std::string::npos);
  CHECK(reason("PK2" + good.substr(3)).find("unsupported pairing payload version 2") != std::string::npos);
  CHECK(reason(good + "/" + std::string(150, 'A')).find("too long") != std::string::npos);
  std::string bad = good;
  bad[10] = 'a';
  CHECK(reason(bad).find("bad character 'a' in the fingerprint") != std::string::npos);
  bad = good;
  bad.erase(10, 1);
  CHECK(reason(bad).find("bad fingerprint length: 51") != std::string::npos);
  bad = good;
  bad[55] = 'B';  // the last base32 character carries 4 stray bits
  CHECK(reason(bad).find("not canonical") != std::string::npos);
  CHECK(reason("PK1/" + good.substr(4, 52) + "/gate.local:1").find("bad character 'g' in the host") != std::string::npos);
  CHECK(reason("PK1/" + good.substr(4, 52) + "/GATE:99999").find("bad port") != std::string::npos);
  CHECK(reason("PK1/" + good.substr(4, 52) + "/GATE").find("no :port") != std::string::npos);
  CHECK(reason("PK1/" + good.substr(4, 52) + "/GATE:1/ID/X").find("fields") != std::string::npos);
  CHECK(reason("PK1/" + good.substr(4, 52) + "/GATE:1/I D").find("bad character ' '") == std::string::npos);
  CHECK(reason("PK1/" + good.substr(4, 52) + "/GATE:1/I D").find("device ID") != std::string::npos);
}
