// Back-end signatures: card and terminal certificates, CRLs.
#include "pairkit/sim/backend.hpp"

#include "pairkit/core/error.hpp"
#include "pairkit/sim/card.hpp"

namespace pairkit::sim {

Bytes Crl::to_be_signed() const {
  Bytes out = u32(expiry);
  put_u32(out, uint32_t(revoked.size()));
  for (uint32_t id : revoked) put_u32(out, id);
  return out;
}

Bytes card_cert_message(uint32_t id, uint32_t expiry, std::span<const uint8_t> card_pub) {
  return cat({u32(id), u32(expiry), card_pub, Bytes{kUsageCard}});
}

Bytes Backend::sign_card(uint32_t id, uint32_t expiry, std::span<const uint8_t> card_pub) const {
  return key_->sign(card_cert_message(id, expiry, card_pub));
}

TerminalCert Backend::certify(uint32_t id, uint8_t type, std::span<const uint8_t> terminal_pub, uint32_t now,
                              uint32_t valid_for) const {
  if (valid_for == 0 || valid_for > kMaxTerminalValidity)
    throw UsageError("terminal " + std::to_string(id) + ": a terminal certificate lives at most 7d, asked for " +
                     std::to_string(valid_for) + "s");
  TerminalCert c{id, now + valid_for, Bytes(terminal_pub.begin(), terminal_pub.end()), type, {}};
  c.sig = key_->sign(cat({u32(c.id), u32(c.expiry), c.pub, Bytes{c.type}}));
  return c;
}

Crl Backend::issue_crl(const std::set<uint32_t>& revoked, uint32_t expiry) const {
  Crl crl{revoked, expiry, {}};
  crl.sig = key_->sign(crl.to_be_signed());
  return crl;
}

bool Backend::verify_crl(const Crl& crl, std::span<const uint8_t> backend_pub) const {
  return profile_.verify(backend_pub, crl.to_be_signed(), crl.sig);
}

}  // namespace pairkit::sim
