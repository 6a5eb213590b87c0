// RFC 7512 PKCS#11 URIs, the references to keys held in a token: parsing with
// pairkit's attribute rules, and the canonical form. No PKCS#11 calls here.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pairkit::crypto {

/// True for a string that is meant as a PKCS#11 URI (starts "pkcs11:", case-insensitive scheme).
bool is_pkcs11_uri(std::string_view s);

/// A parsed PKCS#11 URI. Every attribute is given at most once; an absent one
/// matches anything.
struct Pkcs11Uri {
  // path attributes (RFC 7512 2.3), each at most once; values percent-decoded
  std::optional<std::string> token, manufacturer, serial, model;  ///< token info
  std::optional<std::string> library_manufacturer, library_description, library_version;
  std::optional<std::string> slot_description, slot_manufacturer;
  std::optional<unsigned long> slot_id;       ///< "slot-id", decimal
  std::optional<std::string> object;          ///< CKA_LABEL
  std::optional<std::vector<uint8_t>> id;     ///< CKA_ID, raw bytes
  std::optional<std::string> type;            ///< "private" | "public" | "cert" | "secret-key" | "data"
  // query attributes (RFC 7512 2.4)
  std::optional<std::string> pin_source;      ///< a file path or file: URI
  std::optional<std::string> module_name, module_path;
  std::string text;                           ///< as given, for messages
};

/// Parses; throws UsageError (exit 2) naming the URI and the reason for: a wrong
/// scheme, bad percent-encoding (RFC 3986 pct-encoded, only the characters RFC 7512
/// allows unencoded), an unknown attribute, an attribute given twice, an empty
/// value where one is required, a bad slot-id, an unknown type, and `pin-value`
/// ("a PIN in the URI would sit in argv and shell history: use pin-source, --pin-file
/// or --pin-env"). Vendor attributes ("x-...") are refused as unknown too. Also
/// refused: a URI over 4 KiB, a control character (NUL included) in a decoded
/// text value, a pin-source that is not a file, a relative module-path.
Pkcs11Uri parse_pkcs11_uri(std::string_view text);

/// The canonical form: path attributes in RFC 7512 order, values percent-encoded
/// where needed (id always fully %XX-encoded), query attributes after '?'.
/// parse_pkcs11_uri reads it back to the same attributes. UsageError when it
/// would be over 4 KiB (percent-encoding can triple a value), as parsing would be.
std::string format_pkcs11_uri(const Pkcs11Uri& uri);

/// True when both name the same attributes with the same values (`text` is not compared).
bool same_attributes(const Pkcs11Uri& a, const Pkcs11Uri& b);

/// The file a pin-source names: the path itself, or the path of a file: URI
/// ("file:/p", "file:///p", "file://localhost/p").
std::string pin_source_file(std::string_view pin_source);

}  // namespace pairkit::crypto
