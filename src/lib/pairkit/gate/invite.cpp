// gate invite: the registry row and its payload, in that order of checks:
// nothing is created for an address or certificate that cannot go in the code.
#include "pairkit/gate/invite.hpp"

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/device/layout.hpp"
#include "pairkit/gate/gate_config.hpp"
#include "pairkit/pairing/registry.hpp"
#include "pairkit/qr/payload.hpp"

namespace pairkit::gate {

GateInvite create_gate_invite(const std::string& server_dir, const std::string& host,
                              std::optional<std::chrono::seconds> valid_for, Botan::RandomNumberGenerator& rng,
                              const Clock& clock) {
  const GateConfig cfg = read_gate_config(server_dir);
  const std::string address = !host.empty() ? host : cfg.public_address;
  if (address.empty())
    throw UsageError("no address for terminals to dial: give --host HOST:PORT or set public_address in " +
                     server_dir + "/" + kGateConfigFile);
  qr::PairingPayload p;
  qr::parse_address(address, p.host, p.port);
  const std::string cert_path = server_dir + "/" + device::kCertFile;
  p.cert_sha256 = crypto::digest(crypto::HashAlg::sha256,
                                 crypto::load_certificate_der(read_file(cert_path, limits::kObject), cert_path));
  const auto lifetime = valid_for.value_or(cfg.invite_valid_for);
  if (lifetime <= std::chrono::seconds(0)) throw UsageError("an invite must be valid for some time");

  pairing::RegistryOptions ro;
  ro.if_missing = IfMissing::create;
  const auto inv = pairing::open_registry(cfg.registry, ro)->create_invite(lifetime, rng, clock);
  p.id = qr::normalize_id(inv.token);
  GateInvite g;
  g.id = inv.id;
  g.expires_at = inv.expires_at;
  g.address = p.address();
  g.payload = qr::encode_payload(p);
  return g;
}

}  // namespace pairkit::gate
