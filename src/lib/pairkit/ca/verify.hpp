// `cert verify`'s check: a certificate's path to a trust anchor, then every
// certificate on it looked up in the CRLs of its issuer.
#pragma once
#include <span>
#include <string>
#include <vector>

#include <botan/x509cert.h>

#include "pairkit/ca/crl.hpp"
#include "pairkit/core/clock.hpp"
#include "pairkit/crypto/path_validation.hpp"

namespace pairkit::ca {

struct VerifyRequest {
  std::string name;                              ///< the certificate's file, for errors
  std::vector<Botan::X509_Certificate> chain;    ///< the leaf, then any intermediates
  std::vector<Botan::X509_Certificate> anchors;  ///< trusted CA certificates
  std::string anchors_name;                      ///< their file, for the "unknown issuer" reason
  std::span<const CrlIndex> crls;
  TimePoint at{};
  crypto::Purpose purpose = crypto::Purpose::any;
  bool allow_stale = false;  ///< accept CRLs past their next update
};

struct VerifyResult {
  std::string subject;            ///< the leaf's subject
  std::vector<std::string> path;  ///< subjects of the validated path, leaf first; empty when it does not validate
  std::string failure;            ///< why the certificate is not valid ("" when it is)
  bool valid() const { return failure.empty(); }
};

/// Validates the path, then checks each certificate on it against the CRLs
/// issued by its issuer. An invalid or revoked certificate is a result, not
/// an error. Throws CheckFailed naming the certificate when a CRL claims the
/// issuer's name but is not signed by its key, and InputError for a stale CRL
/// (unless allow_stale).
VerifyResult verify_path(const VerifyRequest& request);

}  // namespace pairkit::ca
