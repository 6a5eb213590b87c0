// Certificate path validation (Botan's, RFC 5280), with the reason a path
// fails in the words of pairkit's contract ("expired", "unknown issuer", ...).
#pragma once
#include <string>
#include <vector>

#include <botan/x509cert.h>

#include "pairkit/core/clock.hpp"

namespace pairkit::crypto {

/// What the leaf must be certified for (extended key usage).
enum class Purpose { any, client, server };

/// "client", "server", or "" for any.
std::string purpose_name(Purpose p);

struct PathValidation {
  /// The validated path, leaf first, ending at the trust anchor; empty when
  /// the path does not validate.
  std::vector<Botan::X509_Certificate> path;
  /// Why the path does not validate, with the detail that names the culprit
  /// ("expired (not after 2027-01-01T00:00:00Z)"); "" when it validates.
  std::string failure;
};

/// Validates `chain` (the leaf, then any intermediates) up to one of
/// `anchors` at time `at`; `anchors_name` (their file) names them in the
/// "unknown issuer" reason. Revocation is not checked here.
PathValidation validate_path(const std::vector<Botan::X509_Certificate>& chain,
                             const std::vector<Botan::X509_Certificate>& anchors, const std::string& anchors_name,
                             Purpose purpose, TimePoint at);

}  // namespace pairkit::crypto
