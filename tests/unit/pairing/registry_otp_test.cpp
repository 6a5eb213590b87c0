// Decisions with a second factor: TOTP codes within +-1 step, steps used
// once, the lockout after five wrong codes, unknown operators, the audit of
// every attempt, and flagged requests approved only by id.
#include <doctest/doctest.h>

#include <algorithm>

#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/sqlite.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/crypto/totp.hpp"
#include "pairkit/pairing/registry.hpp"
#include "registry_fixture.hpp"

using namespace pairkit;
using namespace pairkit::pairing;
using namespace pairkit::pairing::testing;
using namespace std::chrono_literals;

namespace {
// A step boundary, so that +-1 step is +-30 s.
const TimePoint t0(std::chrono::seconds(1'800'000'010));

struct Desk {
  TempDir d;
  std::unique_ptr<Botan::RandomNumberGenerator> rng = make_seeded_rng(21);
  FixedClock clock{t0};
  std::unique_ptr<Registry> reg = open_registry(d.path() + "/pairing.db", {IfMissing::create, 2000ms});
  std::vector<uint8_t> secret = reg->add_operator("alice", *rng, clock);
  std::string code(std::chrono::seconds offset = 0s) {
    return crypto::totp_code(secret, crypto::totp_step(clock.now() + offset));
  }
  Decider alice(const std::string& otp) { return {"alice", otp}; }
  RequestRow pending(const std::string& serial, char c) {
    return reg->join({serial, cert(c), cert('5'), "127.0.0.1", std::nullopt}, {}, *rng, clock).row;
  }
  long count(const std::string& action) {
    const auto log = reg->audit(std::nullopt);
    return std::count_if(log.begin(), log.end(), [&](const AuditRow& r) { return r.action == action; });
  }
};
}  // namespace

TEST_CASE("a new registry needs a TOTP code for every decision") {
  Desk k;
  REQUIRE(k.reg->otp_required());
  const auto row = k.pending("T1", 'A');
  CHECK_THROWS_WITH_AS(k.reg->approve("T1", std::nullopt, parse_code(row.code), 5, {"alice", std::nullopt}, k.clock),
                       doctest::Contains("requires a TOTP code"), UsageError);
  CHECK_THROWS_AS(k.reg->reject("T1", {"alice", std::nullopt}, k.clock), UsageError);
  CHECK_THROWS_AS(k.reg->deny("address", "10.0.0.1", {"alice", std::nullopt}, k.clock), UsageError);
  CHECK(k.count("otp-missing") == 3);
  CHECK(k.reg->list(State::pending, k.clock).size() == 1);

  CHECK(k.reg->approve("T1", std::nullopt, parse_code(row.code), 5, k.alice(k.code()), k.clock).state ==
        State::paired);
  CHECK(k.count("otp-ok") == 1);
}

TEST_CASE("codes are accepted within one step either side, and each step once") {
  Desk k;
  k.pending("T1", 'A');
  k.pending("T2", 'B');
  k.pending("T3", 'C');
  k.pending("T4", 'D');
  CHECK_THROWS_WITH_AS(k.reg->reject("T1", k.alice(k.code(-60s)), k.clock), doctest::Contains("wrong TOTP code"),
                       CheckFailed);
  CHECK_THROWS_AS(k.reg->reject("T1", k.alice(k.code(60s)), k.clock), CheckFailed);
  CHECK_NOTHROW(k.reg->reject("T1", k.alice(k.code(-30s)), k.clock));
  // The same code again, even for another decision, is refused.
  CHECK_THROWS_WITH_AS(k.reg->reject("T2", k.alice(k.code(-30s)), k.clock), doctest::Contains("used already"),
                       CheckFailed);
  CHECK_NOTHROW(k.reg->reject("T2", k.alice(k.code()), k.clock));
  CHECK_NOTHROW(k.reg->reject("T3", k.alice(k.code(30s)), k.clock));
  // After the step ahead was used, the current one is older: refused.
  CHECK_THROWS_WITH_AS(k.reg->reject("T4", k.alice(k.code()), k.clock), doctest::Contains("used already"),
                       CheckFailed);
  CHECK(k.count("otp-ok") == 3);
  CHECK(k.count("otp-reused") == 2);
  CHECK(k.count("otp-wrong") == 2);
  // A reused code is no wrong code: the two wrong ones were reset by the next good one.
  CHECK(k.reg->operators(k.clock)[0].failures == 0);
}

TEST_CASE("five wrong codes lock the operator out for fifteen minutes") {
  Desk k;
  k.pending("T1", 'A');
  for (int i = 1; i <= 4; ++i)
    CHECK_THROWS_WITH_AS(k.reg->reject("T1", k.alice("000000"), k.clock),
                         doctest::Contains((std::to_string(i) + " of 5").c_str()), CheckFailed);
  CHECK(k.reg->operators(k.clock)[0].failures == 4);
  CHECK_THROWS_WITH_AS(k.reg->reject("T1", k.alice("000001"), k.clock),
                       doctest::Contains("locked out until 2027-01-15T08:15:10Z"), CheckFailed);
  const auto op = k.reg->operators(k.clock)[0];
  CHECK(op.locked_until == t0 + 15min);
  // Locked: even the right code is refused, and nothing is decided.
  CHECK_THROWS_WITH_AS(k.reg->reject("T1", k.alice(k.code()), k.clock), doctest::Contains("is locked out until"),
                       CheckFailed);
  CHECK(k.reg->list(State::pending, k.clock).size() == 1);
  k.clock.set(t0 + 15min);
  CHECK_FALSE(k.reg->operators(k.clock)[0].locked_until);
  k.pending("T1", 'A');
  CHECK_NOTHROW(k.reg->reject("T1", k.alice(k.code()), k.clock));
  CHECK(k.count("otp-wrong") == 5);
  CHECK(k.count("otp-refused") == 1);
}

TEST_CASE("an unknown operator is refused; a malformed code counts as wrong") {
  Desk k;
  k.pending("T1", 'A');
  CHECK_THROWS_WITH_AS(k.reg->reject("T1", {"mallory", k.code()}, k.clock), doctest::Contains("no operator 'mallory'"),
                       CheckFailed);
  CHECK_THROWS_AS(k.reg->reject("T1", k.alice("12345"), k.clock), CheckFailed);
  CHECK(k.reg->operators(k.clock)[0].failures == 1);
  CHECK_THROWS_AS(k.reg->add_operator("bad name", *k.rng, k.clock), UsageError);
  CHECK_THROWS_AS(k.reg->add_operator("", *k.rng, k.clock), UsageError);
}

TEST_CASE("a registry without the requirement takes decisions without a code, but checks one given") {
  Desk k;
  sqlite::open(k.d.path() + "/pairing.db", {})->exec("UPDATE settings SET value = 'false' WHERE key = 'otp_required'");
  REQUIRE_FALSE(k.reg->otp_required());
  k.pending("T1", 'A');
  k.pending("T2", 'B');
  CHECK_NOTHROW(k.reg->reject("T1", {"someone", std::nullopt}, k.clock));
  CHECK_THROWS_WITH_AS(k.reg->reject("T2", k.alice("000000"), k.clock), doctest::Contains("wrong TOTP code"),
                       CheckFailed);
  k.reg->require_otp(k.clock);
  CHECK(k.reg->otp_required());
  CHECK_THROWS_AS(k.reg->reject("T2", {"someone", std::nullopt}, k.clock), UsageError);
  CHECK_NOTHROW(k.reg->reject("T2", k.alice(k.code()), k.clock));
}

TEST_CASE("a flagged request is approved only by its id; the code picks among pending requests") {
  Desk k;
  const auto genuine = k.pending("T1", 'A');
  const auto rival = k.pending("T1", 'B');
  REQUIRE(rival.conflict_fingerprint == fp('A'));
  CHECK(k.reg->approve("T1", std::nullopt, parse_code(genuine.code), 5, k.alice(k.code(-30s)), k.clock).id ==
        genuine.id);
  CHECK(k.reg->list(State::pending, k.clock).size() == 1);

  k.clock.set(t0 + 30s);
  CHECK_THROWS_WITH_AS(k.reg->approve("T1", std::nullopt, parse_code(rival.code), 5, k.alice(k.code()), k.clock),
                       doctest::Contains(("is flagged: the serial is also claimed by SHA256:" + fp('A')).c_str()),
                       CheckFailed);
  CHECK(k.count("approve-refused") == 1);
  k.clock.set(t0 + 60s);
  CHECK_THROWS_WITH_AS(
      k.reg->approve("T1", genuine.id, parse_code(rival.code), 5, k.alice(k.code()), k.clock),
      doctest::Contains("is paired, not pending"), CheckFailed);
  k.clock.set(t0 + 90s);
  const auto replaced = k.reg->approve("T1", rival.id, parse_code(rival.code), 5, k.alice(k.code()), k.clock);
  CHECK(replaced.fingerprint == fp('B'));
  CHECK(k.reg->paired_serial(fp('B')) == "T1");
}
