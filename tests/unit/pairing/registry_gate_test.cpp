// The registry's gate half: every JoinResult of join(), polls, invites,
// denials, pre-registration, the pending caps, conflicting claims, a busy
// database, and a version-1 registry migrated on open.
#include <doctest/doctest.h>

#include <algorithm>

#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/sqlite.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/pairing/registry.hpp"
#include "registry_fixture.hpp"

using namespace pairkit;
using namespace pairkit::pairing;
using namespace pairkit::pairing::testing;
using namespace std::chrono_literals;

namespace {
const TimePoint t0(std::chrono::seconds(1'800'000'000));

JoinRequest join_req(const std::string& serial, char terminal, const std::string& address = "127.0.0.1") {
  return {serial, cert(terminal), cert('5'), address, std::nullopt};
}

struct Gate {
  TempDir d;
  std::unique_ptr<Botan::RandomNumberGenerator> rng = make_seeded_rng(11);
  FixedClock clock{t0};
  std::unique_ptr<Registry> reg = open_plain(d.path() + "/pairing.db");
  JoinOutcome join(const JoinRequest& r, const JoinPolicy& p = {}) { return reg->join(r, p, *rng, clock); }
  bool audited(const std::string& action, const std::string& detail_part) {
    const auto log = reg->audit(std::nullopt);
    return std::any_of(log.begin(), log.end(), [&](const AuditRow& a) {
      return a.action == action && a.detail.find(detail_part) != std::string::npos;
    });
  }
};
}  // namespace

TEST_CASE("join files one pending request per certificate; polls see only their own") {
  Gate g;
  const auto first = g.join(join_req("T1", 'A'));
  REQUIRE(first.result == JoinResult::pending);
  CHECK(first.row.id > 0);
  CHECK(first.row.source_address == "127.0.0.1");
  CHECK(first.row.conflict_fingerprint.empty());
  CHECK(first.row.nonce.size() == 32);
  CHECK(first.row.expires_at == t0 + 15min);
  CHECK(g.audited("join", "from 127.0.0.1"));

  g.clock.set(t0 + 1min);
  const auto again = g.join(join_req("T1", 'A'));
  CHECK(again.result == JoinResult::pending);
  CHECK(again.row.id == first.row.id);
  CHECK(again.row.nonce == first.row.nonce);
  CHECK(g.reg->list(State::pending, g.clock).size() == 1);
  CHECK(g.reg->pending_count(g.clock) == 1);

  CHECK_FALSE(g.reg->poll(first.row.id, fp('B'), g.clock));
  CHECK_FALSE(g.reg->poll(first.row.id + 1, fp('A'), g.clock));
  g.clock.set(t0 + 2min);
  const auto polled = g.reg->poll(first.row.id, fp('A'), g.clock);
  REQUIRE(polled);
  CHECK(polled->state == State::pending);
  CHECK(polled->last_seen_at == t0 + 2min);
  CHECK(polled->created_at == t0);

  // Approved by the operator with the code the terminal shows: the next
  // poll and join see the pairing, paired_serial finds it.
  g.reg->approve("T1", std::nullopt, parse_code(first.row.code), 5, {"alice", std::nullopt}, g.clock);
  CHECK(g.reg->poll(first.row.id, fp('A'), g.clock)->state == State::paired);
  const auto paired = g.join(join_req("T1", 'A'));
  CHECK(paired.result == JoinResult::paired);
  CHECK(paired.row.decided_by == "alice");
  CHECK(g.reg->paired_serial(fp('A')) == "T1");
  CHECK_FALSE(g.reg->paired_serial(fp('B')));

  // Expiry: a later poll of an unapproved request sees it expired.
  const auto other = g.join(join_req("T2", 'C'));
  g.clock.set(t0 + 20min);
  CHECK(g.reg->poll(other.row.id, fp('C'), g.clock)->state == State::expired);
  CHECK(g.reg->pending_count(g.clock) == 0);
}

TEST_CASE("an unpaired certificate is refused; a new certificate starts over") {
  Gate g;
  const auto first = g.join(join_req("T1", 'A'));
  g.reg->approve("T1", std::nullopt, parse_code(first.row.code), 5, {"alice", std::nullopt}, g.clock);
  g.reg->unpair("T1", {"alice", std::nullopt}, g.clock);
  const auto refused = g.join(join_req("T1", 'A'));
  CHECK(refused.result == JoinResult::unpaired);
  CHECK_FALSE(refused.reason.empty());
  CHECK(g.audited("join-refused", "unpaired"));
  CHECK_FALSE(g.reg->paired_serial(fp('A')));
  CHECK(g.join(join_req("T1", 'B')).result == JoinResult::pending);
}

TEST_CASE("denied addresses and fingerprints are refused and audited") {
  Gate g;
  g.reg->deny("address", "10.0.0.9", {"alice", std::nullopt}, g.clock);
  g.reg->deny("fingerprint", fp('D'), {"alice", std::nullopt}, g.clock);
  CHECK_THROWS_AS(g.reg->deny("serial", "T1", {"alice", std::nullopt}, g.clock), UsageError);
  CHECK(g.join(join_req("T1", 'A', "10.0.0.9")).result == JoinResult::denied);
  CHECK(g.join(join_req("T1", 'D', "127.0.0.1")).result == JoinResult::denied);
  CHECK(g.audited("join-refused", "from 10.0.0.9: the address is denied"));
  CHECK(g.audited("join-refused", "the fingerprint is denied"));
  CHECK(g.join(join_req("T1", 'A', "127.0.0.1")).result == JoinResult::pending);
  const auto list = g.reg->denials();
  REQUIRE(list.size() == 2);
  CHECK(list[0].by == "alice");
  // Denied even after pairing: a denial outranks everything.
  const auto row = g.reg->list(State::pending, g.clock).at(0);
  g.reg->approve("T1", std::nullopt, parse_code(row.code), 5, {"alice", std::nullopt}, g.clock);
  g.reg->deny("address", "127.0.0.1", {"bob", std::nullopt}, g.clock);
  CHECK(g.join(join_req("T1", 'A', "127.0.0.1")).result == JoinResult::denied);
}

TEST_CASE("an invite pairs once, before it expires; the registry keeps only its hash") {
  Gate g;
  const auto inv = g.reg->create_invite(10min, *g.rng, g.clock);
  REQUIRE(inv.token.size() == 16);
  CHECK(std::all_of(inv.token.begin(), inv.token.end(),
                    [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'); }));
  CHECK(inv.expires_at == t0 + 10min);
  CHECK(g.reg->create_invite(10min, *g.rng, g.clock).token != inv.token);
  {
    auto raw = sqlite::open(g.d.path() + "/pairing.db", {});
    auto s = raw->prepare("SELECT count(*) FROM invites WHERE token_sha256 = ?");
    s.bind(1, inv.token);
    s.step();
    CHECK(s.integer(0) == 0);
  }

  auto r = join_req("T7", 'A');
  r.invite = inv.token;
  const auto paired = g.join(r);
  REQUIRE(paired.result == JoinResult::paired);
  CHECK(paired.row.decided_by == "invite " + std::to_string(inv.id));
  CHECK(g.reg->paired_serial(fp('A')) == "T7");
  CHECK(g.audited("approve", "approved by invite " + std::to_string(inv.id)));

  auto reuse = join_req("T8", 'B');
  reuse.invite = inv.token;
  CHECK(g.join(reuse).result == JoinResult::invite_refused);
  CHECK(g.audited("join-refused", "was used already"));

  auto unknown = join_req("T8", 'B');
  unknown.invite = "AAAAAAAAAAAAAAAA";
  CHECK(g.join(unknown).result == JoinResult::invite_refused);
  CHECK(g.audited("join-refused", "an unknown invite"));

  const auto late = g.reg->create_invite(1min, *g.rng, g.clock);
  g.clock.set(t0 + 1min);
  auto expired = join_req("T8", 'B');
  expired.invite = late.token;
  CHECK(g.join(expired).result == JoinResult::invite_refused);
  CHECK(g.audited("join-refused", "has expired"));
  CHECK_FALSE(g.reg->paired_serial(fp('B')));
}

TEST_CASE("an invite approves the pending request this certificate filed already") {
  Gate g;
  const auto pending = g.join(join_req("T1", 'A'));
  auto r = join_req("T1", 'A');
  r.invite = g.reg->create_invite(10min, *g.rng, g.clock).token;
  const auto paired = g.join(r);
  CHECK(paired.result == JoinResult::paired);
  CHECK(paired.row.id == pending.row.id);
  CHECK(g.reg->list(std::nullopt, g.clock).size() == 1);
}

TEST_CASE("pre-registration: require_expected refuses others; a matching fingerprint may be approved at once") {
  Gate g;
  JoinPolicy strict;
  strict.require_expected = true;
  CHECK(g.join(join_req("T1", 'A'), strict).result == JoinResult::not_expected);
  CHECK(g.audited("join-refused", "serial T1 was not pre-registered"));

  g.reg->expect("T1", fp('B'), g.clock);
  CHECK(g.join(join_req("T1", 'A'), strict).result == JoinResult::not_expected);
  CHECK(g.audited("join-refused", "pre-registered with SHA256:" + fp('B')));
  CHECK(g.join(join_req("T1", 'B'), strict).result == JoinResult::pending);

  g.reg->expect("T2", std::nullopt, g.clock);
  CHECK(g.join(join_req("T2", 'C'), strict).result == JoinResult::pending);

  JoinPolicy automatic;
  automatic.auto_approve_expected = true;
  g.reg->expect("T3", fp('D'), g.clock);
  const auto paired = g.join(join_req("T3", 'D'), automatic);
  CHECK(paired.result == JoinResult::paired);
  CHECK(paired.row.decided_by == "pre-registration");
  // Without a fingerprint, pre-registration does not approve by itself.
  g.reg->expect("T4", std::nullopt, g.clock);
  CHECK(g.join(join_req("T4", 'E'), automatic).result == JoinResult::pending);
  // And it pairs only the certificate it names.
  CHECK(g.join(join_req("T3", 'F', "127.0.0.9"), automatic).result == JoinResult::pending);
}

TEST_CASE("pending caps per address and per gate") {
  Gate g;
  JoinPolicy p;
  p.max_pending_per_address = 2;
  p.max_pending = 3;
  CHECK(g.join(join_req("T1", 'A', "10.0.0.1"), p).result == JoinResult::pending);
  CHECK(g.join(join_req("T2", 'B', "10.0.0.1"), p).result == JoinResult::pending);
  CHECK(g.join(join_req("T3", 'C', "10.0.0.1"), p).result == JoinResult::too_many_pending);
  // The certificates that are pending already still get their request back.
  CHECK(g.join(join_req("T1", 'A', "10.0.0.1"), p).result == JoinResult::pending);
  CHECK(g.join(join_req("T3", 'C', "10.0.0.2"), p).result == JoinResult::pending);
  CHECK(g.join(join_req("T4", 'D', "10.0.0.3"), p).result == JoinResult::too_many_pending);
  CHECK(g.audited("join-refused", "3 requests are pending"));
  CHECK(g.audited("join-refused", "2 requests from this address are pending"));
  g.clock.set(t0 + 16min);
  CHECK(g.join(join_req("T4", 'D', "10.0.0.3"), p).result == JoinResult::pending);
}

TEST_CASE("a second certificate claiming a pending or paired serial is its own request, flagged") {
  Gate g;
  const auto first = g.join(join_req("T1", 'A'));
  const auto second = g.join(join_req("T1", 'B', "127.0.0.2"));
  REQUIRE(second.result == JoinResult::pending);
  CHECK(second.row.id != first.row.id);
  CHECK(second.row.conflict_fingerprint == fp('A'));
  CHECK(g.reg->list(State::pending, g.clock).size() == 2);
  CHECK(g.audited("join", "CONFLICT: serial T1 is claimed by SHA256:" + fp('A') + " and now by SHA256:" + fp('B')));

  g.reg->approve("T1", std::nullopt, parse_code(first.row.code), 5, {"alice", std::nullopt}, g.clock);
  const auto third = g.join(join_req("T1", 'C', "127.0.0.3"));
  CHECK(third.row.conflict_fingerprint == fp('A'));
  const auto listed = g.reg->list(std::nullopt, g.clock);
  CHECK(listed.back().conflict_fingerprint == fp('A'));
  CHECK(listed.back().source_address == "127.0.0.3");
}

TEST_CASE("a join waiting on a busy registry fails with 'busy', never hangs") {
  Gate g;
  const std::string path = g.d.path() + "/pairing.db";
  g.join(join_req("T1", 'A'));
  auto holder = sqlite::open(path, {});
  db::Transaction held(*holder);
  const auto waiting = open_registry(path, {IfMissing::fail, 100ms});
  CHECK_THROWS_WITH_AS(waiting->join(join_req("T2", 'B'), {}, *g.rng, g.clock), doctest::Contains("is busy"),
                       InputError);
}

TEST_CASE("a paired terminal's join reads only, so it answers while a writer holds the registry") {
  Gate g;
  const std::string path = g.d.path() + "/pairing.db";
  g.join(join_req("T1", 'A'));
  const auto row = g.reg->list(State::pending, g.clock).at(0);
  g.reg->approve("T1", std::nullopt, parse_code(row.code), 5, {"alice", std::nullopt}, g.clock);
  const auto waiting = open_registry(path, {IfMissing::fail, 100ms});
  auto holder = sqlite::open(path, {});
  db::Transaction held(*holder);
  const auto again = waiting->join(join_req("T1", 'A'), {}, *g.rng, g.clock);
  CHECK(again.result == JoinResult::paired);
  CHECK(again.row.id == row.id);
  // Another certificate for the serial is a new request: a write, which waits.
  CHECK_THROWS_WITH_AS(waiting->join(join_req("T1", 'B'), {}, *g.rng, g.clock), doctest::Contains("is busy"),
                       InputError);
}

TEST_CASE("a poll within the second it was recorded reads only, so it answers while a writer holds the registry") {
  Gate g;
  const std::string path = g.d.path() + "/pairing.db";
  const auto req = g.join(join_req("T1", 'A'));
  const auto waiting = open_registry(path, {IfMissing::fail, 100ms});
  REQUIRE(waiting->poll(req.row.id, fp('A'), g.clock)->last_seen_at == t0);
  CHECK(waiting->pending_count(g.clock) == 1);
  {
    auto holder = sqlite::open(path, {});
    db::Transaction held(*holder);
    CHECK(waiting->poll(req.row.id, fp('A'), g.clock)->state == State::pending);
    CHECK_FALSE(waiting->poll(req.row.id, fp('B'), g.clock));
    CHECK(waiting->pending_count(g.clock) == 1);
    // A second later the poll records last_seen_at: a write, which waits.
    g.clock.set(t0 + 1s);
    CHECK_THROWS_WITH_AS(waiting->poll(req.row.id, fp('A'), g.clock), doctest::Contains("is busy"), InputError);
  }
  CHECK(waiting->poll(req.row.id, fp('A'), g.clock)->last_seen_at == t0 + 1s);
  // An expired request is expired by the poll that finds it so, audited once.
  g.clock.set(t0 + 20min);
  CHECK(waiting->poll(req.row.id, fp('A'), g.clock)->state == State::expired);
  CHECK(waiting->poll(req.row.id, fp('A'), g.clock)->state == State::expired);
  const auto log = g.reg->audit(std::string("T1"));
  CHECK(std::count_if(log.begin(), log.end(), [](const AuditRow& a) { return a.action == "expire"; }) == 1);
}

TEST_CASE("the pending count follows other connections' joins within the same second") {
  Gate g;
  const auto reader = open_registry(g.d.path() + "/pairing.db", {IfMissing::fail, 100ms});
  CHECK(reader->pending_count(g.clock) == 0);
  g.join(join_req("T1", 'A'));
  CHECK(reader->pending_count(g.clock) == 1);
  g.join(join_req("T2", 'B'));
  CHECK(reader->pending_count(g.clock) == 2);
  CHECK(reader->join(join_req("T3", 'C'), {}, *g.rng, g.clock).result == JoinResult::pending);
  CHECK(reader->pending_count(g.clock) == 3);
  g.clock.set(t0 + 20min);
  CHECK(reader->pending_count(g.clock) == 0);
}

TEST_CASE("a gate's kept answers follow every change, its own and other connections'") {
  Gate g;
  const std::string path = g.d.path() + "/pairing.db";
  RegistryOptions keep{IfMissing::fail, 100ms};
  keep.keep_answers = true;
  const auto gate = open_registry(path, keep);
  CHECK_FALSE(gate->paired_serial(fp('A')));
  g.join(join_req("T1", 'A'));
  CHECK_FALSE(gate->paired_serial(fp('A')));
  g.reg->approve("T1", std::nullopt, parse_code(g.reg->list(State::pending, g.clock).at(0).code), 5,
                 {"alice", std::nullopt}, g.clock);
  // Another connection's approval reaches the kept "not paired".
  CHECK(gate->paired_serial(fp('A')) == "T1");
  CHECK(gate->join(join_req("T1", 'A'), {}, *g.rng, g.clock).result == JoinResult::paired);
  CHECK(gate->join(join_req("T1", 'A'), {}, *g.rng, g.clock).row.id == 1);
  // A denial by another connection ends the kept paired join at once.
  g.reg->deny("address", "127.0.0.1", {"alice", std::nullopt}, g.clock);
  CHECK(gate->join(join_req("T1", 'A'), {}, *g.rng, g.clock).result == JoinResult::denied);
  CHECK(gate->join(join_req("T1", 'A', "127.0.0.2"), {}, *g.rng, g.clock).result == JoinResult::paired);
  // So does an unpairing: the kept serial goes with it.
  g.reg->unpair("T1", {"alice", std::nullopt}, g.clock);
  CHECK_FALSE(gate->paired_serial(fp('A')));
  CHECK(gate->join(join_req("T1", 'A', "127.0.0.2"), {}, *g.rng, g.clock).result == JoinResult::unpaired);
  // The stamp is the same while nothing changes, and moves with the gate's own writes.
  const auto before = gate->change_stamp();
  CHECK(gate->change_stamp() == before);
  gate->join(join_req("T2", 'B'), {}, *g.rng, g.clock);
  CHECK(gate->change_stamp() != before);
}

TEST_CASE("a version-1 registry migrates on open, keeps its rows and needs no second factor yet") {
  TempDir d;
  const std::string path = d.path() + "/pairing.db";
  {
    // The version-1 schema and a request as pairkit 1 wrote them.
    auto v1 = sqlite::open(path, {IfMissing::create});
    v1->exec(R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE requests(id INTEGER PRIMARY KEY, serial TEXT NOT NULL, fingerprint TEXT NOT NULL,
  certificate TEXT NOT NULL, server_fingerprint TEXT NOT NULL, nonce TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending','paired','rejected','expired','unpaired')),
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, decided_at INTEGER, decided_by TEXT,
  failed_attempts INTEGER NOT NULL DEFAULT 0);
CREATE INDEX requests_by_serial ON requests(serial, state);
CREATE INDEX requests_pending ON requests(state, expires_at);
CREATE TABLE terminals(serial TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, request_id INTEGER,
  paired_at INTEGER NOT NULL, paired_by TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE audit(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, serial TEXT NOT NULL,
  action TEXT NOT NULL, old_state TEXT, new_state TEXT, old_fingerprint TEXT, new_fingerprint TEXT, detail TEXT);
CREATE INDEX audit_by_serial ON audit(serial);
INSERT INTO meta VALUES ('server_fingerprint', '55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55');
INSERT INTO requests(serial, fingerprint, certificate, server_fingerprint, nonce, state, created_at, expires_at)
  VALUES ('OLD1', 'AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA', 'PEM A',
          '55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55',
          '000102030405060708090a0b0c0d0e0f', 'pending', 1800000000, 1800000900);
INSERT INTO audit(at, actor, serial, action, new_state, new_fingerprint) VALUES (1800000000, 'terminal', 'OLD1', 'request', 'pending', 'AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA');
PRAGMA user_version = 1;
)sql");
  }
  FixedClock clock(t0);
  auto rng = make_seeded_rng(12);
  const auto reg = open_registry(path, {IfMissing::fail, 2000ms});
  CHECK(sqlite::user_version(*sqlite::open(path, {})) == kSchemaVersion);
  CHECK_FALSE(reg->otp_required());
  const auto rows = reg->list(State::pending, clock);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].serial == "OLD1");
  CHECK(rows[0].source_address.empty());
  CHECK_FALSE(rows[0].last_seen_at);
  CHECK(rows[0].conflict_fingerprint.empty());
  CHECK(reg->approve("OLD1", std::nullopt, parse_code(rows[0].code), 5, {"alice", std::nullopt}, clock).state == State::paired);
  CHECK(reg->join(join_req("OLD1", 'A'), {}, *rng, clock).result == JoinResult::paired);
  reg->require_otp(clock);
  CHECK(reg->otp_required());
  // Opening it again migrates nothing more.
  CHECK(open_registry(path, {IfMissing::fail, 2000ms})->otp_required());
}

TEST_CASE("a new registry requires a second factor; operators are enrolled once and removed") {
  Gate g;
  CHECK(open_registry(g.d.path() + "/new.db", {IfMissing::create, 2000ms})->otp_required());
  const auto secret = g.reg->add_operator("alice", *g.rng, g.clock);
  CHECK(secret.size() == 20);
  CHECK_THROWS_WITH_AS(g.reg->add_operator("alice", *g.rng, g.clock), doctest::Contains("exists already"), InputError);
  const auto ops = g.reg->operators(g.clock);
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].name == "alice");
  CHECK(ops[0].created_at == t0);
  CHECK(ops[0].failures == 0);
  CHECK_FALSE(ops[0].locked_until);
  g.reg->remove_operator("alice", g.clock);
  CHECK(g.reg->operators(g.clock).empty());
  CHECK_THROWS_AS(g.reg->remove_operator("alice", g.clock), CheckFailed);
}

TEST_CASE("denials and pre-registrations store addresses and fingerprints in one form") {
  CHECK(normalize_address("2001:0db8:0:0::9") == "2001:db8::9");
  CHECK(normalize_address("10.0.0.9") == "10.0.0.9");
  CHECK(normalize_address("::ffff:10.0.0.1") == "::ffff:10.0.0.1");
  for (const char* bad : {"", "10.0.0", "fe80::1%eth0", "host.example", "10.0.0.9 "}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(normalize_address(bad), UsageError);
  }
  std::string lower;
  for (char c : fp('A')) lower += c == ':' ? "" : std::string(1, static_cast<char>(std::tolower(c)));
  CHECK(normalize_fingerprint("SHA256:" + lower) == fp('A'));
  CHECK_THROWS_AS(normalize_fingerprint("ABCD"), UsageError);

  Gate g;
  g.reg->deny("address", "2001:0db8::0009", {"alice", std::nullopt}, g.clock);
  CHECK(g.join(join_req("T1", 'A', "2001:db8::9")).result == JoinResult::denied);
  CHECK_THROWS_AS(g.reg->deny("address", "10.0.0", {"alice", std::nullopt}, g.clock), UsageError);
  CHECK_THROWS_AS(g.reg->deny("fingerprint", "AB", {"alice", std::nullopt}, g.clock), UsageError);
  g.reg->expect("T2", "SHA256:" + lower, g.clock);
  JoinPolicy strict;
  strict.require_expected = true;
  CHECK(g.join(join_req("T2", 'A'), strict).result == JoinResult::pending);
}
