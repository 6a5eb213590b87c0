// Pairing code construction, Crockford base32 groups and their check characters.
#include "pairkit/pairing/code.hpp"

#include <algorithm>
#include <cctype>

#include <botan/hash.h>
#include <botan/hex.h>

#include "pairkit/core/error.hpp"

namespace pairkit::pairing {

namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::string_view kDomain = "pairkit/pairing-code/v1";

// Crockford decoding: case-insensitive, O->0, I/L->1; -1 for anything else (U included).
int crockford_value(char c) {
  c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (c == 'O') c = '0';
  if (c == 'I' || c == 'L') c = '1';
  const auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

}  // namespace

char group_check(int index, std::string_view data) {
  // Luhn mod 32 over [position, data...]: doubling folded as a/32 + a%32 is a
  // bijection on 0..31, so every single-character error changes the check.
  std::string s(1, kAlphabet[static_cast<size_t>(index) % 32]);
  s += data;
  int factor = 2, sum = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    int addend = factor * crockford_value(*it);
    factor = factor == 2 ? 1 : 2;
    sum += addend / 32 + addend % 32;
  }
  return kAlphabet[static_cast<size_t>((32 - sum % 32) % 32)];
}

std::string pairing_code(std::span<const uint8_t> nonce, std::span<const uint8_t> terminal_sha256,
                         std::span<const uint8_t> server_sha256) {
  if (nonce.size() != kNonceBytes || terminal_sha256.size() != 32 || server_sha256.size() != 32)
    throw UsageError("pairing code needs a 16-byte nonce and two SHA-256 digests");
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(reinterpret_cast<const uint8_t*>(kDomain.data()), kDomain.size());
  h->update(uint8_t(0));
  h->update(nonce.data(), nonce.size());
  h->update(terminal_sha256.data(), terminal_sha256.size());
  h->update(server_sha256.data(), server_sha256.size());
  const auto d = h->final();
  // Read the digest as a big-endian bit string, 5 bits per character.
  auto bits5 = [&](size_t i) {
    const size_t bit = i * 5;
    const unsigned v = (unsigned(d[bit / 8]) << 8) | d[bit / 8 + 1];
    return (v >> (11 - bit % 8)) & 31u;
  };
  std::string code;
  for (int g = 0; g < kCodeGroups; ++g) {
    std::string data;
    for (int c = 0; c < kGroupDataChars; ++c) data += kAlphabet[bits5(static_cast<size_t>(g * kGroupDataChars + c))];
    if (g) code += '-';
    code += data;
    code += group_check(g + 1, data);
  }
  return code;
}

std::vector<CodeGroup> parse_code(std::string_view typed) {
  std::vector<std::string> tokens;
  std::string cur;
  for (char c : typed) {
    if (c == '-' || c == ' ' || c == ',') {
      if (!cur.empty()) tokens.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) tokens.push_back(cur);
  if (tokens.empty()) throw UsageError("the pairing code is empty");

  const bool tagged = tokens.front().find(':') != std::string::npos;
  if (!tagged && tokens.size() != static_cast<size_t>(kCodeGroups))
    throw UsageError("a pairing code has " + std::to_string(kCodeGroups) + " groups, got " +
                     std::to_string(tokens.size()) + " (give some groups as N:GROUP, e.g. '2:" +
                     std::string(kGroupDataChars + 1, 'X') + " 4:" + std::string(kGroupDataChars + 1, 'X') +
                     "', or write '?' for an unread group)");
  std::vector<CodeGroup> out;
  bool seen[kCodeGroups + 1] = {};
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string tok = tokens[i];
    int index = static_cast<int>(i) + 1;
    if (tagged) {
      const auto colon = tok.find(':');
      if (colon == std::string::npos || colon == 0 || colon > 1 || !std::isdigit(static_cast<unsigned char>(tok[0])))
        throw UsageError("group '" + tok + "': write every group as N:GROUP when some are tagged");
      index = tok[0] - '0';
      tok = tok.substr(colon + 1);
      if (index < 1 || index > kCodeGroups)
        throw UsageError("group number " + std::to_string(index) + " is out of range 1-" +
                         std::to_string(kCodeGroups));
      if (seen[index]) throw UsageError("group " + std::to_string(index) + " is given twice");
      seen[index] = true;
    }
    if (tok == "?") continue;
    if (tok.size() != static_cast<size_t>(kGroupDataChars + 1))
      throw UsageError("group " + std::to_string(index) + " ('" + tok + "') has " + std::to_string(tok.size()) +
                       " characters, expected " + std::to_string(kGroupDataChars + 1));
    std::string norm;
    for (char c : tok) {
      const int v = crockford_value(c);
      if (v < 0) throw UsageError("group " + std::to_string(index) + " ('" + tok + "') has '" + std::string(1, c) +
                                  "', which is not a pairing-code character (Crockford base32)");
      norm += kAlphabet[static_cast<size_t>(v)];
    }
    if (group_check(index, std::string_view(norm).substr(0, kGroupDataChars)) != norm.back())
      throw UsageError("group " + std::to_string(index) + " ('" + tok +
                       "') was misread: its check character does not match (ask for it again)");
    out.push_back({index, norm});
  }
  if (out.empty()) throw UsageError("the pairing code has no readable group");
  return out;
}

bool groups_match(const std::vector<CodeGroup>& typed, std::string_view full_code) {
  const size_t width = kGroupDataChars + 2;  // data, check, separator
  bool all = true;
  for (const auto& g : typed) {
    const auto want = full_code.substr(static_cast<size_t>(g.index - 1) * width, kGroupDataChars + 1);
    all = all && want == g.text;
  }
  return all;
}

std::string nonce_hex(std::span<const uint8_t> nonce) { return Botan::hex_encode(nonce.data(), nonce.size(), false); }

std::vector<uint8_t> parse_nonce(std::string_view hex) {
  const bool ok = hex.size() == kNonceBytes * 2 &&
                  std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (!ok) throw UsageError("nonce '" + std::string(hex) + "' is not " + std::to_string(kNonceBytes * 2) + " hex digits");
  const auto v = Botan::hex_decode(std::string(hex));
  return std::vector<uint8_t>(v.begin(), v.end());
}

}  // namespace pairkit::pairing
