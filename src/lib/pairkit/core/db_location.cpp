// Parsing database locations (see db_location.hpp).
#include "pairkit/core/db_location.hpp"

#include "pairkit/core/error.hpp"

namespace pairkit {

namespace {

// A URL scheme as RFC 3986 spells it, followed by "://". Anything else is a
// path, so a file named "a:b.db" stays a file.
bool has_url_scheme(const std::string& s) {
  const auto colon = s.find("://");
  if (colon == std::string::npos || colon == 0) return false;
  for (size_t i = 0; i < colon; ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool other = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!(alpha || (i > 0 && other))) return false;
  }
  return true;
}

}  // namespace

DbLocation parse_db_location(const std::string& location) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (location.starts_with(kSqlite)) {
    std::string path = location.substr(kSqlite.size());
    if (path.empty()) throw UsageError("database location '" + location + "' names no file (sqlite:PATH)");
    return {DbEngine::sqlite, std::move(path)};
  }
  if (has_url_scheme(location))
    throw UsageError("database location '" + location.substr(0, location.find("://")) +
                     "://...' uses a scheme this pairkit does not open (give a file path or sqlite:PATH)");
  return {DbEngine::sqlite, location};
}

}  // namespace pairkit
