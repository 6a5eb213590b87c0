// The CRL reader: header fields, the revocation index, every entry decoded.
#include "fuzz_target.hpp"
#include "pairkit/ca/crl.hpp"

PAIRKIT_FUZZ_TARGET(crl) {
  const pairkit::ca::CrlIndex crl(data, "input");
  (void)crl.signature_algorithm();
  crl.for_each_entry([&](const pairkit::ca::RevokedEntry& entry) {
    (void)crl.find(entry.serial);
    (void)pairkit::ca::reason_name(entry.reason);
  });
  (void)crl.find(std::string("01"));
}
