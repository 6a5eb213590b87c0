// Parsing and formatting of byte sizes.
#include "pairkit/core/byte_size.hpp"

#include <cctype>
#include <charconv>

#include "pairkit/core/error.hpp"

namespace pairkit {

uint64_t parse_byte_size(std::string_view text) {
  auto bad = [&] {
    return UsageError("invalid size '" + std::string(text) +
                      "': expected a positive whole number of bytes, optionally with K, M or G (e.g. 800M, 2G)");
  };
  uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr == text.data() || n == 0) throw bad();
  std::string unit;
  for (const char* p = ptr; p != text.data() + text.size(); ++p)
    unit += static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
  int shift = 0;
  if (unit == "K" || unit == "KIB") shift = 10;
  else if (unit == "M" || unit == "MIB") shift = 20;
  else if (unit == "G" || unit == "GIB") shift = 30;
  else if (!unit.empty() && unit != "B") throw bad();
  if (n > (UINT64_MAX >> shift)) throw UsageError("size '" + std::string(text) + "' is too large");
  return n << shift;
}

std::string format_byte_size(uint64_t bytes) {
  static constexpr struct { int shift; const char* name; } units[] = {{30, " GiB"}, {20, " MiB"}, {10, " KiB"}};
  for (const auto& u : units)
    if (bytes != 0 && bytes % (uint64_t{1} << u.shift) == 0) return std::to_string(bytes >> u.shift) + u.name;
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

}  // namespace pairkit
