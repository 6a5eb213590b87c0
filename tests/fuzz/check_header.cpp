// What the gate reads from a trusted proxy's certificate header on the
// [check] listener: URL-encoded PEM, PEM on one line or base64 DER. A proxy
// passes on whatever certificate a client presented.
#include "fuzz_target.hpp"
#include "pairkit/gate/request.hpp"

PAIRKIT_FUZZ_TARGET(check_header) {
  try {
    const auto der = pairkit::gate::forwarded_certificate(pairkit::fuzz::as_text(data));
    if (der.empty()) __builtin_trap();
  } catch (const pairkit::gate::BadRequest&) {
  }
}
