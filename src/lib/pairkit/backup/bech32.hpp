// Bech32 (BIP 173, not Bech32m), the encoding of age recipients ("age1...")
// and identities ("AGE-SECRET-KEY-1..."). Botan has no Bech32.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pairkit::backup {

struct Bech32 {
  std::string hrp;            ///< human-readable part, lower case
  std::vector<uint8_t> data;  ///< the 8-bit payload
};

/// Encodes 8-bit data under a human-readable part (output in lower case).
std::string bech32_encode(std::string_view hrp, const std::vector<uint8_t>& data);

/// Decodes a Bech32 string (all lower or all upper case, valid checksum,
/// canonical padding). Throws InputError naming `what`.
Bech32 bech32_decode(std::string_view text, const std::string& what);

}  // namespace pairkit::backup
