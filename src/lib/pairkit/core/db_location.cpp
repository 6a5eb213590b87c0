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

// A libpq URI with a password in it: user:secret@host, or password= in the query.
bool carries_password(const std::string& url) {
  const size_t start = url.find("://") + 3;
  const size_t end = url.find_first_of("/?", start);
  const std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  const size_t at = authority.rfind('@');
  if (at != std::string::npos && authority.substr(0, at).find(':') != std::string::npos) return true;
  const size_t q = url.find('?');
  if (q == std::string::npos) return false;
  for (size_t i = q; i != std::string::npos; i = url.find('&', i + 1))
    if (url.compare(i + 1, 9, "password=") == 0) return true;
  return false;
}

}  // namespace

DbLocation parse_db_location(const std::string& location) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (location.starts_with(kSqlite)) {
    std::string path = location.substr(kSqlite.size());
    if (path.empty()) throw UsageError("database location '" + location + "' names no file (sqlite:PATH)");
    return {DbEngine::sqlite, std::move(path)};
  }
  if (location.starts_with("postgresql://") || location.starts_with("postgres://")) {
    if (carries_password(location))
      throw UsageError("the database URL carries a password, which would show in the process list and the shell "
                       "history: put it in ~/.pgpass or the file PGPASSFILE names (or PGPASSWORD)");
    return {DbEngine::postgres, location};
  }
  if (has_url_scheme(location))
    throw UsageError("database location '" + location.substr(0, location.find("://")) +
                     "://...' uses a scheme this pairkit does not open (a file path, sqlite:PATH or "
                     "postgresql://...)");
  return {DbEngine::sqlite, location};
}

}  // namespace pairkit
