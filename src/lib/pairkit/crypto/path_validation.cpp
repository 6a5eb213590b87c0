// Path validation on top of Botan's x509_path_validate (see path_validation.hpp).
#include "pairkit/crypto/path_validation.hpp"

#include <botan/certstor.h>
#include <botan/x509path.h>

#include "pairkit/core/duration.hpp"
#include "pairkit/crypto/x509.hpp"

namespace pairkit::crypto {

namespace {

// The contract's words for why a path does not validate.
std::string reason_for(Botan::Certificate_Status_Code code) {
  using C = Botan::Certificate_Status_Code;
  switch (code) {
    case C::CERT_HAS_EXPIRED: return "expired";
    case C::CERT_NOT_YET_VALID: return "not yet valid";
    case C::CERT_ISSUER_NOT_FOUND:
    case C::CANNOT_ESTABLISH_TRUST:
    case C::CHAIN_LACKS_TRUST_ROOT: return "unknown issuer";
    case C::SIGNATURE_ERROR:
    case C::CERT_PUBKEY_INVALID: return "bad signature";
    case C::INVALID_USAGE: return "wrong purpose";
    case C::CERT_IS_REVOKED: return "revoked";
    default: return Botan::Path_Validation_Result::status_string(code);
  }
}

Botan::Usage_Type usage_of(Purpose p) {
  switch (p) {
    case Purpose::client: return Botan::Usage_Type::TLS_CLIENT_AUTH;
    case Purpose::server: return Botan::Usage_Type::TLS_SERVER_AUTH;
    case Purpose::any: break;
  }
  return Botan::Usage_Type::UNSPECIFIED;
}

}  // namespace

std::string purpose_name(Purpose p) {
  switch (p) {
    case Purpose::client: return "client";
    case Purpose::server: return "server";
    case Purpose::any: break;
  }
  return "";
}

PathValidation validate_path(const std::vector<Botan::X509_Certificate>& chain,
                             const std::vector<Botan::X509_Certificate>& anchors, const std::string& anchors_name,
                             Purpose purpose, TimePoint at) {
  Botan::Certificate_Store_In_Memory store;
  for (const auto& a : anchors) store.add_certificate(a);
  // Revocation is pairkit's own (indexed CRLs, ca/verify); keys need 110 bits of strength, as RSA-2048 has.
  const Botan::Path_Validation_Restrictions restrictions(false, 110);
  const auto result = Botan::x509_path_validate(chain, restrictions, store, "", usage_of(purpose),
                                                std::chrono::system_clock::time_point(at));
  PathValidation out;
  if (result.successful_validation()) {
    for (const auto& c : result.cert_path()) out.path.push_back(*c);
    return out;
  }
  const auto& leaf = chain.front();
  out.failure = reason_for(result.result());
  if (out.failure == "expired") out.failure += " (not after " + format_time(to_time_point(leaf.not_after())) + ")";
  if (out.failure == "not yet valid")
    out.failure += " (not before " + format_time(to_time_point(leaf.not_before())) + ")";
  if (out.failure == "unknown issuer")
    out.failure += " (issuer " + dn_to_string(leaf.issuer_dn()) + " is not in " + anchors_name + ")";
  if (out.failure == "wrong purpose")
    out.failure += " (not certified for " + purpose_name(purpose) + " authentication)";
  return out;
}

}  // namespace pairkit::crypto
