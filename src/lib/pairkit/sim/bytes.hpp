// Byte helpers the purse protocol needs: 4-byte big-endian integers, byte
// concatenation and upper-case hex as scriptor prints it.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pairkit::sim {

using Bytes = std::vector<uint8_t>;

/// Appends a 4-byte big-endian integer.
inline void put_u32(Bytes& out, uint32_t v) {
  out.push_back(uint8_t(v >> 24));
  out.push_back(uint8_t(v >> 16));
  out.push_back(uint8_t(v >> 8));
  out.push_back(uint8_t(v));
}

/// Reads a 4-byte big-endian integer at offset (the caller checks the size).
inline uint32_t get_u32(std::span<const uint8_t> in, size_t offset) {
  return uint32_t(in[offset]) << 24 | uint32_t(in[offset + 1]) << 16 | uint32_t(in[offset + 2]) << 8 |
         uint32_t(in[offset + 3]);
}

/// Concatenates byte strings.
inline Bytes cat(std::initializer_list<std::span<const uint8_t>> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// A 4-byte big-endian integer as bytes.
inline Bytes u32(uint32_t v) {
  Bytes b;
  put_u32(b, v);
  return b;
}

/// "00 A4 04 00" (upper case, one space apart), or "0A4F" without spaces.
std::string hex(std::span<const uint8_t> data, bool spaced = true);

/// Parses hex digits (spaces allowed between bytes); throws UsageError naming `what`.
Bytes parse_hex(std::string_view text, const std::string& what);

}  // namespace pairkit::sim
