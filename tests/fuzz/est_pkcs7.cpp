// What an EST client reads from a gate: a certs-only PKCS#7 (gate enroll
// and renew). The bytes are tried as DER, then as EST base64 over DER.
#include "fuzz_target.hpp"
#include "pairkit/crypto/pkcs7.hpp"

PAIRKIT_FUZZ_TARGET(est_pkcs7) {
  try {
    (void)pairkit::crypto::read_certs_only_pkcs7(data, "input");
  } catch (const pairkit::Error&) {
  }
  const auto der = pairkit::crypto::read_est_base64(pairkit::fuzz::as_text(data), "input");
  (void)pairkit::crypto::read_certs_only_pkcs7(der, "input");
}
