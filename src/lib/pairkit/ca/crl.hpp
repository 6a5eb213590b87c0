// CRLs at fleet scale: building a v2 CRL (DER written directly, signed once)
// and reading one into a hash index over the raw revoked list, so a CRL with a
// million entries is neither fully decoded nor scanned per lookup (Botan 2's
// X509_CRL does both).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <botan/pk_keys.h>
#include <botan/rng.h>
#include <botan/x509_dn.h>
#include <botan/x509cert.h>

#include "pairkit/core/clock.hpp"

namespace pairkit::ca {

/// RFC 5280 CRLReason names ("keyCompromise", ...) and codes (0..10, not 7).
/// Throws UsageError listing the valid names.
int parse_reason(std::string_view name);
/// The RFC 5280 name of a reason code ("unknown(7)" for codes outside it).
std::string reason_name(int code);
/// As above; an absent reason code reads "unspecified", as RFC 5280 says an
/// entry without the extension means.
std::string reason_name(std::optional<int> code);
/// Every accepted reason name, in code order.
const std::vector<std::string>& reason_names();

/// A serial as pairkit prints and stores it: upper-case hex of the positive
/// integer's minimal big-endian bytes ("0A1B..."), as openssl shows serials.
std::string serial_hex(std::span<const uint8_t> magnitude);
/// Parses a user-typed serial (hex, optional "0x" prefix and colons, any
/// case) into the canonical form; throws UsageError naming the text.
std::string normalize_serial(std::string_view text);

/// One revoked certificate as it goes into (or comes out of) a CRL.
struct RevokedEntry {
  std::string serial;          ///< canonical hex (serial_hex)
  TimePoint revoked_at{};
  std::optional<int> reason;   ///< absent: no reasonCode extension
};

struct CrlSpec {
  uint64_t number = 1;
  TimePoint this_update{};
  TimePoint next_update{};
};

/// A v2 CRL (DER) signed by the CA: CRL number, AKI, reason codes per entry.
/// The revoked list is encoded directly and the TBS signed once.
std::vector<uint8_t> build_crl(const Botan::Private_Key& ca_key, const Botan::X509_Certificate& ca_cert,
                               const CrlSpec& spec, std::span<const RevokedEntry> entries,
                               Botan::RandomNumberGenerator& rng);

/// PEM armour for a DER CRL ("X509 CRL").
std::string crl_pem(std::span<const uint8_t> der);

/// A parsed CRL: header fields decoded, the revoked list indexed by serial but
/// left raw (an entry's date and reason are decoded only when asked for).
class CrlIndex {
public:
  /// Parses PEM or DER. Throws InputError naming `name` for anything that is
  /// not a well-formed CRL.
  CrlIndex(std::span<const uint8_t> data, const std::string& name);
  ~CrlIndex();
  CrlIndex(CrlIndex&&) noexcept;

  const std::string& name() const { return name_; }
  const Botan::X509_DN& issuer() const { return issuer_; }
  std::optional<uint64_t> number() const { return number_; }
  TimePoint this_update() const { return this_update_; }
  std::optional<TimePoint> next_update() const { return next_update_; }
  /// Throws InputError naming the CRL when its next update was due before
  /// `at`, unless `allow_stale`: an outdated CRL may miss recent revocations.
  void require_fresh(TimePoint at, bool allow_stale) const;
  const std::vector<uint8_t>& authority_key_id() const { return aki_; }
  std::string signature_algorithm() const;
  size_t size() const { return entries_.size(); }

  /// Whether `issuer_cert` signed this CRL (the signature over the TBS is
  /// checked once, here).
  bool signed_by(const Botan::X509_Certificate& issuer_cert) const;

  /// The entry for a serial (canonical hex or raw magnitude bytes), if revoked.
  std::optional<RevokedEntry> find(std::span<const uint8_t> serial_magnitude) const;
  std::optional<RevokedEntry> find(const std::string& serial_hex_text) const;

  /// Every entry, decoded (for `crl info --json`).
  std::vector<RevokedEntry> entries() const;

private:
  RevokedEntry decode_entry(uint32_t offset) const;
  std::span<const uint8_t> entry_serial(uint32_t offset) const;

  std::string name_;
  std::vector<uint8_t> der_;       ///< the whole CRL, DER
  std::span<const uint8_t> tbs_;   ///< the signed TBSCertList, inside der_
  std::vector<uint8_t> sig_alg_;   ///< DER AlgorithmIdentifier
  std::vector<uint8_t> signature_;
  Botan::X509_DN issuer_;
  std::optional<uint64_t> number_;
  TimePoint this_update_{};
  std::optional<TimePoint> next_update_;
  std::vector<uint8_t> aki_;
  std::vector<uint32_t> entries_;  ///< offsets of the entries in tbs_
  std::vector<uint32_t> table_;    ///< open-addressing hash table: entry index + 1, 0 = empty
};

}  // namespace pairkit::ca
