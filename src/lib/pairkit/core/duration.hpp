// Durations ("90s", "15m", "12h", "7d", "52w") and times (RFC 3339 or "now")
// as pairkit(1) spells them.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "pairkit/core/clock.hpp"

namespace pairkit {

/// Parses "<positive integer><s|m|h|d|w>"; throws UsageError naming the text.
std::chrono::seconds parse_duration(std::string_view text);

/// Formats a duration in the largest unit that divides it ("7d", "90s").
std::string format_duration(std::chrono::seconds d);

/// Parses "now" (the clock's now) or an RFC 3339 time such as
/// "2026-12-01T00:00:00Z" or "2026-12-01T01:00:00+01:00"; throws UsageError.
TimePoint parse_time(std::string_view text, const Clock& clock);

/// RFC 3339 in UTC with a Z: "2026-12-01T00:00:00Z".
std::string format_time(TimePoint t);

}  // namespace pairkit
