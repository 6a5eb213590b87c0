// The back end: personalizes cards (through an initialization terminal),
// certifies terminals for at most a week and issues signed CRLs. Also the
// compact certificate and CRL encodings of the protocol.
#pragma once
#include <cstdint>
#include <memory>
#include <set>

#include "pairkit/sim/bytes.hpp"
#include "pairkit/sim/profile.hpp"

namespace pairkit::sim {

/// The longest a terminal certificate may live.
inline constexpr uint32_t kMaxTerminalValidity = 7 * 24 * 3600;

/// A terminal's compact certificate: ID || expiry || K_t || type, signed by k_b.
struct TerminalCert {
  uint32_t id = 0;
  uint32_t expiry = 0;
  Bytes pub;
  uint8_t type = 0;
  Bytes sig;  ///< S_t
};

/// Revoked card IDs and an expiry, signed by the back end.
struct Crl {
  std::set<uint32_t> revoked;
  uint32_t expiry = 0;
  Bytes sig;
  /// The signed bytes: expiry || count || IDs (each 4 bytes, ascending).
  Bytes to_be_signed() const;
};

/// The bytes S_c signs: cardID || cardExpiry || K_c || 01.
Bytes card_cert_message(uint32_t id, uint32_t expiry, std::span<const uint8_t> card_pub);

class Backend {
public:
  Backend(ProfileKind profile, std::shared_ptr<const KeyPair> key) : profile_(profile), key_(std::move(key)) {}
  const Profile& profile() const { return profile_; }
  const Bytes& public_bytes() const { return key_->public_bytes(); }
  const KeyPair& key() const { return *key_; }

  /// S_c for a card. With a forging key (an attacker's), signs with that instead.
  Bytes sign_card(uint32_t id, uint32_t expiry, std::span<const uint8_t> card_pub) const;
  /// A certificate for a terminal; throws UsageError when valid_for exceeds a week.
  TerminalCert certify(uint32_t id, uint8_t type, std::span<const uint8_t> terminal_pub, uint32_t now,
                       uint32_t valid_for) const;
  /// A CRL listing `revoked`, valid until `expiry`.
  Crl issue_crl(const std::set<uint32_t>& revoked, uint32_t expiry) const;
  /// True if the CRL's signature verifies under K_b.
  bool verify_crl(const Crl& crl, std::span<const uint8_t> backend_pub) const;

private:
  Profile profile_;
  std::shared_ptr<const KeyPair> key_;
};

}  // namespace pairkit::sim
