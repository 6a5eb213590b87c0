// RFC 7512 PKCS#11 URIs: the grammar's character sets, percent-encoding, and
// pairkit's rules on top (no vendor attributes, no pin-value, files only).
#include "pairkit/crypto/pkcs11_uri.hpp"

#include <array>
#include <charconv>
#include <set>

#include "pairkit/core/error.hpp"

namespace pairkit::crypto {

namespace {

constexpr std::string_view kScheme = "pkcs11:";
constexpr size_t kMaxBytes = 4096;
constexpr size_t kShownChars = 80;

// RFC 7512 2.3: unreserved / pk11-res-avail, plus "&" in the path and "/", "?", "|" in the query.
constexpr std::string_view kResAvail = ":[]@!$'()*+,=";

enum class Part { path, query };

enum class Kind { text, version, type, id, slot_id, pin_source, module_name, module_path };

struct AttributeRule {
  std::string_view name;
  Part part;
  Kind kind;
  std::optional<std::string> Pkcs11Uri::*member;  // for the kinds held as text
};

// In RFC 7512's order (pk11-pattr, then pk11-qattr): the canonical form follows it.
constexpr std::array<AttributeRule, 16> kRules = {{
    {"token", Part::path, Kind::text, &Pkcs11Uri::token},
    {"manufacturer", Part::path, Kind::text, &Pkcs11Uri::manufacturer},
    {"serial", Part::path, Kind::text, &Pkcs11Uri::serial},
    {"model", Part::path, Kind::text, &Pkcs11Uri::model},
    {"library-manufacturer", Part::path, Kind::text, &Pkcs11Uri::library_manufacturer},
    {"library-version", Part::path, Kind::version, &Pkcs11Uri::library_version},
    {"library-description", Part::path, Kind::text, &Pkcs11Uri::library_description},
    {"object", Part::path, Kind::text, &Pkcs11Uri::object},
    {"type", Part::path, Kind::type, &Pkcs11Uri::type},
    {"id", Part::path, Kind::id, nullptr},
    {"slot-description", Part::path, Kind::text, &Pkcs11Uri::slot_description},
    {"slot-manufacturer", Part::path, Kind::text, &Pkcs11Uri::slot_manufacturer},
    {"slot-id", Part::path, Kind::slot_id, nullptr},
    {"pin-source", Part::query, Kind::pin_source, &Pkcs11Uri::pin_source},
    {"module-name", Part::query, Kind::module_name, &Pkcs11Uri::module_name},
    {"module-path", Part::query, Kind::module_path, &Pkcs11Uri::module_path},
}};

constexpr std::string_view kPinValue = "pin-value";
constexpr std::string_view kTypes[] = {"private", "public", "cert", "secret-key", "data"};

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

bool allowed_unencoded(unsigned char c, Part part) {
  if (is_unreserved(c) || kResAvail.find(static_cast<char>(c)) != std::string_view::npos) return true;
  return part == Part::path ? c == '&' : (c == '/' || c == '?' || c == '|');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Schemes and host names compare without case (RFC 3986 3.1, 3.2.2).
bool starts_with_ci(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i)
    if (lower(s[i]) != lower_prefix[i]) return false;
  return true;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

bool is_separator(char c) { return c == ';' || c == '?' || c == '&'; }

// RFC 3986 pct-encoded at s[i]: '%' and two hex digits.
bool escape_at(std::string_view s, size_t i) {
  return s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0;
}

char escaped_byte(std::string_view s, size_t i) {
  return static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
}

// The name an attribute segment starts with, %XX decoded and lower-cased:
// only for recognising a pin-value however it is spelt.
std::string loose_name(std::string_view segment) {
  std::string name;
  for (size_t i = 0; i < segment.size() && segment[i] != '=' && !is_separator(segment[i]); ++i) {
    if (escape_at(segment, i)) {
      name += lower(escaped_byte(segment, i));
      i += 2;
    } else {
      name += lower(segment[i]);
    }
  }
  return name;
}

// The text with every pin-value's value hidden. Its value may hold '?', '/'
// and ';' (mistyped or not), so it is hidden up to the next '&' or the end.
std::string without_pin_values(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const bool starts_attribute = i == kScheme.size() || (i > 0 && is_separator(text[i - 1]));
    if (starts_attribute && loose_name(text.substr(i)) == kPinValue) {
      const size_t eq = text.find('=', i);
      if (eq != std::string_view::npos) {
        out.append(text.substr(i, eq + 1 - i)).append("***");
        const size_t amp = text.find('&', eq);
        i = amp == std::string_view::npos ? text.size() : amp;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

// Text fit for a one-line message: control characters as '?', at most
// `limit` characters (UTF-8 sequences are not cut), "..." when cut.
std::string printable(std::string_view text, size_t limit) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool continuation = (c & 0xC0) == 0x80;
    if (!continuation && chars++ == limit) return out + "...";
    out += is_control(c) ? '?' : static_cast<char>(c);
  }
  return out;
}

[[noreturn]] void refuse(std::string_view text, const std::string& reason) {
  throw UsageError("PKCS#11 URI '" + printable(without_pin_values(text), kShownChars) + "': " + reason);
}

// Built by appending: GCC 12 warns falsely (-Wrestrict, its bug 105329) on "literal" + std::string&&.
std::string quoted(std::string_view value) {
  std::string out = "'";
  out += printable(value, 40);
  out += '\'';
  return out;
}

std::string hex_byte(unsigned char c) {
  static constexpr char digits[] = "0123456789ABCDEF";
  return {'%', digits[c >> 4], digits[c & 15]};
}

std::string percent_decode(std::string_view text, std::string_view name, std::string_view raw, Part part) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c == '%') {
      if (!escape_at(raw, i)) refuse(text, std::string(name) + " has a '%' that is not followed by two hex digits");
      out += escaped_byte(raw, i);
      i += 2;
    } else if (allowed_unencoded(c, part)) {
      out += static_cast<char>(c);
    } else {
      const std::string shown =
          is_control(c) || c >= 0x80 ? "byte 0x" + hex_byte(c).substr(1) : std::string("'") + raw[i] + "'";
      refuse(text, std::string(name) + " has " + shown + " unencoded (write it as " + hex_byte(c) + ")");
    }
  }
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

void check_pin_source(std::string_view text, const std::string& value) {
  if (value.starts_with('|'))
    refuse(text, "pin-source " + quoted(value) + " runs a program: pairkit reads a PIN only from a file");
  // A scheme (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":") other than file: is not a file.
  const size_t colon = value.find(':');
  if (colon == std::string::npos || colon == 0) return;
  const auto c0 = static_cast<unsigned char>(value[0]);
  bool scheme = (c0 >= 'A' && c0 <= 'Z') || (c0 >= 'a' && c0 <= 'z');
  for (size_t i = 1; i < colon && scheme; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    scheme = is_unreserved(c) && c != '_' && c != '~';
  }
  if (!scheme) return;
  if (!starts_with_ci(value, "file:"))
    refuse(text, "pin-source " + quoted(value) + " is not a file (a path or a file: URI)");
  try {
    (void)pin_source_file(value);
  } catch (const UsageError& e) {
    refuse(text, e.what());
  }
}

void set_value(Pkcs11Uri& uri, const AttributeRule& rule, std::string value, std::string_view text) {
  if (rule.kind != Kind::id) {
    for (char c : value)
      if (is_control(static_cast<unsigned char>(c)))
        refuse(text, std::string(rule.name) + " holds a control character (" + hex_byte(static_cast<unsigned char>(c)) +
                         "): names are shown in one-line messages");
  }
  switch (rule.kind) {
    case Kind::text:
      break;
    case Kind::version: {
      const size_t dot = value.find('.');
      if (!all_digits(value.substr(0, dot)) || (dot != std::string::npos && !all_digits(value.substr(dot + 1))))
        refuse(text, "library-version " + quoted(value) + " is not M or M.N (decimal digits)");
      break;
    }
    case Kind::type: {
      bool known = false;
      for (auto t : kTypes) known = known || value == t;
      if (!known) refuse(text, "type " + quoted(value) + " is not one of private, public, cert, secret-key, data");
      break;
    }
    case Kind::id:
      uri.id = std::vector<uint8_t>(value.begin(), value.end());
      return;
    case Kind::slot_id: {
      unsigned long n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (!all_digits(value) || ec != std::errc() || end != value.data() + value.size())
        refuse(text,
               "slot-id " + quoted(value) + (all_digits(value) ? " is out of range" : " is not a decimal number"));
      uri.slot_id = n;
      return;
    }
    case Kind::pin_source:
      if (value.empty()) refuse(text, "pin-source is empty (a path or a file: URI)");
      check_pin_source(text, value);
      break;
    case Kind::module_name:
      if (value.empty()) refuse(text, "module-name is empty");
      if (value.find('/') != std::string::npos)
        refuse(text, "module-name " + quoted(value) + " is a path: use module-path");
      break;
    case Kind::module_path:
      if (!value.starts_with('/')) refuse(text, "module-path " + quoted(value) + " is not an absolute path");
      break;
  }
  uri.*rule.member = std::move(value);
}

void parse_attribute(Pkcs11Uri& uri, std::set<std::string_view>& seen, std::string_view segment, Part part,
                     std::string_view text) {
  const char separator = part == Part::path ? ';' : '&';
  if (segment.empty())
    refuse(text, std::string("an empty attribute (a '") + separator + "' too many)");
  const size_t eq = segment.find('=');
  const std::string_view name = segment.substr(0, eq);
  if (name == kPinValue)
    refuse(text, "pin-value is refused: a PIN in the URI would sit in argv and shell history: "
                 "use pin-source, --pin-file or --pin-env");
  if (name.empty()) refuse(text, "an attribute has no name");
  const AttributeRule* rule = nullptr;
  for (const auto& r : kRules)
    if (r.name == name) rule = &r;
  if (!rule) {
    if (name.starts_with("x-"))
      refuse(text, "vendor attribute " + quoted(name) + " is not supported (ignoring it could pick the wrong key)");
    refuse(text, "unknown attribute " + quoted(name));
  }
  if (rule->part != part)
    refuse(text, std::string(name) +
                     (part == Part::path ? " belongs in the query (after '?')" : " belongs in the path (before '?')"));
  if (eq == std::string_view::npos) refuse(text, std::string(name) + " has no '=' and value");
  if (!seen.insert(rule->name).second) refuse(text, std::string(name) + " is given twice");
  set_value(uri, *rule, percent_decode(text, name, segment.substr(eq + 1), part), text);
}

void parse_part(Pkcs11Uri& uri, std::set<std::string_view>& seen, std::string_view body, Part part,
                std::string_view text) {
  if (body.empty()) return;
  const char separator = part == Part::path ? ';' : '&';
  size_t start = 0;
  while (true) {
    const size_t end = body.find(separator, start);
    parse_attribute(uri, seen, body.substr(start, end - start), part, text);
    if (end == std::string_view::npos) return;
    start = end + 1;
  }
}

void check_length(std::string_view text) {
  if (text.size() > kMaxBytes)
    refuse(text, "too long (" + std::to_string(text.size()) + " bytes, at most " + std::to_string(kMaxBytes) + ")");
}

std::string percent_encode(std::string_view value, Part part) {
  std::string out;
  for (char c : value) {
    const auto b = static_cast<unsigned char>(c);
    if (allowed_unencoded(b, part)) out += c;
    else out += hex_byte(b);
  }
  return out;
}

}  // namespace

bool is_pkcs11_uri(std::string_view s) { return starts_with_ci(s, kScheme); }

Pkcs11Uri parse_pkcs11_uri(std::string_view text) {
  check_length(text);
  if (!is_pkcs11_uri(text)) refuse(text, "not a PKCS#11 URI (it must start with 'pkcs11:')");
  Pkcs11Uri uri;
  uri.text = std::string(text);
  std::set<std::string_view> seen;
  const std::string_view rest = text.substr(kScheme.size());
  const size_t question = rest.find('?');
  parse_part(uri, seen, rest.substr(0, question), Part::path, text);
  if (question != std::string_view::npos) parse_part(uri, seen, rest.substr(question + 1), Part::query, text);
  return uri;
}

std::string format_pkcs11_uri(const Pkcs11Uri& uri) {
  std::string path, query;
  for (const auto& rule : kRules) {
    std::optional<std::string> value;
    if (rule.kind == Kind::id) {
      if (uri.id) {
        value.emplace();
        for (uint8_t b : *uri.id) *value += hex_byte(b);
      }
    } else if (rule.kind == Kind::slot_id) {
      if (uri.slot_id) value = std::to_string(*uri.slot_id);
    } else if (uri.*rule.member) {
      value = percent_encode(*(uri.*rule.member), rule.part);
    }
    if (!value) continue;
    std::string& out = rule.part == Part::path ? path : query;
    if (!out.empty()) out += rule.part == Part::path ? ';' : '&';
    out.append(rule.name).append("=").append(*value);
  }
  std::string text = std::string(kScheme) + path + (query.empty() ? "" : "?" + query);
  // Percent-encoding can triple a value: what would not parse back is not written.
  check_length(text);
  return text;
}

bool same_attributes(const Pkcs11Uri& a, const Pkcs11Uri& b) {
  for (const auto& rule : kRules)
    if (rule.member && a.*rule.member != b.*rule.member) return false;
  return a.id == b.id && a.slot_id == b.slot_id;
}

std::string pin_source_file(std::string_view pin_source) {
  if (!starts_with_ci(pin_source, "file:")) return std::string(pin_source);
  std::string_view path = pin_source.substr(5);
  if (path.starts_with("//")) {
    // RFC 8089: an authority, empty or "localhost", then the absolute path.
    path.remove_prefix(2);
    const size_t slash = path.find('/');
    const std::string_view host = path.substr(0, slash);
    if (!(host.empty() || (host.size() == 9 && starts_with_ci(host, "localhost"))))
      throw UsageError("pin-source " + quoted(pin_source) +
                       " names a file on another host: pairkit reads local files only");
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash);
  }
  if (!path.starts_with('/'))
    throw UsageError("pin-source " + quoted(pin_source) + " is not file:/ABSOLUTE-PATH");
  return std::string(path);
}

}  // namespace pairkit::crypto
