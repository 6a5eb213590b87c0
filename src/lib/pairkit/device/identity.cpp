// Device identity creation and device.toml.
#include "pairkit/device/identity.hpp"

#include <sstream>

#include <botan/x509cert.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/toml_file.hpp"
#include "pairkit/crypto/pkcs11.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/x509.hpp"

namespace pairkit::device {

Role parse_role(std::string_view name) {
  if (name == "terminal") return Role::terminal;
  if (name == "server") return Role::server;
  throw UsageError("unknown role '" + std::string(name) + "' (expected terminal or server)");
}

std::string role_name(Role r) { return r == Role::terminal ? "terminal" : "server"; }

void check_serial(const std::string& serial) {
  if (serial.empty() || serial.size() > 64) throw UsageError("device serial must be 1 to 64 characters");
  for (unsigned char c : serial)
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == '\\' || c == '"')
      throw UsageError("device serial '" + serial + "' has a character that is not allowed (printable ASCII, no space, quote or slash)");
}

namespace {

std::string identity_toml(const Identity& id) {
  toml::table t{{"serial", id.serial},
                {"role", role_name(id.role)},
                {"key_type", id.key_type},
                {"cert_file", kCertFile},
                {"created", format_time(id.created)},
                {"not_after", format_time(id.not_after)},
                {"cert_sha256", id.cert_sha256},
                {"spki_pin", id.spki_pin},
                {"device_id", id.device_id}};
  // A key in a token has its URI here; key.pem is the file's.
  if (id.key_uri.empty()) t.insert("key_file", kKeyFile);
  else t.insert("key", id.key_uri);
  std::ostringstream text;
  text << "# pairkit device identity\n" << t << "\n";
  return text.str();
}

}  // namespace

bool holds_identity(const std::string& dir) {
  return path_exists(dir + "/" + kKeyFile) || path_exists(dir + "/" + kDeviceFile) ||
         path_exists(dir + "/" + kCertFile);
}

Identity init(const std::string& dir, const InitOptions& opts, Botan::RandomNumberGenerator& rng,
              const Clock& clock) {
  check_serial(opts.serial);
  if (!opts.force && holds_identity(dir))
    throw InputError(dir + " already holds a device identity (use --force to replace it)");
  std::unique_ptr<Botan::Private_Key> made;
  if (!opts.key) made = crypto::generate_key(opts.key_type, rng);
  const Botan::Private_Key& key = opts.key ? *opts.key : *made;
  const bool in_token = crypto::is_token_key(key);
  crypto::Subject subject = opts.subject;
  subject.common_name = opts.serial;
  subject.serial_number = opts.serial;
  crypto::CertSpec spec;
  spec.subject = subject.to_dn();
  spec.profile = opts.role == Role::server ? crypto::Profile::server : crypto::Profile::device;
  spec.sans = opts.sans;
  spec.not_before = clock.now();
  spec.not_after = spec.not_before + opts.valid_for;
  const auto cert = crypto::self_sign(key, spec, rng);

  Identity id;
  id.serial = opts.serial;
  id.role = opts.role;
  id.key_type = crypto::key_type_name(crypto::key_type_of(key));
  if (in_token) id.key_uri = crypto::token_key_uri(key);
  id.created = spec.not_before;
  id.not_after = spec.not_after;
  const auto der = cert.BER_encode();
  id.cert_sha256 = crypto::fingerprint(der, crypto::HashAlg::sha256, crypto::FpFormat::colon);
  id.spki_pin = crypto::spki_pin(cert.subject_public_key_info());
  id.device_id = crypto::fingerprint(der, crypto::HashAlg::sha256, crypto::FpFormat::base32);

  make_dirs(dir, kPrivateDirMode);
  WriteOptions priv{kPrivateFileMode, opts.force};
  WriteOptions pub{kPublicFileMode, opts.force};
  if (!in_token) write_file_atomic(dir + "/" + kKeyFile, crypto::private_key_pem(key, rng, opts.passphrase), priv);
  write_file_atomic(dir + "/" + kCertFile, cert.PEM_encode(), pub);
  write_file_atomic(dir + "/" + kDeviceFile, identity_toml(id), pub);
  // A replaced identity's key file must not outlive it: loaders take device.toml's word.
  if (in_token && ::unlink((dir + "/" + kKeyFile).c_str()) != 0 && errno != ENOENT)
    throw InputError("cannot remove the replaced identity's " + dir + "/" + kKeyFile + ": " + std::strerror(errno));
  return id;
}

Identity read_identity(const std::string& dir) {
  const std::string path = dir + "/" + kDeviceFile;
  const toml::table t = read_toml_file(path, limits::kToml);
  auto str = [&](const char* key) {
    auto v = t[key].value<std::string>();
    if (!v) throw InputError(path + " lacks '" + key + "'");
    return *v;
  };
  Identity id;
  id.serial = str("serial");
  id.role = parse_role(str("role"));
  id.key_type = str("key_type");
  FixedClock unused(TimePoint{});
  id.created = parse_time(str("created"), unused);
  id.not_after = parse_time(str("not_after"), unused);
  id.cert_sha256 = str("cert_sha256");
  id.spki_pin = str("spki_pin");
  id.device_id = str("device_id");
  if (auto uri = t["key"].value<std::string>()) {
    if (!crypto::is_pkcs11_uri(*uri)) throw InputError(path + ": key must be the pkcs11: URI of the device key");
    id.key_uri = *uri;
  }
  return id;
}

std::string key_reference(const std::string& dir) {
  if (path_exists(dir + "/" + kDeviceFile))
    if (auto id = read_identity(dir); !id.key_uri.empty()) return id.key_uri;
  return dir + "/" + kKeyFile;
}

bool record_certificate(const std::string& dir) {
  if (!path_exists(dir + "/" + kDeviceFile)) return false;
  Identity id = read_identity(dir);
  const std::string cert_path = dir + "/" + kCertFile;
  const auto der = crypto::load_certificate_der(read_file(cert_path, limits::kObject), cert_path);
  const std::string sha256 = crypto::fingerprint(der, crypto::HashAlg::sha256, crypto::FpFormat::colon);
  if (sha256 == id.cert_sha256) return false;
  const crypto::CertDetails d = crypto::describe_certificate(crypto::load_certificate(der, cert_path));
  id.not_after = d.not_after;
  id.cert_sha256 = sha256;
  id.spki_pin = d.spki_pin;
  id.device_id = crypto::fingerprint(der, crypto::HashAlg::sha256, crypto::FpFormat::base32);
  write_file_atomic(dir + "/" + kDeviceFile, identity_toml(id), WriteOptions{kPublicFileMode, true});
  return true;
}

}  // namespace pairkit::device
