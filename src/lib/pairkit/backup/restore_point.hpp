// Restore points: a device identity folder (key, certificate, device.toml,
// pin store, config, a consistent snapshot of the pairing registry) as a
// ustar archive led by manifest.toml, streamed into an age encryption; and
// the way back: verify everything, stage beside the target, rename into place.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pairkit/backup/manifest.hpp"
#include "pairkit/core/byte_stream.hpp"
#include "pairkit/core/clock.hpp"

namespace pairkit::backup {

struct CreateOptions {
  std::string from;                   ///< the device identity folder
  std::vector<std::string> includes;  ///< further files, relative to `from`
  std::string tool_version;
  /// Where SQLite snapshots are made (beside the output, so a large registry
  /// does not fill a RAM-backed /tmp); empty: the system's temporary folder.
  std::string scratch_dir;
};

/// Writes the archive (manifest first, then the files) to `out`, which is
/// usually an AgeWriter; does not finish `out`. SQLite files are copied as
/// snapshots (SQLite's backup API) made in a temporary folder. When `out`
/// can rewrite the manifest (ByteSink::can_rewrite), files are read once and
/// their hashes filled into the manifest afterwards; otherwise they are read
/// twice (hash, then copy). A file that changes while being read (or in
/// between) is refused. Throws InputError naming the file.
Manifest create_restore_point(const CreateOptions& opts, ByteSink& out, const Clock& clock);

/// Reads only the manifest (the archive's first entry). Throws InputError
/// "NAME is not a pairkit restore point" for any other archive.
Manifest read_manifest(ByteSource& plain, const std::string& name);

struct VerifyReport {
  Manifest manifest;
  bool key_checked = false;  ///< false when the key is encrypted (its passphrase is not asked for)
};

/// Reads the whole archive: every entry must be a regular file listed in the
/// manifest, with its size and SHA-256; every listed file must be present; the
/// private key must match the certificate and the certificate the manifest.
/// With `extract_dir`, files are written there (0600, fsynced) as they are
/// checked. Throws InputError naming what is wrong.
VerifyReport verify_restore_point(ByteSource& plain, const std::string& name,
                                  const std::string* extract_dir = nullptr);

struct RestoreResult {
  VerifyReport report;
  std::string previous;  ///< where the replaced identity went ("" if none)
};

/// Whether restore_to would refuse `dir` without force (it holds an identity
/// or other files): the message, or "" if it would not.
std::string restore_target_problem(const std::string& dir);

/// Restores into `dir`: stages in a temporary folder beside it, verifies
/// everything, fsyncs, then renames into place (0700, files 0600). A folder
/// holding an identity (or anything) is refused unless `force`, which keeps it
/// as DIR.previous-<time>. On any failure nothing is left behind and `dir` is
/// untouched.
RestoreResult restore_to(ByteSource& plain, const std::string& name, const std::string& dir, bool force,
                         const Clock& clock);

}  // namespace pairkit::backup
