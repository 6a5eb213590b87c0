// The gate's reading of a request: routes and ids, the join body, the content type.
#include <doctest/doctest.h>

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
