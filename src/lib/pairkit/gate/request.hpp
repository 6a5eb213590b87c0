// What the gate reads from a client's HTTP request, apart from the
// transport: the route of a path, the POST /v1/pair body, the content
// type. Each function takes attacker-controlled bytes (tests/fuzz/).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pairkit::gate {

enum class RouteKind {
  pair,
  pair_status,
  config,
  healthz,
  metrics,
  est_cacerts,         ///< GET /.well-known/est/cacerts
  est_simpleenroll,    ///< POST /.well-known/est/simpleenroll
  est_simplereenroll,  ///< POST /.well-known/est/simplereenroll
  est_csrattrs,        ///< GET /.well-known/est/csrattrs
  crl,                 ///< GET /v1/crl
  check,               ///< GET /v1/check
  unknown
};

struct Route {
  RouteKind kind = RouteKind::unknown;
  int64_t id = 0;       ///< the {id} of /v1/pair/{id}
  std::string pattern;  ///< "/v1/pair/{id}" (metrics and logs), "other" when unknown
  std::string allow;    ///< the methods the route takes ("POST"), for 405's Allow
};

/// The route of a request target ("/v1/pair/17?x=1"): the query is ignored;
/// an id is 1 to 18 decimal digits without a leading zero, anything else
/// under /v1/pair/ is unknown.
Route match_route(std::string_view target);

/// A client's mistake, answered 400 bad_request with this message.
struct BadRequest {
  std::string message;
};

/// The body of POST /v1/pair.
struct JoinBody {
  std::string serial;
  std::optional<std::string> invite;
};

/// Parses the JSON body of POST /v1/pair; throws BadRequest naming the field.
/// serial: 1..64 of [A-Za-z0-9._-]; invite: 1..64 of [A-Za-z0-9]; other
/// members are ignored (newer clients may send more).
JoinBody parse_join_body(std::string_view body);

/// The DER of the one certificate a trusted proxy passed in its header
/// ([check] cert_header): URL-encoded PEM (nginx's $ssl_client_escaped_cert),
/// PEM on one line, or base64 DER (HAProxy's ssl_c_der,base64). Throws
/// BadRequest for anything else, including more than one certificate.
std::vector<uint8_t> forwarded_certificate(std::string_view header);

/// Whether a Content-Type header names `type` ("application/json", in any
/// case, optionally with parameters such as "; charset=utf-8").
bool is_content_type(std::string_view value, std::string_view type);
/// is_content_type(value, "application/json").
bool is_json_content_type(std::string_view value);

}  // namespace pairkit::gate
