// Database locations: paths, sqlite:PATH, PostgreSQL URLs (never with a
// password), and schemes this build refuses.
#include <doctest/doctest.h>

#include "pairkit/core/db_location.hpp"
#include "pairkit/core/error.hpp"

using namespace pairkit;

TEST_CASE("paths and sqlite: locations open SQLite, postgresql:// PostgreSQL; other schemes are usage errors") {
  CHECK(parse_db_location("srv/pairing.db").target == "srv/pairing.db");
  CHECK(parse_db_location("a:b.db").target == "a:b.db");
  CHECK(parse_db_location("sqlite:/var/lib/pairing.db").target == "/var/lib/pairing.db");
  CHECK(parse_db_location("sqlite:x.db").engine == DbEngine::sqlite);
  CHECK(parse_db_location("postgresql://gate@db/pairing").engine == DbEngine::postgres);
  CHECK(parse_db_location("postgres:///pairing?host=/run/pg").target == "postgres:///pairing?host=/run/pg");
  CHECK_THROWS_WITH_AS(parse_db_location("mysql://gate@db/pairing"), doctest::Contains("mysql://..."), UsageError);
  CHECK_THROWS_AS(parse_db_location("sqlite:"), UsageError);
}

TEST_CASE("a PostgreSQL URL carrying a password is refused, wherever the password sits") {
  for (const char* url : {"postgresql://gate:secret@db/pairing", "postgresql://gate:@db/pairing",
                          "postgres:///pairing?host=/run/pg&password=secret", "postgresql:///p?password=x"})
    CHECK_THROWS_WITH_AS(parse_db_location(url), doctest::Contains("carries a password"), UsageError);
  // A colon in the host part (a port, an IPv6 address) or in the query is no password.
  CHECK_NOTHROW(parse_db_location("postgresql://gate@[::1]:5432/pairing"));
  CHECK_NOTHROW(parse_db_location("postgresql://127.0.0.1:5432/pairing?options=-c%20a=b"));
  CHECK_NOTHROW(parse_db_location("postgresql:///pairing?user=gate&sslpassword=unused"));
}
