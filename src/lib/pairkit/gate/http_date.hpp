// HTTP-date (RFC 9110, section 5.6.7), as Retry-After and If-Modified-Since
// carry it and Last-Modified and Expires send it.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "pairkit/core/clock.hpp"

namespace pairkit::gate {

/// The time an HTTP-date names, in any of the three forms a recipient must
/// accept: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the obsolete
/// RFC 850 form ("Sunday, 06-Nov-94 08:49:37 GMT", a two-digit year taken
/// as 1970-2069) and asctime ("Sun Nov  6 08:49:37 1994"). nullopt for
/// anything else, including an impossible date or time.
std::optional<TimePoint> parse_http_date(std::string_view text);

/// IMF-fixdate, the form a sender must use: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(TimePoint t);

}  // namespace pairkit::gate
