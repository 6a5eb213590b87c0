// Durations and RFC 3339 times.
#include <doctest/doctest.h>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"

using namespace pairkit;

TEST_CASE("durations in every unit") {
  CHECK(parse_duration("90s").count() == 90);
  CHECK(parse_duration("15m").count() == 900);
  CHECK(parse_duration("12h").count() == 43200);
  CHECK(parse_duration("7d").count() == 604800);
  CHECK(parse_duration("52w").count() == 52 * 604800);
  CHECK(format_duration(std::chrono::seconds(604800)) == "1w");
  CHECK(format_duration(std::chrono::seconds(90)) == "90s");
}

TEST_CASE("bad durations are usage errors") {
  for (const char* bad : {"7x", "", "d", "0d", "-1d", "1.5h", "7 d", "99999999999999w"})
    CHECK_THROWS_AS(parse_duration(bad), UsageError);
}

TEST_CASE("RFC 3339 times round-trip and honour offsets") {
  FixedClock clock(TimePoint(std::chrono::seconds(1000)));
  CHECK(parse_time("now", clock).time_since_epoch().count() == 1000);
  const auto t = parse_time("2026-12-01T00:00:00Z", clock);
  CHECK(format_time(t) == "2026-12-01T00:00:00Z");
  CHECK(parse_time("2026-12-01T01:00:00+01:00", clock) == t);
  CHECK(parse_time("2026-11-30T23:00:00.123-01:00", clock) == t);
  for (const char* bad : {"2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-12-01", "yesterday",
                          "2026-12-01T00:00:00", "2026-12-01T00:00:00Zjunk"})
    CHECK_THROWS_AS(parse_time(bad, clock), UsageError);
}
