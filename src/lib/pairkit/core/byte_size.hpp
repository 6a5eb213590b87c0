// Sizes as pairkit(1) spells them: "65536", "64K", "512M", "2G" (powers of
// 1024), for input limits on the command line and in pairkit.toml.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace pairkit {

/// Parses "<positive integer>[K|M|G]" (also "KiB", "MiB", "GiB"; any case)
/// into bytes; throws UsageError naming the text.
uint64_t parse_byte_size(std::string_view text);

/// "1 MiB", "512 MiB", "2 GiB", "64 KiB", or "1000 bytes" when no unit divides it.
std::string format_byte_size(uint64_t bytes);

}  // namespace pairkit
