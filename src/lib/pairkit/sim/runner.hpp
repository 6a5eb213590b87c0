// Runs a parsed script: builds the back end, cards and terminals, runs every
// step over recorded APDU channels with the step's faults, and checks the
// step's expectations. The result feeds the transcript writers and logs.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pairkit/sim/script.hpp"
#include "pairkit/sim/terminal.hpp"

namespace pairkit::sim {

/// One APDU as it crossed the channel.
struct Exchange {
  Bytes command;                  ///< what the card received (after MITM or replay)
  std::optional<Bytes> response;  ///< what the terminal received; nullopt when lost
  std::optional<Bytes> lost;      ///< what the card answered when the response was lost
  std::vector<std::string> faults;  ///< what the attacker or the power did to it
  bool delivered = true;          ///< false: torn before the card got it
  bool dropped = false;           ///< the response was lost in transit (the card stayed powered)
};

struct StepReport {
  int index = 0;  ///< from 1
  Step step;
  std::string title;
  TimePoint time;
  std::vector<Exchange> apdus;
  std::vector<std::string> notes;
  Outcome outcome = Outcome::ok;
  std::string reason;
  bool logged = false;
  std::optional<uint16_t> last_sw;
  std::optional<uint32_t> balance;
  std::optional<uint32_t> counter;
  std::optional<bool> blocked;
  std::vector<std::string> failures;  ///< "sw: expected 9000, got 6982"
};

struct ScriptReport {
  std::string file;
  ProfileKind profile = ProfileKind::legacy;
  uint64_t seed = 0;
  Bytes backend_pub;
  std::vector<StepReport> steps;
  std::map<uint32_t, std::vector<LogRecord>> logs;  ///< per terminal ID, in declaration order of IDs
  bool passed() const;
};

/// Runs the script with `seed` (keys from `pool`, shared across scripts).
ScriptReport run_script(const Script& script, uint64_t seed, KeyPool& pool);

}  // namespace pairkit::sim
