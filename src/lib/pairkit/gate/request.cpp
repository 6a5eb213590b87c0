// Route matching and body parsing for the gate's API (gate-api, pairkit-gate(1)).
#include "pairkit/gate/request.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

#include "pairkit/core/error.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/objects.hpp"

namespace pairkit::gate {

namespace {

bool all_of(std::string_view s, bool (*ok)(char)) {
  for (const char c : s)
    if (!ok(c)) return false;
  return true;
}

bool serial_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

bool token_char(char c) { return std::isalnum(static_cast<unsigned char>(c)); }

std::optional<int64_t> parse_id(std::string_view s) {
  if (s.empty() || s.size() > 18 || s.front() == '0') return std::nullopt;
  int64_t n = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

Route match_route(std::string_view target) {
  const auto query = target.find('?');
  const std::string_view path = target.substr(0, query);
  if (path == "/v1/pair") return {RouteKind::pair, 0, "/v1/pair", "POST"};
  if (path == "/v1/config") return {RouteKind::config, 0, "/v1/config", "GET"};
  if (path == "/healthz") return {RouteKind::healthz, 0, "/healthz", "GET"};
  if (path == "/metrics") return {RouteKind::metrics, 0, "/metrics", "GET"};
  if (path == "/v1/crl") return {RouteKind::crl, 0, "/v1/crl", "GET"};
  if (path == "/v1/check") return {RouteKind::check, 0, "/v1/check", "GET"};
  // RFC 7030 3.2.2: the default CA's operations, no label.
  if (path == "/.well-known/est/cacerts") return {RouteKind::est_cacerts, 0, "/.well-known/est/cacerts", "GET"};
  if (path == "/.well-known/est/simpleenroll")
    return {RouteKind::est_simpleenroll, 0, "/.well-known/est/simpleenroll", "POST"};
  if (path == "/.well-known/est/simplereenroll")
    return {RouteKind::est_simplereenroll, 0, "/.well-known/est/simplereenroll", "POST"};
  if (path == "/.well-known/est/csrattrs") return {RouteKind::est_csrattrs, 0, "/.well-known/est/csrattrs", "GET"};
  constexpr std::string_view prefix = "/v1/pair/";
  if (path.substr(0, prefix.size()) == prefix)
    if (const auto id = parse_id(path.substr(prefix.size()))) return {RouteKind::pair_status, *id, "/v1/pair/{id}", "GET"};
  return {RouteKind::unknown, 0, "other", ""};
}

JoinBody parse_join_body(std::string_view body) {
  const auto doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) throw BadRequest{"the body is not JSON"};
  if (!doc.is_object()) throw BadRequest{"the body must be a JSON object"};
  JoinBody out;
  const auto serial = doc.find("serial");
  if (serial == doc.end()) throw BadRequest{"the field 'serial' is missing"};
  if (!serial->is_string()) throw BadRequest{"the field 'serial' must be a string"};
  out.serial = serial->get<std::string>();
  if (out.serial.empty() || out.serial.size() > 64 || !all_of(out.serial, serial_char))
    throw BadRequest{"the field 'serial' must be 1 to 64 of A-Z a-z 0-9 . _ -"};
  const auto invite = doc.find("invite");
  if (invite != doc.end() && !invite->is_null()) {
    if (!invite->is_string()) throw BadRequest{"the field 'invite' must be a string"};
    auto token = invite->get<std::string>();
    if (token.empty() || token.size() > 64 || !all_of(token, token_char))
      throw BadRequest{"the field 'invite' must be 1 to 64 letters and digits"};
    out.invite = std::move(token);
  }
  return out;
}

std::vector<uint8_t> forwarded_certificate(std::string_view header) {
  // A certificate chain a proxy could pass is far below this; what is longer is not one certificate.
  if (header.size() > 64 * 1024) throw BadRequest{"the certificate header is longer than 64 KiB"};
  std::string text;
  text.reserve(header.size());
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] != '%') {
      text += header[i];
      continue;
    }
    const auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = i + 2 < header.size() ? hex(header[i + 1]) : -1;
    const int lo = hi >= 0 ? hex(header[i + 2]) : -1;
    if (lo < 0) throw BadRequest{"the certificate header has a '%' that is not followed by two hex digits"};
    text += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  constexpr std::string_view begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----";
  std::string body;
  if (const auto b = text.find(begin); b != std::string::npos) {
    const auto e = text.find(end, b);
    if (e == std::string::npos) throw BadRequest{"the certificate header has no END CERTIFICATE line"};
    if (text.find("-----BEGIN", e) != std::string::npos || text.find_first_not_of(" \t\r\n", e + end.size()) != std::string::npos ||
        text.find_first_not_of(" \t\r\n") != b)
      throw BadRequest{"the certificate header must hold one certificate and nothing else"};
    body = text.substr(b + begin.size(), e - b - begin.size());
  } else {
    body = std::move(text);
  }
  // Whatever the line breaks became on the way (spaces, tabs, none), the base64 is rebuilt as PEM.
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  size_t line = 0;
  for (const char c : body) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=')
      throw BadRequest{"the certificate header is not PEM or base64"};
    pem += c;
    if (++line == 64) {
      pem += '\n';
      line = 0;
    }
  }
  if (pem.size() == begin.size() + 1) throw BadRequest{"the certificate header is empty"};
  pem += "\n-----END CERTIFICATE-----\n";
  try {
    return crypto::load_certificate_der(std::vector<uint8_t>(pem.begin(), pem.end()), "the certificate header");
  } catch (const Error& e) {
    throw BadRequest{e.what()};
  }
}

bool is_content_type(std::string_view value, std::string_view want) {
  const auto semi = value.find(';');
  std::string_view type = value.substr(0, semi);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  if (type.size() != want.size()) return false;
  for (size_t i = 0; i < want.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(type[i])) != want[i]) return false;
  return true;
}

bool is_json_content_type(std::string_view value) { return is_content_type(value, "application/json"); }

}  // namespace pairkit::gate
