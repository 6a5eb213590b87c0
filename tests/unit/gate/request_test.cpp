// The gate's reading of a request: routes and ids, the join body, the content
// type, and a proxy's certificate header.
#include <doctest/doctest.h>

#include <cctype>
#include <cstdio>

#include "pairkit/gate/request.hpp"

using namespace pairkit::gate;

TEST_CASE("routes: patterns, ids without leading zeros, the query ignored") {
  CHECK(match_route("/v1/pair").kind == RouteKind::pair);
  CHECK(match_route("/v1/pair").allow == "POST");
  const auto r = match_route("/v1/pair/17?x=1");
  CHECK(r.kind == RouteKind::pair_status);
  CHECK(r.id == 17);
  CHECK(r.pattern == "/v1/pair/{id}");
  CHECK(match_route("/v1/pair/999999999999999999").id == 999999999999999999);
  for (const char* bad : {"/v1/pair/", "/v1/pair/0", "/v1/pair/017", "/v1/pair/1x", "/v1/pair/-1",
                          "/v1/pair/9999999999999999999", "/v1/pair/1/2", "/v1/pair/%31", "/V1/pair", "", "*"}) {
    CAPTURE(bad);
    CHECK(match_route(bad).kind == RouteKind::unknown);
    CHECK(match_route(bad).pattern == "other");
  }
  CHECK(match_route("/healthz").kind == RouteKind::healthz);
  CHECK(match_route("/metrics?x").kind == RouteKind::metrics);
  CHECK(match_route("/v1/config").kind == RouteKind::config);
}

TEST_CASE("the join body: serial and invite, each checked, other members ignored") {
  auto b = parse_join_body(R"({"serial": "TERM-0042", "invite": "ABCDEFGHJKMNPQRS", "future": 1})");
  CHECK(b.serial == "TERM-0042");
  CHECK(b.invite == "ABCDEFGHJKMNPQRS");
  CHECK_FALSE(parse_join_body(R"({"serial": "a.b_c-D", "invite": null})").invite);
  auto message = [](const char* body) {
    try {
      parse_join_body(body);
    } catch (const BadRequest& e) {
      return e.message;
    }
    return std::string("accepted");
  };
  CHECK(message("") == "the body is not JSON");
  CHECK(message("{\"serial\": ") == "the body is not JSON");
  CHECK(message("[]") == "the body must be a JSON object");
  CHECK(message("{}") == "the field 'serial' is missing");
  CHECK(message(R"({"serial": 42})") == "the field 'serial' must be a string");
  CHECK(message(R"({"serial": ""})") == "the field 'serial' must be 1 to 64 of A-Z a-z 0-9 . _ -");
  CHECK(message(R"({"serial": "../x"})") == "the field 'serial' must be 1 to 64 of A-Z a-z 0-9 . _ -");
  CHECK(message(("{\"serial\": \"" + std::string(65, 'a') + "\"}").c_str()) ==
        "the field 'serial' must be 1 to 64 of A-Z a-z 0-9 . _ -");
  CHECK(message(("{\"serial\": \"" + std::string(64, 'a') + "\"}").c_str()) == "accepted");
  CHECK(message(R"({"serial": "T", "invite": 5})") == "the field 'invite' must be a string");
  CHECK(message(R"({"serial": "T", "invite": "AB-CD"})") == "the field 'invite' must be 1 to 64 letters and digits");
}

TEST_CASE("content type: application/json in any case, with parameters") {
  CHECK(is_json_content_type("application/json"));
  CHECK(is_json_content_type("Application/JSON; charset=utf-8"));
  CHECK(is_json_content_type(" application/json ;x"));
  CHECK_FALSE(is_json_content_type(""));
  CHECK_FALSE(is_json_content_type("application/jsonx"));
  CHECK_FALSE(is_json_content_type("text/plain"));
  CHECK_FALSE(is_json_content_type("application/x-www-form-urlencoded"));
}

TEST_CASE("forwarded_certificate: URL-encoded PEM, PEM on one line, base64 DER; one certificate only") {
  // A self-signed P-256 certificate (openssl req -x509).
  const std::string b64 =
      "MIIBeDCCAR+gAwIBAgIUNbvEHFuc04nbb+LC7EJjEhRwXBwwCgYIKoZIzj0EAwIw"
      "EjEQMA4GA1UEAwwHVEVSTS0wMTAeFw0yNjExMzAwNzE4MDRaFw0zNjExMjcwNzE4"
      "MDRaMBIxEDAOBgNVBAMMB1RFUk0tMDEwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC"
      "AAQQFtwuxv6N6eHMdhIeGb9Gy8L32iKNQPtyvkFSg1O4mpXaXwmJ5FsXHSTxuFZg"
      "SHP01P/mAfZUUc+uQ/5LV04xo1MwUTAdBgNVHQ4EFgQUe71MGs/7Tt2kJpMrW01w"
      "2TQR+3kwHwYDVR0jBBgwFoAUe71MGs/7Tt2kJpMrW01w2TQR+3kwDwYDVR0TAQH/"
      "BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiA43xpUIoA7BLzHqQmUXSUWJyeC2HD9"
      "P5Zdw/tq5/i9hwIgS7bCV4SWeIoLpHSSBnqM+hq4UKwsdx2O+v4JfKPHy7U=";
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  pem += "-----END CERTIFICATE-----\n";
  std::string escaped;
  for (const char c : pem) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
      escaped += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      escaped += buf;
    }
  }
  std::string one_line = pem;
  for (char& c : one_line)
    if (c == '\n') c = ' ';
  const auto der = forwarded_certificate(escaped);
  CHECK(der.size() > 300);
  CHECK(forwarded_certificate(one_line) == der);
  CHECK(forwarded_certificate(b64) == der);
  for (const std::string& bad : {std::string(), std::string("%"), std::string("%4"), std::string("%zz"), std::string("garbage!"),
                                b64.substr(0, 200), pem + pem, "-----BEGIN CERTIFICATE-----" + b64,
                                "junk " + one_line, std::string("AAAA"), std::string(70 * 1024, 'A')}) {
    CAPTURE(bad.substr(0, 40));
    CHECK_THROWS_AS(forwarded_certificate(bad), BadRequest);
  }
}
