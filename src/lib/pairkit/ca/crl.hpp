// CRLs at fleet scale: building a v2 CRL (DER written directly, signed once)
// and reading one into a sorted index over the raw revoked list, so a CRL with
// a million entries is neither fully decoded nor scanned per lookup (Botan 2's
// X509_CRL does both).
#pragma once
#include <cstdint>
#include <functional>
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

/// A parsed CRL: header fields decoded, the revoked list left raw where it
/// lies and indexed by serial (an entry's date and reason are decoded when
/// asked for). The index is sorted, not hashed: its worst case is n log n
/// whatever serials a hostile CRL lists, and a serial listed twice is found
/// next to itself and refused.
class CrlIndex {
public:
  /// Parses PEM or DER in place: PEM is decoded over itself and the index
  /// keeps the buffer, so a CRL costs its size plus 12 bytes an entry, never
  /// two copies. Throws InputError naming `name` for anything that is not a
  /// well-formed CRL, including one that lists a serial more than once (its
  /// issuer contradicts itself on when and why that certificate was revoked,
  /// and a verifier must not pick one of the two).
  CrlIndex(std::vector<uint8_t>&& data, const std::string& name);
  /// As above, from a copy of `data`.
  CrlIndex(std::span<const uint8_t> data, const std::string& name);
  ~CrlIndex();
  CrlIndex(CrlIndex&&) noexcept;

  const std::string& name() const { return name_; }
  /// The whole CRL, DER (what a PEM file held, decoded).
  std::span<const uint8_t> der() const { return der_; }
  const Botan::X509_DN& issuer() const { return issuer_; }
  std::optional<uint64_t> number() const { return number_; }
  TimePoint this_update() const { return this_update_; }
  std::optional<TimePoint> next_update() const { return next_update_; }
  /// Throws InputError naming the CRL when its next update was due before
  /// `at`, unless `allow_stale`: an outdated CRL may miss recent revocations.
  void require_fresh(TimePoint at, bool allow_stale) const;
  const std::vector<uint8_t>& authority_key_id() const { return aki_; }
  std::string signature_algorithm() const;
  size_t size() const { return index_.size(); }

  /// Whether `issuer_cert` signed this CRL (the signature over the TBS is
  /// checked once, here).
  bool signed_by(const Botan::X509_Certificate& issuer_cert) const;

  /// The entry for a serial (canonical hex or raw magnitude bytes), if revoked.
  std::optional<RevokedEntry> find(std::span<const uint8_t> serial_magnitude) const;
  std::optional<RevokedEntry> find(const std::string& serial_hex_text) const;

  /// Calls `visit` with every entry, decoded one at a time, in the CRL's
  /// order (`crl info --json` streams them out).
  void for_each_entry(const std::function<void(const RevokedEntry&)>& visit) const;

private:
  /// One entry in the index: the serial's length and first bytes, which
  /// order nearly every pair of serials without reading the CRL, and where the
  /// entry lies for the rest. 12 bytes, so the index stays small beside the
  /// CRL (an entry is 20 bytes at the least).
  struct Key {
    uint32_t entry;       ///< offset of the entry in tbs_
    uint32_t prefix_hi;   ///< min(length, 255), then the serial's first 3 bytes
    uint32_t prefix_lo;   ///< its next 4 bytes (zero-padded)
  };
  static Key make_key(std::span<const uint8_t> serial, uint32_t entry);
  int compare(const Key& a, const Key& b, const std::span<const uint8_t>* serial_b) const;
  void parse();
  RevokedEntry decode_entry(uint32_t offset) const;
  std::span<const uint8_t> entry_serial(uint32_t offset) const;

  std::string name_;
  std::vector<uint8_t> der_;          ///< the whole CRL, DER (decoded in place from PEM)
  std::span<const uint8_t> tbs_;      ///< the signed TBSCertList, inside der_
  std::span<const uint8_t> revoked_;  ///< the revoked list's entries, inside tbs_
  std::vector<uint8_t> sig_alg_;      ///< DER AlgorithmIdentifier
  std::vector<uint8_t> signature_;
  Botan::X509_DN issuer_;
  std::optional<uint64_t> number_;
  TimePoint this_update_{};
  std::optional<TimePoint> next_update_;
  std::vector<uint8_t> aki_;
  std::vector<Key> index_;  ///< one per entry, sorted by serial
};

}  // namespace pairkit::ca
