// The pairing payload grammar (see payload.hpp and pairkit-qr(1)).
#include "payload.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include <botan/base32.h>

#include "pairkit/core/error.hpp"

namespace pairkit::qr {

namespace {

bool is_upper_alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string shown(char c) {
  if (c >= 0x21 && c <= 0x7e) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned char>(c));
  return buf;
}

// Each check returns an empty string when the field is fine, else the reason.
std::string host_problem(std::string_view h) {
  if (h.empty()) return "the host is empty";
  if (h.size() > kMaxHostLength)
    return "the host has " + std::to_string(h.size()) + " characters, the limit is " + std::to_string(kMaxHostLength);
  if (h.find(':') != std::string_view::npos) {
    for (char c : h)
      if (!(std::isxdigit(static_cast<unsigned char>(c)) && !std::islower(static_cast<unsigned char>(c))) && c != ':')
        return "bad character " + shown(c) + " in the IPv6 address " + std::string(h);
    in6_addr a;
    if (inet_pton(AF_INET6, lower(h).c_str(), &a) != 1) return std::string(h) + " is not an IPv6 address";
    return {};
  }
  size_t label = 0;
  for (size_t i = 0; i <= h.size(); ++i) {
    if (i == h.size() || h[i] == '.') {
      if (label == 0) return "the host " + std::string(h) + " has an empty label";
      if (h[i - 1] == '-' || h[i - label] == '-') return "a label of " + std::string(h) + " starts or ends with '-'";
      if (label > 63) return "a label of " + std::string(h) + " is longer than 63 characters";
      label = 0;
    } else if (is_upper_alnum(h[i]) || h[i] == '-') {
      ++label;
    } else {
      return "bad character " + shown(h[i]) + " in the host";
    }
  }
  return {};
}

std::string id_problem(std::string_view id) {
  if (id.empty()) return "the device ID is empty";
  if (id.size() > kMaxIdLength)
    return "the device ID has " + std::to_string(id.size()) + " characters, the limit is " + std::to_string(kMaxIdLength);
  for (char c : id)
    if (!is_upper_alnum(c) && c != '-' && c != '.') return "bad character " + shown(c) + " in the device ID";
  return {};
}

// Parses 1-65535 without sign or leading zero; 0 when invalid.
uint16_t parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5 || s[0] == '0') return 0;
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v == 0 || v > 65535) return 0;
  return static_cast<uint16_t>(v);
}

}  // namespace

std::string PairingPayload::address() const {
  const std::string h = lower(host);
  return (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + std::to_string(port);
}

std::string encode_payload(const PairingPayload& p) {
  if (p.version != kPayloadVersion) throw UsageError("pairing payload version " + std::to_string(p.version) + " is not supported");
  if (p.cert_sha256.size() != 32) throw UsageError("the pairing payload needs a 32-byte SHA-256 fingerprint");
  if (auto why = host_problem(p.host); !why.empty()) throw UsageError(why);
  if (p.port == 0) throw UsageError("the port must be 1-65535");
  if (!p.id.empty())
    if (auto why = id_problem(p.id); !why.empty()) throw UsageError(why);
  std::string fp = Botan::base32_encode(p.cert_sha256.data(), p.cert_sha256.size());
  fp.erase(std::remove(fp.begin(), fp.end(), '='), fp.end());
  std::string out = "PK" + std::to_string(p.version) + "/" + fp + "/" + p.host + ":" + std::to_string(p.port);
  if (!p.id.empty()) out += "/" + p.id;
  return out;
}

bool is_pairkit_payload(std::string_view text) {
  if (text.size() < 4 || text.substr(0, 2) != "PK") return false;
  size_t i = 2;
  while (i < text.size() && i < 6 && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  return i > 2 && i < text.size() && text[i] == '/';
}

PairingPayload parse_payload(std::string_view text) {
  if (!is_pairkit_payload(text)) throw InputError("not a pairkit pairing payload (it does not start with PK1/)");
  if (text.size() > kMaxPayloadLength)
    throw InputError("pairing payload too long: " + std::to_string(text.size()) + " characters, the limit is " +
                     std::to_string(kMaxPayloadLength));
  const size_t slash = text.find('/');
  const std::string_view ver = text.substr(2, slash - 2);
  if (ver != std::to_string(kPayloadVersion))
    throw InputError("unsupported pairing payload version " + std::string(ver) + " (this pairkit reads version " +
                     std::to_string(kPayloadVersion) + ")");
  std::vector<std::string_view> fields;
  for (size_t at = slash + 1;;) {
    const size_t next = text.find('/', at);
    fields.push_back(text.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at));
    if (next == std::string_view::npos) break;
    at = next + 1;
  }
  if (fields.size() < 2 || fields.size() > 3)
    throw InputError("pairing payload has " + std::to_string(fields.size()) +
                     " fields after the version, expected fingerprint/host:port[/id]");
  PairingPayload p;
  const auto fp = fields[0];
  for (char c : fp)
    if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')))
      throw InputError("bad character " + shown(c) + " in the fingerprint (base32: A-Z, 2-7)");
  if (fp.size() != kFingerprintChars)
    throw InputError("bad fingerprint length: " + std::to_string(fp.size()) + " base32 characters, a SHA-256 has " +
                     std::to_string(kFingerprintChars));
  const auto raw = Botan::base32_decode(std::string(fp) + "====");
  p.cert_sha256.assign(raw.begin(), raw.end());
  if (p.cert_sha256.size() != 32) throw InputError("the fingerprint does not decode to 32 bytes");
  if (std::string(fp) != encode_payload({1, "H", 1, p.cert_sha256, ""}).substr(4, kFingerprintChars))
    throw InputError("the fingerprint's last character has stray bits set (not canonical base32)");

  const auto hp = fields[1];
  const size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos) throw InputError("the address " + std::string(hp) + " has no :port");
  p.host = std::string(hp.substr(0, colon));
  if (auto why = host_problem(p.host); !why.empty()) throw InputError(why);
  p.port = parse_port(hp.substr(colon + 1));
  if (p.port == 0) throw InputError("bad port '" + std::string(hp.substr(colon + 1)) + "' (1-65535)");
  if (fields.size() == 3) {
    p.id = std::string(fields[2]);
    if (auto why = id_problem(p.id); !why.empty()) throw InputError(why);
  }
  return p;
}

void parse_address(std::string_view text, std::string& host, uint16_t& port) {
  std::string_view h, pt;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw UsageError("bad address '" + std::string(text) + "' (expected [IPv6]:PORT)");
    h = text.substr(1, close - 1);
    pt = text.substr(close + 2);
    if (h.find(':') == std::string_view::npos) throw UsageError("'" + std::string(h) + "' in brackets is not an IPv6 address");
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) throw UsageError("bad address '" + std::string(text) + "' (expected HOST:PORT)");
    h = text.substr(0, colon);
    pt = text.substr(colon + 1);
    if (h.find(':') != std::string_view::npos)
      throw UsageError("bad address '" + std::string(text) + "' (write an IPv6 address as [ADDR]:PORT)");
  }
  host = upper(h);
  if (auto why = host_problem(host); !why.empty()) throw UsageError(why);
  port = parse_port(pt);
  if (port == 0) throw UsageError("bad port '" + std::string(pt) + "' in " + std::string(text) + " (1-65535)");
}

std::string normalize_id(std::string_view id) {
  std::string out = upper(id);
  if (auto why = id_problem(out); !why.empty()) throw UsageError(why);
  return out;
}

}  // namespace pairkit::qr
