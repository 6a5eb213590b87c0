// Certificate requests, as `cert info` and `ca sign` read them.
#include "fuzz_target.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/x509.hpp"

PAIRKIT_FUZZ_TARGET(csr) {
  (void)pairkit::crypto::describe_request(pairkit::crypto::load_csr(pairkit::fuzz::as_vector(data), "input"));
}
