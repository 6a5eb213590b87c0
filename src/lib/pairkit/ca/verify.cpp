// Path validation with revocation by pairkit's indexed CRLs (see verify.hpp).
#include "pairkit/ca/verify.hpp"

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/x509.hpp"

namespace pairkit::ca {

VerifyResult verify_path(const VerifyRequest& r) {
  VerifyResult out;
  out.subject = crypto::dn_to_string(r.chain.front().subject_dn());
  const auto validation = crypto::validate_path(r.chain, r.anchors, r.anchors_name, r.purpose, r.at);
  out.failure = validation.failure;
  if (!out.valid()) return out;

  const auto& path = validation.path;
  for (const auto& c : path) out.path.push_back(crypto::dn_to_string(c.subject_dn()));
  // The anchor itself is trusted as given: only certificates below it can be revoked.
  for (size_t i = 0; i + 1 < path.size() && out.valid(); ++i) {
    const auto& cert = path[i];
    const auto& issuer = path[i + 1];
    for (const auto& crl : r.crls) {
      if (crl.issuer() != cert.issuer_dn()) continue;
      if (!crl.signed_by(issuer))
        throw CheckFailed(r.name + ": " + crl.name() + " claims to be from " + crypto::dn_to_string(crl.issuer()) +
                          " but its signature does not verify with that CA's key");
      crl.require_fresh(r.at, r.allow_stale);
      if (const auto hit = crl.find(std::span<const uint8_t>(cert.serial_number()))) {
        out.failure = "revoked";
        if (i > 0) out.failure += " (intermediate " + crypto::dn_to_string(cert.subject_dn()) + ")";
        out.failure += " on " + format_time(hit->revoked_at) + ", reason " + reason_name(hit->reason) + ", per " +
                       crl.name();
        break;
      }
    }
  }
  return out;
}

}  // namespace pairkit::ca
