// Transcript writers: scriptor-style text, JSON, and XFS4IoT
// CardReader.ChipIO command/completion messages.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pairkit/sim/runner.hpp"

namespace pairkit::sim {

/// Lines "> 00 A4 ..." / "< 90 00  # ok", step headers and notes.
std::string text_transcript(const ScriptReport& rep);
/// One object per script: file, profile, seed, passed, steps with APDUs.
nlohmann::json json_transcript(const ScriptReport& rep);
/// XFS4IoT messages (command then completion) for every APDU, requestIds
/// counted from `next_request_id`, which is advanced.
nlohmann::json xfs4iot_transcript(const ScriptReport& rep, int& next_request_id);

}  // namespace pairkit::sim
