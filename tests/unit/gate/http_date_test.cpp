// HTTP-date in its three forms (RFC 9110, 5.6.7), and what is not one.
#include <doctest/doctest.h>

#include "pairkit/core/duration.hpp"
#include "pairkit/gate/http_date.hpp"

using namespace pairkit;
using namespace pairkit::gate;

TEST_CASE("HTTP-date: IMF-fixdate, RFC 850 and asctime name the same second") {
  const auto want = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
  REQUIRE(want);
  CHECK(format_time(*want) == "1994-11-06T08:49:37Z");
  CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == want);
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == want);
  CHECK(format_time(*parse_http_date("Thu, 01 Jan 2037 00:00:00 GMT")) == "2037-01-01T00:00:00Z");
  CHECK(format_time(*parse_http_date("Monday, 01-Jan-40 00:00:00 GMT")) == "2040-01-01T00:00:00Z");
  CHECK(format_time(*parse_http_date("Wed Dec 31 23:59:59 1969")) == "1969-12-31T23:59:59Z");
}

TEST_CASE("HTTP-date: what is not one") {
  for (const char* bad : {"", "120", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
                          "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ",
                          "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 06 08:49:37 94", "Xyz, 06 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 08:49:3\x00 GMT"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_http_date(bad));
  }
}
