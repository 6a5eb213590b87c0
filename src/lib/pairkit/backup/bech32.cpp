// Bech32 as BIP 173 defines it; age uses it without the 90-character limit.
#include "pairkit/backup/bech32.hpp"

#include <cctype>
#include <cstring>

#include "pairkit/core/error.hpp"

namespace pairkit::backup {

namespace {

constexpr const char* kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

uint32_t polymod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    const uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= gen[i];
  }
  return chk;
}

std::vector<uint8_t> hrp_expand(std::string_view hrp) {
  std::vector<uint8_t> out;
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

// Regroups bits; with pad=false, leftover bits must be fewer than `from` and zero.
bool convert_bits(const std::vector<uint8_t>& in, int from, int to, bool pad, std::vector<uint8_t>& out) {
  uint32_t acc = 0;
  int bits = 0;
  const uint32_t maxv = (1u << to) - 1;
  for (uint8_t v : in) {
    if (v >> from) return false;
    acc = (acc << from) | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push_back(static_cast<uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits) out.push_back(static_cast<uint8_t>((acc << (to - bits)) & maxv));
  } else if (bits >= from || ((acc << (to - bits)) & maxv)) {
    return false;
  }
  return true;
}

}  // namespace

std::string bech32_encode(std::string_view hrp, const std::vector<uint8_t>& data) {
  std::string lower_hrp;
  for (char c : hrp) lower_hrp += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<uint8_t> five;
  convert_bits(data, 8, 5, true, five);
  auto values = hrp_expand(lower_hrp);
  values.insert(values.end(), five.begin(), five.end());
  values.insert(values.end(), 6, 0);
  const uint32_t mod = polymod(values) ^ 1;
  std::string out = lower_hrp + "1";
  for (uint8_t v : five) out += kCharset[v];
  for (int i = 0; i < 6; ++i) out += kCharset[(mod >> (5 * (5 - i))) & 31];
  return out;
}

Bech32 bech32_decode(std::string_view text, const std::string& what) {
  auto bad = [&](const std::string& why) { return InputError(what + " is not valid Bech32: " + why); };
  bool lower = false, upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) throw bad("invalid character");
    if (std::islower(static_cast<unsigned char>(c))) lower = true;
    if (std::isupper(static_cast<unsigned char>(c))) upper = true;
  }
  if (lower && upper) throw bad("mixed case");
  const auto sep = text.rfind('1');
  if (sep == std::string_view::npos || sep == 0 || sep + 7 > text.size()) throw bad("no separator or too short");
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  Bech32 out;
  out.hrp = s.substr(0, sep);
  std::vector<uint8_t> values;
  for (size_t i = sep + 1; i < s.size(); ++i) {
    const char* p = std::strchr(kCharset, s[i]);
    if (!p || !*p) throw bad("invalid character '" + std::string(1, s[i]) + "'");
    values.push_back(static_cast<uint8_t>(p - kCharset));
  }
  auto check = hrp_expand(out.hrp);
  check.insert(check.end(), values.begin(), values.end());
  if (polymod(check) != 1) throw bad("checksum mismatch");
  values.resize(values.size() - 6);
  if (!convert_bits(values, 5, 8, false, out.data)) throw bad("non-canonical padding");
  return out;
}

}  // namespace pairkit::backup
