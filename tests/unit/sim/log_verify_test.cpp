// Terminal log verification: a run's own logs verify, a changed record or
// another back end's key is a failed check, a line or key that is not what
// it should be is an input error naming it.
#include <doctest/doctest.h>

#include <string>

#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/sim/log_verify.hpp"
#include "pairkit/sim/runner.hpp"
#include "pairkit/sim/script.hpp"

using namespace pairkit;
using namespace pairkit::sim;

namespace {
constexpr const char* kScript = R"(
[sim]
profile = "modern"
seed = 7
start = "2026-01-05T09:00:00Z"
[[card]]
id = 123
expires = "2028-01-01T00:00:00Z"
[[terminal]]
id = 3456
type = "reload"
[[step]]
do = "personalize"
card = 123
[[step]]
do = "reload"
card = 123
terminal = 3456
amount = 1000
[[step]]
do = "reload"
card = 123
terminal = 3456
amount = 500
)";

struct Run {
  std::vector<uint8_t> backend_spki;
  std::string log;
};

Run run_once(uint64_t seed) {
  KeyPool pool;
  const auto rep = run_script(parse_script(kScript, "unit.toml"), seed, pool);
  Run r;
  const auto pem = crypto::public_key_pem(*Profile(rep.profile).load_public(rep.backend_pub));
  r.backend_spki.assign(pem.begin(), pem.end());
  for (const auto& rec : rep.logs.at(3456)) r.log += to_json(rec).dump() + "\n";
  return r;
}

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
}  // namespace

TEST_CASE("sim log: a run's own log verifies under its back end's key, whose type gives the profile") {
  const auto run = run_once(7);
  const auto key = load_backend_key(run.backend_spki, "backend.pub");
  CHECK(key.profile.kind() == ProfileKind::modern);
  CHECK(verify_log(key, run.log, "t.jsonl") == 2);
  CHECK(verify_log(key, "\n" + run.log + "  \n", "t.jsonl") == 2);  // blank lines are skipped
  CHECK(verify_log(key, "", "t.jsonl") == 0);
}

TEST_CASE("sim log: a changed record or another back end's key fails the check, naming the line") {
  const auto run = run_once(7);
  const auto key = load_backend_key(run.backend_spki, "backend.pub");
  std::string tampered = run.log;
  const auto at = tampered.rfind("\"amount\":500");
  REQUIRE(at != std::string::npos);
  tampered.replace(at, 12, "\"amount\":900");
  CHECK_THROWS_WITH_AS(verify_log(key, tampered, "t.jsonl"), doctest::Contains("t.jsonl:2: record 2 (reload, card 123"),
                       CheckFailed);
  const auto other = load_backend_key(run_once(8).backend_spki, "other.pub");
  CHECK_THROWS_WITH_AS(verify_log(other, run.log, "t.jsonl"), doctest::Contains("t.jsonl:1: record 1"), CheckFailed);
}

TEST_CASE("sim log: lines that are not records and keys of no profile are input errors") {
  const auto run = run_once(7);
  const auto key = load_backend_key(run.backend_spki, "backend.pub");
  CHECK_THROWS_WITH_AS(verify_log(key, run.log + "{not json\n", "t.jsonl"), doctest::Contains("t.jsonl:3: not JSON"),
                       InputError);
  CHECK_THROWS_WITH_AS(load_backend_key(bytes("hello"), "x.pub"),
                       doctest::Contains("x.pub is not a public key (SubjectPublicKeyInfo PEM or DER)"), InputError);
  auto rng = make_seeded_rng(1);
  const auto p256 = crypto::generate_key(crypto::KeyType::p256, *rng);
  CHECK_THROWS_WITH_AS(load_backend_key(bytes(crypto::public_key_pem(*p256)), "p256.pub"),
                       "p256.pub holds a ECDSA key; the back end uses RSA or Ed25519", InputError);
}
