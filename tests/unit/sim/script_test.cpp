// Script parsing: defaults, every field, and errors with file:line.
#include <doctest/doctest.h>

#include <string>

#include "pairkit/core/error.hpp"
#include "pairkit/sim/script.hpp"

using namespace pairkit;
using namespace pairkit::sim;

namespace {
std::string error_of(const std::string& text) {
  try {
    parse_script(text, "s.toml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("sim script: the contract's vocabulary and the extras") {
  const auto s = parse_script(R"(
[sim]
profile = "modern"
seed = 7
start = "2026-01-05T09:00:00Z"
[[card]]
id = 123
expires = "2028-01-01T00:00:00Z"
counter = 0xFFFFFFFD
[[terminal]]
id = 2345
type = "reload"
valid_for = "2d"
counter = 9
[[step]]
do = "personalize"
card = 123
[[step]]
do = "reload"
card = 123
terminal = 2345
amount = 250
tear_after = "30"
mitm_ins = "28"
mitm_data = "00 00 03 E8"
replay_step = 1
replay_ins = "a4"
[step.expect]
sw = "6982"
outcome = "torn"
balance = 0
blocked = false
logged = true
)",
                              "s.toml");
  CHECK(s.profile == ProfileKind::modern);
  CHECK(s.seed == 7u);
  REQUIRE(s.cards.size() == 1);
  CHECK(s.cards[0].counter == 0xFFFFFFFDu);
  CHECK(s.terminals[0].type == kUsageReload);
  CHECK(s.terminals[0].valid_for == std::chrono::days(2));
  CHECK(s.terminals[0].counter == 9u);
  REQUIRE(s.steps.size() == 2);
  const auto& st = s.steps[1];
  CHECK(st.line == 18);
  CHECK(st.amount == 250);
  CHECK(st.faults.tear_after == uint8_t(0x30));
  CHECK(st.faults.mitm_data == Bytes{0, 0, 3, 0xE8});
  CHECK(st.faults.replay_ins == uint8_t(0xA4));
  CHECK(st.expect.sw == uint16_t(0x6982));
  CHECK(st.expect.outcome == Outcome::torn);
  CHECK(st.expect.logged == true);
}

TEST_CASE("sim script: defaults") {
  const auto s = parse_script("[[card]]\nid = 1\n[[step]]\ndo = \"personalize\"\ncard = 1\n", "s.toml");
  CHECK(s.profile == ProfileKind::legacy);
  CHECK(!s.seed);
  CHECK(s.cards[0].mode == CardMode::faithful);
  CHECK(s.cards[0].expires == s.start + std::chrono::days(730));
}

TEST_CASE("sim script: errors name file and line") {
  CHECK(error_of("[sim]\nprofile = 3\n") == "s.toml:2: 'profile' must be a string");
  CHECK(error_of("[[card]]\nid = -1\n").find("s.toml:2: 'id' = -1 is out of range") == 0);
  CHECK(error_of("[[card]]\nid = 1\n[[step]]\ndo = \"pay\"\ncard = 1\n").find("s.toml:3: step 'pay' needs 'terminal'") == 0);
  CHECK(error_of("[[card]]\nid = 1\n[[terminal]]\nid = 2\ntype = \"pos\"\n[[step]]\ndo = \"pay\"\ncard = 1\n"
                 "terminal = 2\namount = 1\nmitm_ins = \"28\"\n")
            .find("s.toml:6: 'mitm_ins' and 'mitm_data' go together") == 0);
  CHECK(error_of("[[step]]\ndo = \"advance\"\n").find("s.toml:1: step 'advance' needs 'by'") == 0);
  CHECK(error_of("[[step]]\ndo = \"advance\"\nby = \"soon\"\n").find("s.toml:3: 'by': ") == 0);
  CHECK(error_of("sim = 1\n[[step]]\ndo = \"advance\"\nby = \"1d\"\n") == "s.toml:1: 'sim' must be a table [sim]");
  CHECK(error_of("[[step]]\ndo = \"revoke\"\ncard = 5\n").find("s.toml:3: card 5 is not declared") == 0);
  CHECK(error_of("[x\n").find("s.toml:1: ") == 0);
}

TEST_CASE("sim script: counter expectations need a card") {
  CHECK(error_of("[[step]]\ndo = \"advance\"\nby = \"1d\"\nexpect = { counter = 1 }\n")
            .find("s.toml:4: 'balance', 'blocked' and 'counter' need the step to name a card") == 0);
  const auto s = parse_script("[[card]]\nid = 1\n[[step]]\ndo = \"personalize\"\ncard = 1\nexpect = { counter = 0 }\n",
                              "s.toml");
  CHECK(s.steps[0].expect.counter == 0u);
}
