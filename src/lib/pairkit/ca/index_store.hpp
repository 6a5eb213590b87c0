// The CA's index: every certificate the CA issued, its status and
// revocation, and the CRL number sequence, behind an interface each database
// engine implements (SQLite: index_sqlite.cpp).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pairkit/ca/crl.hpp"
#include "pairkit/core/clock.hpp"

namespace pairkit::ca {

/// A certificate as the index records it.
struct IndexEntry {
  std::string serial;   ///< canonical hex
  std::string subject;
  std::string profile;
  TimePoint not_before{};
  TimePoint not_after{};
  std::string sha256;   ///< colon hex of the DER certificate
  std::string status = "valid";  ///< valid | revoked
  std::optional<TimePoint> revoked_at;
  std::optional<int> reason;
  std::optional<uint64_t> crl_number;  ///< first CRL that listed the revocation
  std::string delivered_to;  ///< where `ca sign` was to write it ("-": standard output; "" unknown)
  bool delivered = true;     ///< false from signing until its file is in place
  std::string pem;           ///< the certificate, kept for `ca deliver` (insert only; see certificate_pem)
  // Issued over EST by a gate (empty otherwise): to whom, and from what.
  std::string terminal;             ///< the terminal's serial in the pairing registry
  std::string pairing_fingerprint;  ///< SHA-256 of the certificate it was paired with
  std::string renewed_from;         ///< the serial this one renews (simplereenroll), "" for a first enrollment
  std::string key_sha256;           ///< its key's pin, base64 SHA-256 of the SubjectPublicKeyInfo (a retry is answered with it)
};

enum class RevokeResult { revoked, already_revoked, unknown };

/// The index as every engine implements it. Several `ca sign` processes may
/// write at once: each write is one transaction that waits for the others.
class IndexStore {
public:
  virtual ~IndexStore() = default;

  /// Runs fn inside one write transaction; rolls back if fn throws.
  virtual void transaction(const std::function<void()>& fn) = 0;

  /// Records an issued certificate; false if the serial is taken already.
  virtual bool insert(const IndexEntry& e) = 0;
  /// Marks a certificate revoked (unless it is already).
  virtual RevokeResult revoke(const std::string& serial, TimePoint at, std::optional<int> reason) = 0;
  virtual std::optional<IndexEntry> find(const std::string& serial) = 0;
  /// The certificate whose DER has this SHA-256 (colon hex), if the CA issued it.
  virtual std::optional<IndexEntry> find_by_sha256(const std::string& sha256) = 0;
  /// The newest valid certificate issued over EST for this pairing, renewing
  /// `renewed_from` ("" for a first enrollment), for the public key of this
  /// pin (IndexEntry::key_sha256): what a retried request gets back.
  virtual std::optional<IndexEntry> find_enrollment(const std::string& pairing_fingerprint,
                                                    const std::string& renewed_from, const std::string& key_sha256) = 0;
  /// Records that a certificate's file is in place (or it was printed).
  virtual void mark_delivered(const std::string& serial) = 0;
  /// The certificate as issued (PEM); none for a serial unknown, or recorded
  /// before the index kept certificates.
  virtual std::optional<std::string> certificate_pem(const std::string& serial) = 0;
  /// Which certificates list() returns: all, revoked ones, or valid ones
  /// signed but not delivered ("issued, not written").
  enum class Listing { all, revoked, undelivered };
  /// The certificates issued, oldest first.
  virtual std::vector<IndexEntry> list(Listing which) = 0;
  virtual size_t count() = 0;

  /// How many certificates are revoked (what a CRL of this index lists).
  virtual size_t revoked_count() = 0;
  /// Calls fn for every revoked certificate (for CRLs: no per-entry objects kept).
  virtual void for_each_revoked(const std::function<void(const RevokedEntry&)>& fn) = 0;
  /// Takes the next CRL number and stamps revocations not yet in a CRL with it.
  virtual uint64_t next_crl_number() = 0;
};

/// Creates a new index at `location` (a path or `sqlite:PATH`; another
/// scheme is a UsageError) and refuses an existing one.
std::unique_ptr<IndexStore> create_index(const std::string& location);

/// Opens the index at `location`; a missing index, or a file that is not a
/// pairkit index, is an InputError. An index made before schema versions
/// were recorded is adopted as version 1.
/// busy_timeout: how long a write waits for another writer before it fails
/// with InputError (default 30 s: `ca sign` processes queue; a server
/// answers 503 sooner).
std::unique_ptr<IndexStore> open_index(const std::string& location,
                                       std::chrono::milliseconds busy_timeout = std::chrono::seconds(30));

}  // namespace pairkit::ca
