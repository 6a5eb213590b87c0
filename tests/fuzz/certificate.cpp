// The certificate shape check (fingerprints, stored copies), then the full
// decoding `cert info` does when the shape holds.
#include "fuzz_target.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/x509.hpp"

PAIRKIT_FUZZ_TARGET(certificate) {
  const auto bytes = pairkit::fuzz::as_vector(data);
  (void)pairkit::crypto::load_certificate_der(bytes, "input");
  for (const auto& cert : pairkit::crypto::load_certificates(bytes, "input"))
    (void)pairkit::crypto::describe_certificate(cert);
}
