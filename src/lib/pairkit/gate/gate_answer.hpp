// What a gate answers (pairkit-gate(1), THE API): the pair request's state,
// the terminal's CONFIG and the error object, parsed strictly because they
// come over the network from a gate the terminal does not control.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace pairkit::gate {

/// One file of a CONFIG.
struct ConfigFile {
  std::string name;  ///< checked by check_config_file_name
  mode_t mode = 0600;
  std::vector<uint8_t> data;
};

/// CONFIG: what a paired terminal receives.
struct TerminalConfig {
  std::string serial;
  std::string master_address;      ///< empty when the gate has no [master]
  std::string master_fingerprint;  ///< colon hex
  std::vector<ConfigFile> files;
};

/// The state of a pair request: POST /v1/pair's and GET /v1/pair/{id}'s answer.
struct PairAnswer {
  int64_t id = 0;
  std::string state;  ///< "pending", "paired", "closed" or "unpaired"
  std::string serial;
  std::string nonce;       ///< pending: 32 hex digits
  std::string expires_at;  ///< pending: RFC 3339
  std::string approved_by; ///< paired
  std::string message;     ///< closed, unpaired
  std::optional<TerminalConfig> config;  ///< paired
};

/// An error answer's stable code and human message.
struct GateError {
  std::string code;
  std::string message;
};

/// Most files and bytes a CONFIG may carry (the gate sends at most 64 and 1 MiB).
inline constexpr size_t kMaxConfigFiles = 64;
inline constexpr size_t kMaxConfigBytes = size_t(1) << 20;

/// A file name from a gate: 1-128 of [A-Za-z0-9._-], not starting with '.'
/// (so no path separator, no dot-dot, no hidden file). Throws InputError.
void check_config_file_name(const std::string& name);

/// Parses a pair answer. Throws InputError "the gate's answer ...: REASON"
/// for malformed JSON, a missing or mistyped field, an unknown state, a bad
/// file name, mode or base64, or a CONFIG past the limits.
PairAnswer parse_pair_answer(std::string_view body);

/// Parses CONFIG on its own (GET /v1/config). Throws as parse_pair_answer.
TerminalConfig parse_terminal_config(std::string_view body);

/// Parses an error answer; a body that is not one gives an empty code and
/// the body's first line (at most 200 bytes, control characters dropped).
GateError parse_gate_error(std::string_view body);

}  // namespace pairkit::gate
