// gate.toml: the [est] section (defaults, durations (a grace of 0s included),
// paths relative to SERVER_DIR, the errors that name the key) and the registry location.
#include <doctest/doctest.h>

#include "pairkit/core/error.hpp"
#include "pairkit/gate/gate_config.hpp"

using namespace pairkit;
using namespace pairkit::gate;

TEST_CASE("[est]: defaults, values, and a grace of zero written as 0s") {
  const auto d = parse_gate_config("", "gate.toml", "/srv/gate");
  CHECK(d.ca_dir.empty());
  CHECK_FALSE(d.est.valid_for);
  CHECK_FALSE(d.est.revoke_on_renew);
  CHECK(d.est.expired_grace == std::chrono::seconds(0));
  const auto c = parse_gate_config(
      "[gate]\nca = \"fleet-ca\"\n[est]\npassphrase_file = \"ca.pass\"\nvalid_for = \"2d\"\nrevoke_on_renew = true\n"
      "expired_grace = \"3h\"\n",
      "gate.toml", "/srv/gate");
  CHECK(c.ca_dir == "/srv/gate/fleet-ca");
  CHECK(c.est.passphrase_file == "/srv/gate/ca.pass");
  CHECK(c.est.valid_for == std::chrono::days(2));
  CHECK(c.est.revoke_on_renew);
  CHECK(c.est.expired_grace == std::chrono::hours(3));
  for (const char* zero : {"0s", "0", "00m", "0d"})
    CHECK(parse_gate_config(std::string("[est]\nexpired_grace = \"") + zero + "\"\n", "gate.toml", "/s").est.expired_grace ==
          std::chrono::seconds(0));
}

TEST_CASE("[est]: a bad value names the file and the key") {
  for (const char* bad : {"[est]\nexpired_grace = \"0x\"\n", "[est]\nexpired_grace = \"-1s\"\n",
                          "[est]\nvalid_for = \"0s\"\n", "[est]\nrevoke_on_renew = \"yes\"\n", "[est]\nbogus = 1\n"}) {
    CAPTURE(bad);
    try {
      parse_gate_config(bad, "srv/gate.toml", "/s");
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find("srv/gate.toml") != std::string::npos);
      CHECK(std::string(e.what()).find("est.") != std::string::npos);
    }
  }
}

TEST_CASE("[gate] registry: a path is taken in SERVER_DIR, a URL unchanged") {
  CHECK(parse_gate_config("", "gate.toml", "/srv/gate").registry == "/srv/gate/pairing.db");
  CHECK(parse_gate_config("[gate]\nregistry = \"reg.db\"\n", "gate.toml", "/srv/gate").registry ==
        "/srv/gate/reg.db");
  for (const char* url : {"postgresql:///pairkit?host=/run/postgresql&port=5433",
                          "postgres://gate@db.example:5432/pairkit?sslmode=verify-full&sslrootcert=/etc/db-ca.pem",
                          "sqlite:/var/lib/pairkit/pairing.db"}) {
    CAPTURE(url);
    CHECK(parse_gate_config(std::string("[gate]\nregistry = \"") + url + "\"\n", "gate.toml", "/srv/gate").registry ==
          url);
  }
}

TEST_CASE("[gate] keep_answers: on unless turned off") {
  CHECK(parse_gate_config("", "gate.toml", "/s").keep_answers);
  CHECK_FALSE(parse_gate_config("[gate]\nkeep_answers = false\n", "gate.toml", "/s").keep_answers);
  CHECK_THROWS_AS(parse_gate_config("[gate]\nkeep_answers = \"no\"\n", "gate.toml", "/s"), InputError);
}
