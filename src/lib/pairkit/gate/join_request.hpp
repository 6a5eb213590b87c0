// The pair request a terminal is waiting on, kept in DEVICE_DIR so that a
// `gate join` killed and started again polls the same request instead of
// filing a second one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace pairkit::gate {

/// The file's name in DEVICE_DIR.
inline constexpr const char* kJoinRequestFile = "gate-request.toml";

struct JoinRequest {
  std::string gate;            ///< the address it was filed at
  int64_t id = 0;
  std::string serial;
  std::string nonce;           ///< hex, as the gate sent it
  std::string expires_at;      ///< RFC 3339, as the gate sent it
  std::string gate_sha256;     ///< colon hex of the gate certificate the code was computed with
  std::string device_sha256;   ///< colon hex of the device certificate that filed it
};

/// The request in DEVICE_DIR, or nullopt when there is none. Throws
/// InputError naming the file when it is malformed.
std::optional<JoinRequest> load_join_request(const std::string& device_dir);

/// Writes the request atomically (0600), replacing any other.
void save_join_request(const std::string& device_dir, const JoinRequest& r);

/// Removes the request file if there is one.
void forget_join_request(const std::string& device_dir);

}  // namespace pairkit::gate
