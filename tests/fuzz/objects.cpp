// PEM/DER input detection: what kind of PKI object a file holds.
#include "fuzz_target.hpp"
#include "pairkit/crypto/objects.hpp"

PAIRKIT_FUZZ_TARGET(objects) {
  for (const auto& obj : pairkit::crypto::read_objects(pairkit::fuzz::as_vector(data), "input"))
    (void)pairkit::crypto::object_kind_name(obj.kind);
}
