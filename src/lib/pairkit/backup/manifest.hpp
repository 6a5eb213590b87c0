// manifest.toml, the first entry of a restore point: what was backed up,
// from which device, with each file's size and SHA-256.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "pairkit/core/clock.hpp"

namespace pairkit::backup {

inline constexpr const char* kManifestName = "manifest.toml";
inline constexpr int kFormatVersion = 1;

struct ManifestFile {
  std::string path;  ///< relative to the device folder
  uint32_t mode = 0600;
  uint64_t size = 0;
  std::string sha256;  ///< lower-case hex
  bool sqlite_snapshot = false;
};

struct Manifest {
  int format_version = kFormatVersion;
  TimePoint created{};
  std::string tool_version;
  std::string serial, role;
  std::string cert_sha256, spki_pin, device_id;  ///< of cert.pem, as device.toml records them
  std::string key_uri;  ///< the pkcs11: URI of a key held in a token (no key.pem then); empty otherwise
  std::vector<ManifestFile> files;

  std::string to_toml() const;
  /// Parses and validates (paths relative, no "..", no duplicates); throws
  /// InputError naming `name`.
  static Manifest parse(const std::string& text, const std::string& name);
  const ManifestFile* find(const std::string& path) const;
};

/// A path safe to extract: relative, no "..", "." or empty components, no
/// backslashes or control characters.
bool safe_relative_path(const std::string& path);

}  // namespace pairkit::backup
