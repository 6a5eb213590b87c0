// Simulation scripts (TOML): the parties, the steps, their faults and
// expectations. Parsing errors name the file and line.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pairkit/core/clock.hpp"
#include "pairkit/sim/bytes.hpp"
#include "pairkit/sim/card.hpp"
#include "pairkit/sim/profile.hpp"
#include "pairkit/sim/terminal.hpp"

namespace pairkit::sim {

struct CardSpec {
  uint32_t id = 0;
  TimePoint expires;
  uint32_t counter = 0;          ///< starting counter (e.g. near 0xFFFFFFFF)
  CardMode mode = CardMode::faithful;
  bool forge_cert = false;       ///< personalized with S_c from an attacker's key
  int line = 0;
};

struct TerminalSpec {
  uint32_t id = 0;
  uint8_t type = 0;              ///< kUsagePos | kUsageReload
  std::chrono::seconds valid_for{7 * 86400};
  uint32_t counter = 0;          ///< starting counter
  bool forge_cert = false;       ///< certificate signed by an attacker's key
  bool rogue = false;            ///< an attacker's terminal: skips its own expiry check
  int line = 0;
};

struct Faults {
  std::optional<uint8_t> tear_before, tear_after, drop_response, mitm_ins;
  Bytes mitm_data;
  bool mitm_response = false;    ///< replace the response data instead of the command's
  bool mitm_raw = false;         ///< mitm_data replaces the whole command APDU (bad Lc and such)
  std::optional<int> replay_step;
  std::optional<uint8_t> replay_ins;
  bool any() const { return tear_before || tear_after || drop_response || mitm_ins || replay_step; }
};

struct Expect {
  std::optional<uint16_t> sw;
  std::optional<Outcome> outcome;
  std::optional<uint32_t> balance;
  std::optional<uint32_t> counter;  ///< the card's transaction counter after the step
  std::optional<bool> blocked, logged;
};

struct Step {
  int line = 0;
  std::string action;            ///< personalize | reload | pay | revoke | advance | recertify
  std::string name;              ///< optional label shown in the transcript
  uint32_t card = 0, terminal = 0, amount = 0;
  std::chrono::seconds by{0};    ///< advance
  std::optional<std::chrono::seconds> valid_for;  ///< recertify
  Faults faults;
  Expect expect;
};

struct Script {
  std::string file;
  ProfileKind profile = ProfileKind::legacy;
  std::optional<uint64_t> seed;
  TimePoint start;
  std::vector<CardSpec> cards;
  std::vector<TerminalSpec> terminals;
  std::vector<Step> steps;
};

/// Steps a script may hold unless the caller allows more. A payment step
/// costs a few RSA-2048 signatures and its transcript is kept until the run
/// ends, so this bounds what a hostile 1 MiB script costs (about half a
/// minute and 100 MB).
inline constexpr size_t kDefaultMaxSteps = 2000;

/// Parses a script. Throws InputError "FILE:LINE: reason" for malformed TOML,
/// unknown keys, bad values, references to undeclared cards or terminals, and
/// for more than max_steps steps.
Script parse_script(std::string_view text, const std::string& file, size_t max_steps = kDefaultMaxSteps);

}  // namespace pairkit::sim
