// Database locations: paths, sqlite:PATH, and schemes this build refuses.
#include <doctest/doctest.h>

#include "pairkit/core/db_location.hpp"
#include "pairkit/core/error.hpp"

using namespace pairkit;

TEST_CASE("paths and sqlite: locations open SQLite; other schemes are usage errors") {
  CHECK(parse_db_location("srv/pairing.db").target == "srv/pairing.db");
  CHECK(parse_db_location("a:b.db").target == "a:b.db");
  CHECK(parse_db_location("sqlite:/var/lib/pairing.db").target == "/var/lib/pairing.db");
  CHECK(parse_db_location("sqlite:x.db").engine == DbEngine::sqlite);
  CHECK_THROWS_WITH_AS(parse_db_location("postgresql://gate@db/pairing"), doctest::Contains("postgresql://..."),
                       UsageError);
  CHECK_THROWS_AS(parse_db_location("sqlite:"), UsageError);
}
