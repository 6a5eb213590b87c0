// RFC 4648 base32 through Botan, with the padding TOTP apps leave out.
#include "pairkit/crypto/base32.hpp"

#include <botan/base32.h>

#include "pairkit/core/error.hpp"

namespace pairkit::crypto {

std::string base32_encode(std::span<const uint8_t> data) {
  std::string s = Botan::base32_encode(data.data(), data.size());
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::vector<uint8_t> base32_decode(std::string_view text) {
  std::string s;
  for (char c : text) {
    if (c == '=') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')))
      throw InputError("not base32: only A-Z and 2-7 are allowed");
    s += c;
  }
  // 1, 3 and 6 characters past a multiple of 8 cannot end a byte sequence.
  const size_t tail = s.size() % 8;
  if (tail == 1 || tail == 3 || tail == 6) throw InputError("not base32: " + std::to_string(s.size()) + " characters");
  if (tail) s.append(8 - tail, '=');
  try {
    const auto v = Botan::base32_decode(s);
    return std::vector<uint8_t>(v.begin(), v.end());
  } catch (const std::exception&) {
    throw InputError("not base32");
  }
}

}  // namespace pairkit::crypto
