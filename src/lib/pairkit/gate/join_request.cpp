// gate-request.toml: read, written atomically, removed once the request ends.
#include "pairkit/gate/join_request.hpp"

#include <cerrno>
#include <cstring>
#include <sstream>

#include <unistd.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/core/toml_file.hpp"
#include "pairkit/crypto/fingerprint.hpp"

namespace pairkit::gate {

namespace {

std::string path_in(const std::string& device_dir) { return device_dir + "/" + kJoinRequestFile; }

}  // namespace

std::optional<JoinRequest> load_join_request(const std::string& device_dir) {
  const std::string path = path_in(device_dir);
  if (!path_exists(path)) return std::nullopt;
  const toml::table t = read_toml_file(path, limits::kToml);
  JoinRequest r;
  auto text = [&](const char* key, std::string& out) {
    const auto v = t[key].value<std::string>();
    if (!v || v->empty() || v->size() > 256)
      throw InputError(path + ": no valid '" + key + "' (remove the file to file a new request)");
    out = *v;
  };
  text("gate", r.gate);
  text("serial", r.serial);
  text("nonce", r.nonce);
  text("expires_at", r.expires_at);
  text("gate_sha256", r.gate_sha256);
  text("device_sha256", r.device_sha256);
  if (crypto::normalize_sha256_hex(r.gate_sha256).empty() || crypto::normalize_sha256_hex(r.device_sha256).empty() ||
      r.nonce.size() != 32)
    throw InputError(path + ": a fingerprint or the nonce is malformed (remove the file to file a new request)");
  const auto id = t["id"].value<int64_t>();
  if (!id || *id <= 0) throw InputError(path + ": no valid 'id' (remove the file to file a new request)");
  r.id = *id;
  return r;
}

void save_join_request(const std::string& device_dir, const JoinRequest& r) {
  toml::table t{{"gate", r.gate},
                {"id", r.id},
                {"serial", r.serial},
                {"nonce", r.nonce},
                {"expires_at", r.expires_at},
                {"gate_sha256", r.gate_sha256},
                {"device_sha256", r.device_sha256}};
  std::ostringstream out;
  out << "# The gate pair request this device waits on (pairkit-gate(1), JOIN).\n" << t << "\n";
  write_file_atomic(path_in(device_dir), out.str(), WriteOptions{kPrivateFileMode, true});
}

void forget_join_request(const std::string& device_dir) {
  const std::string path = path_in(device_dir);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    throw InputError("cannot remove " + path + ": " + std::strerror(errno));
}

}  // namespace pairkit::gate
