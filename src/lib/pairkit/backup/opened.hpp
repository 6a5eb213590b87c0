// An open, decrypting restore point: file -> (ASCII armor) -> age -> the
// plaintext archive, with age's errors named after the file.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pairkit/backup/age.hpp"
#include "pairkit/backup/armor.hpp"
#include "pairkit/core/byte_stream.hpp"
#include "pairkit/core/file_stream.hpp"
#include "pairkit/core/error.hpp"

namespace pairkit::backup {

using Identities = std::vector<std::unique_ptr<Identity>>;

/// The X25519 identities of age identity files (every AGE-SECRET-KEY-1
/// line). Throws InputError naming a file that cannot be read or holds none.
Identities read_identity_files(const std::vector<std::string>& paths);

class OpenedBackup {
public:
  /// Opens `path` ("-": standard input), called `name` in errors, then takes
  /// the identities to try from `identities` and reads the age header with
  /// them. The identities are asked for only once the file is open, so that a
  /// missing file is reported before anyone is prompted for a passphrase.
  /// Throws InputError "NAME: ..." for a file no identity opens or a damaged
  /// header, InputError for a file that cannot be opened.
  OpenedBackup(const std::string& path, std::string name, const std::function<Identities()>& identities);
  ~OpenedBackup();
  OpenedBackup(const OpenedBackup&) = delete;
  OpenedBackup& operator=(const OpenedBackup&) = delete;

  /// The decrypted archive; reading it throws AgeError for a damaged or
  /// truncated payload (run the reading inside wrap()).
  ByteSource& plain() { return *reader_; }
  const std::string& name() const { return name_; }

  /// Runs f, turning age errors into InputError "NAME: ...".
  template <typename F>
  auto wrap(F f) -> decltype(f()) {
    try {
      return f();
    } catch (const AgeError& e) {
      throw InputError(name_ + ": " + e.what());
    }
  }

private:
  std::string name_;
  FileSource file_;
  PeekSource peek_;
  std::optional<ArmorSource> armor_;
  Identities ids_;
  std::optional<AgeReader> reader_;
};

}  // namespace pairkit::backup
