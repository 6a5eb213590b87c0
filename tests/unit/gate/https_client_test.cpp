// The client's address parsing and its refusals before any connection.
#include <doctest/doctest.h>

#include "pairkit/core/error.hpp"
#include "pairkit/gate/https_client.hpp"

using namespace pairkit;
using namespace pairkit::gate;

TEST_CASE("addresses: names, IPv4, bracketed IPv6") {
  CHECK(split_address("gate.example:7741").host == "gate.example");
  CHECK(split_address("gate.example:7741").port == 7741);
  CHECK(split_address("127.0.0.1:1").text() == "127.0.0.1:1");
  const auto v6 = split_address("[::1]:7741");
  CHECK(v6.host == "::1");
  CHECK(v6.text() == "[::1]:7741");
  for (const char* bad : {"gate", "gate:", ":7741", "gate:0", "gate:65536", "gate:77x", "::1:7741", "[::1]7741", "[::1"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(split_address(bad), UsageError);
  }
}

TEST_CASE("a missing device key or certificate is named before any connection") {
  HttpsClientOptions o;
  o.key_pem = "/nonexistent/key.pem";
  o.cert_pem = "/nonexistent/cert.pem";
  CHECK_THROWS_WITH_AS(HttpsClient("127.0.0.1:7741", o), doctest::Contains("/nonexistent/cert.pem"), InputError);
}
