// The EST client's files in the device folder (see est_files.hpp). Every
// replacement keeps the current name present: a copy becomes .previous, then
// the .next file is renamed over it (core/atomic_file).
#include "pairkit/gate/est_files.hpp"

#include <cerrno>
#include <cstring>

#include <unistd.h>

#include "pairkit/core/atomic_file.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/renewal.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/device/layout.hpp"

namespace pairkit::gate {

std::string device_path(const std::string& device_dir, const std::string& name) { return device_dir + "/" + name; }

std::vector<std::string> install_renewal(const std::string& device_dir, bool new_key) {
  std::vector<std::string> written;
  // The key first: a crash between the two leaves cert.pem.next, which the
  // recovery matches against the key now in place.
  for (const char* name : {device::kKeyFile, device::kCertFile}) {
    if (name == std::string(device::kKeyFile) && !new_key) continue;
    const std::string path = device_path(device_dir, name);
    replace_keeping_previous(path, path + kNextSuffix, path + kPreviousSuffix);
    written.push_back(path);
    written.push_back(path + kPreviousSuffix);
  }
  if (device::record_certificate(device_dir)) written.push_back(device_path(device_dir, device::kDeviceFile));
  return written;
}

Recovery recover_interrupted(const std::string& device_dir, const Clock& clock, const Botan::Private_Key* token_key) {
  const std::string cert_next = device_path(device_dir, device::kCertFile) + kNextSuffix;
  const std::string key_next = device_path(device_dir, device::kKeyFile) + kNextSuffix;
  Recovery r;
  if (!path_exists(cert_next)) return r;
  const bool new_key = path_exists(key_next);
  try {
    const auto cert_pem = read_file(cert_next, limits::kObject);
    const std::string key_path = new_key ? key_next : device_path(device_dir, device::kKeyFile);
    std::unique_ptr<Botan::Private_Key> file_key;
    if (!token_key || new_key)
      file_key = crypto::load_private_key(read_file(key_path, limits::kObject), key_path, std::nullopt);
    const Botan::Private_Key& key = file_key ? *file_key : *token_key;
    r.reason = crypto::issued_certificate_problem(crypto::load_certificate_der(cert_pem, cert_next), {}, key,
                                                  read_file(device_path(device_dir, kCaFile), limits::kBundle),
                                                  kCaFile, clock.now());
  } catch (const InputError& e) {
    r.reason = e.what();
  }
  if (r.reason.empty()) {
    r.kind = Recovery::finished;
    r.written = install_renewal(device_dir, new_key);
    return r;
  }
  if (::unlink(cert_next.c_str()) != 0 && errno != ENOENT)
    throw InputError("cannot remove " + cert_next + ": " + std::strerror(errno));
  r.kind = Recovery::discarded;
  return r;
}

}  // namespace pairkit::gate
