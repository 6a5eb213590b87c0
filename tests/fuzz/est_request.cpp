// What the gate reads from an EST request body (simpleenroll and
// simplereenroll): base64 as received, the PKCS#10 inside it, and what
// enrollment compares (subject attributes, names, key).
#include "fuzz_target.hpp"
#include "pairkit/ca/authority.hpp"
#include "pairkit/crypto/pkcs7.hpp"
#include "pairkit/crypto/san.hpp"
#include "pairkit/crypto/x509.hpp"

PAIRKIT_FUZZ_TARGET(est_request) {
  const auto der = pairkit::crypto::read_est_base64(pairkit::fuzz::as_text(data), "input");
  const auto csr = pairkit::ca::load_request(der, "input");
  (void)pairkit::crypto::describe_request(csr);
  (void)pairkit::crypto::dn_serial_numbers(csr.subject_dn());
  (void)pairkit::crypto::dn_common_names(csr.subject_dn());
  (void)pairkit::crypto::sans_of(csr.extensions());
}
