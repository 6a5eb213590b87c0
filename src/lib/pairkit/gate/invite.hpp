// `gate invite`: a single-use, expiring invite in the gate's registry and the
// pairing payload that carries it (address, the gate's fingerprint, the
// token in the ID field), for a QR code on the server's display.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <botan/rng.h>

#include "pairkit/core/clock.hpp"

namespace pairkit::gate {

struct GateInvite {
  int64_t id = 0;
  TimePoint expires_at{};
  std::string address;  ///< what the terminal dials, as the payload spells it
  std::string payload;  ///< "PK1/FP/HOST:PORT/TOKEN"
};

/// Creates an invite in the registry SERVER_DIR/gate.toml names (created if
/// missing), valid for `valid_for` (default: [invites] valid_for). The
/// address is `host` or gate.toml's public_address; neither is a UsageError,
/// checked, like the address itself, before the invite exists.
GateInvite create_gate_invite(const std::string& server_dir, const std::string& host,
                              std::optional<std::chrono::seconds> valid_for, Botan::RandomNumberGenerator& rng,
                              const Clock& clock);

}  // namespace pairkit::gate
