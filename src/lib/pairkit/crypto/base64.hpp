// The standard base64 alphabet (RFC 4648 §4), for the strict readers and
// writers that cannot take Botan's lenient base64: age's canonical header
// encoding (backup/age) and EST's bodies (pkcs7).
#pragma once
#include <string_view>

namespace pairkit::crypto {

inline constexpr std::string_view kBase64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A character's 6-bit value, or -1 outside the alphabet ('=' included).
constexpr int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace pairkit::crypto
