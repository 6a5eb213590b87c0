// Loading the gate's CA (see gate_ca.hpp).
#include "pairkit/gate/gate_ca.hpp"

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/objects.hpp"

namespace pairkit::gate {

std::shared_ptr<const GateCa> GateCa::load(const GateConfig& config, const crypto::TokenAccess* token) {
  if (config.ca_dir.empty()) throw UsageError("no CA folder: set [gate] ca in gate.toml or pass --ca");
  auto dir = ca::CaDir::open(config.ca_dir);
  std::unique_ptr<Botan::Private_Key> key;
  if (path_exists(dir.path(ca::kKeyFile))) {
    std::optional<Botan::secure_vector<char>> passphrase;
    if (!config.est.passphrase_file.empty()) {
      const auto bytes = read_file(config.est.passphrase_file, limits::kPassphrase);
      Botan::secure_vector<char> p(bytes.begin(), bytes.end());
      while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
      passphrase = std::move(p);
    } else if (dir.key_encrypted()) {
      throw InputError(dir.path(ca::kKeyFile) + " is encrypted: set [est] passphrase_file in gate.toml");
    }
    key = dir.load_key(passphrase);
  } else if (!dir.key_uri().empty() && token != nullptr) {
    key = dir.load_key(std::nullopt, token);
  }
  const std::string cert_file = dir.path(ca::kCertFile);
  auto der = crypto::load_certificate_der(read_file(cert_file, limits::kObject), cert_file);
  return std::shared_ptr<const GateCa>(new GateCa(std::move(dir), std::move(der), std::move(key)));
}

}  // namespace pairkit::gate
