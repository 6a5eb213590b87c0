// Pairing registry: the whole lifecycle with a fixed clock, wrong codes,
// expiry, re-pairing with another certificate, unpairing, corrupt files.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/sqlite.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/pairing/registry.hpp"
#include "registry_fixture.hpp"

using namespace pairkit;
using namespace pairkit::pairing;
using namespace pairkit::pairing::testing;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {
const TimePoint t0(std::chrono::seconds(1'800'000'000));
}  // namespace

TEST_CASE("request, wrong code, approve, check, unpair") {
  TempDir d;
  auto rng = make_seeded_rng(3);
  FixedClock clock(t0);
  const auto reg = open_plain(d.path() + "/pairing.db");
  auto out = reg->request("T1", cert('A'), cert('5'), 15min, *rng, clock);
  CHECK_FALSE(out.already_paired);
  CHECK(out.row.state == State::pending);
  CHECK(out.row.expires_at == t0 + 15min);
  CHECK(out.row.code == pairing_code(parse_nonce(out.row.nonce), std::vector<uint8_t>(32, 0xAA),
                                     std::vector<uint8_t>(32, 0x55)));
  CHECK_THROWS_AS(reg->check("T1", fp('A')), CheckFailed);

  // The code of a MITM certificate differs: refused and counted.
  auto mitm = reg->request("T1", cert('A'), std::nullopt, 15min, *rng, clock);  // supersedes; server cert remembered
  const std::string mitm_code =
      pairing_code(parse_nonce(mitm.row.nonce), std::vector<uint8_t>(32, 0xBB), std::vector<uint8_t>(32, 0x55));
  CHECK_THROWS_WITH_AS(reg->approve("T1", std::nullopt, parse_code(mitm_code), 5, {"alice", std::nullopt}, clock), doctest::Contains("attempt 1 of 3"),
                       CheckFailed);
  CHECK_THROWS_AS(reg->approve("T1", std::nullopt, parse_code(mitm.row.code), 6, {"alice", std::nullopt}, clock), UsageError);
  const auto paired = reg->approve("T1", std::nullopt, parse_code(mitm.row.code), 5, {"alice", std::nullopt}, clock);
  CHECK(paired.state == State::paired);
  CHECK_NOTHROW(reg->check("T1", fp('A')));
  CHECK_THROWS_WITH_AS(reg->check("T1", fp('B')), doctest::Contains(fp('A').c_str()), CheckFailed);
  CHECK_THROWS_AS(reg->check("T9", fp('A')), CheckFailed);

  // Same fingerprint again: already paired. Another one: pending, old pairing stays.
  CHECK(reg->request("T1", cert('A'), std::nullopt, 15min, *rng, clock).already_paired);
  auto other = reg->request("T1", cert('B'), std::nullopt, 15min, *rng, clock);
  CHECK(other.replaces_fingerprint == fp('A'));
  CHECK_NOTHROW(reg->check("T1", fp('A')));
  reg->reject("T1", {"bob", std::nullopt}, clock);
  CHECK_NOTHROW(reg->check("T1", fp('A')));
  CHECK_THROWS_AS(reg->reject("T1", {"bob", std::nullopt}, clock), CheckFailed);

  // Approving another certificate replaces the pairing, and the log says so.
  auto other2 = reg->request("T1", cert('B'), std::nullopt, 15min, *rng, clock);
  reg->approve("T1", std::nullopt, parse_code(other2.row.code), 5, {"dave", std::nullopt}, clock);
  CHECK_NOTHROW(reg->check("T1", fp('B')));
  CHECK_THROWS_AS(reg->check("T1", fp('A')), CheckFailed);
  const auto replaced = reg->audit(std::string("T1"));
  const auto it = std::find_if(replaced.begin(), replaced.end(), [](const AuditRow& r) { return r.action == "replace"; });
  REQUIRE(it != replaced.end());
  CHECK(it->old_fingerprint == fp('A'));
  CHECK(it->new_fingerprint == fp('B'));
  CHECK(it->new_state == "unpaired");

  reg->unpair("T1", {"carol", std::nullopt}, clock);
  CHECK_THROWS_AS(reg->check("T1", fp('B')), CheckFailed);
  CHECK_THROWS_AS(reg->unpair("T1", {"carol", std::nullopt}, clock), CheckFailed);

  const auto log = reg->audit(std::string("T1"));
  REQUIRE(log.size() >= 7);
  CHECK(log.back().action == "unpair");
  CHECK(log.back().actor == "carol");
  CHECK(log.back().old_fingerprint == fp('B'));
  CHECK(reg->list(State::unpaired, clock).size() == 2);
  CHECK(reg->list(State::rejected, clock).size() == 1);
}

TEST_CASE("pending requests expire with the clock") {
  TempDir d;
  auto rng = make_seeded_rng(4);
  FixedClock clock(t0);
  const auto reg = open_plain(d.path() + "/pairing.db");
  auto out = reg->request("T2", cert('C'), cert('5'), 15min, *rng, clock);
  clock.set(t0 + 15min);
  CHECK_THROWS_WITH_AS(reg->approve("T2", std::nullopt, parse_code(out.row.code), 5, {"alice", std::nullopt}, clock), doctest::Contains("expired"),
                       CheckFailed);
  const auto rows = reg->list(std::nullopt, clock);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == State::expired);
  CHECK_THROWS_WITH_AS(reg->approve("T3", std::nullopt, parse_code(out.row.code), 5, {"alice", std::nullopt}, clock),
                       doctest::Contains("no pending pairing request"), CheckFailed);
}

TEST_CASE("three wrong codes reject the request; some groups may be enough") {
  TempDir d;
  auto rng = make_seeded_rng(5);
  FixedClock clock(t0);
  const auto reg = open_plain(d.path() + "/pairing.db");
  auto out = reg->request("T4", cert('D'), cert('5'), 15min, *rng, clock);
  const auto wrong = pairing_code(parse_nonce(out.row.nonce), std::vector<uint8_t>(32, 0xEE), std::vector<uint8_t>(32, 0x55));
  for (int i = 0; i < 2; ++i) CHECK_THROWS_AS(reg->approve("T4", std::nullopt, parse_code(wrong), 5, {"x", std::nullopt}, clock), CheckFailed);
  CHECK_THROWS_WITH_AS(reg->approve("T4", std::nullopt, parse_code(wrong), 5, {"x", std::nullopt}, clock), doctest::Contains("rejected"), CheckFailed);
  CHECK(reg->list(State::rejected, clock).size() == 1);

  auto again = reg->request("T4", cert('D'), std::nullopt, 15min, *rng, clock);
  const std::string two = "2:" + again.row.code.substr(6, 5) + " 4:" + again.row.code.substr(18, 5);
  CHECK_THROWS_AS(reg->approve("T4", std::nullopt, parse_code(two), 3, {"x", std::nullopt}, clock), UsageError);
  CHECK(reg->approve("T4", std::nullopt, parse_code(two), 2, {"x", std::nullopt}, clock).state == State::paired);
}

TEST_CASE("missing, corrupt and foreign databases") {
  TempDir d;
  CHECK_THROWS_WITH_AS(open_registry(d.path() + "/none.db", {IfMissing::fail, 100ms}), doctest::Contains("no pairing registry"), InputError);
  std::ofstream(d.path() + "/junk.db") << std::string(8192, 'x');
  CHECK_THROWS_WITH_AS(open_registry(d.path() + "/junk.db", {IfMissing::fail, 100ms}), doctest::Contains("not a valid pairing database"),
                       InputError);
  CHECK_THROWS_AS(open_registry(d.path() + "/nodir/pairing.db", {IfMissing::create, 100ms}), InputError);  // no such folder
}

TEST_CASE("a registry opens from sqlite:PATH; other schemes and URLs with passwords are usage errors") {
  TempDir d;
  auto rng = make_seeded_rng(6);
  FixedClock clock(t0);
  const std::string path = d.path() + "/pairing.db";
  CHECK_THROWS_AS(open_registry("sqlite:" + path, {IfMissing::fail, 2000ms}), db::StoreMissing);
  open_registry("sqlite:" + path, {IfMissing::create, 2000ms})->request("T5", cert('E'), cert('5'), 15min, *rng, clock);
  CHECK(open_registry(path, {IfMissing::fail, 2000ms})->list(State::pending, clock).size() == 1);
  CHECK_THROWS_AS(open_registry("mysql://gate@db/pairing", {IfMissing::fail, 2000ms}), UsageError);
  CHECK_THROWS_AS(open_registry("postgresql://gate:secret@db/pairing", {IfMissing::fail, 2000ms}), UsageError);
}

TEST_CASE("a registry busy past its timeout names the file; nothing is recorded") {
  TempDir d;
  auto rng = make_seeded_rng(7);
  FixedClock clock(t0);
  const std::string path = d.path() + "/pairing.db";
  const auto reg = open_plain(path);
  reg->request("T6", cert('F'), cert('5'), 15min, *rng, clock);
  auto holder = sqlite::open(path, {});
  db::Transaction held(*holder);
  const auto waiting = open_registry(path, {IfMissing::fail, 100ms});
  CHECK_THROWS_WITH_AS(waiting->reject("T6", {"bob", std::nullopt}, clock),
                       doctest::Contains(("registry " + path + " is busy: another process held it for more than 100 ms").c_str()),
                       InputError);
}
