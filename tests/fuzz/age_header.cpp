// The age header: stanzas, base64, the HMAC, tried with an X25519 identity
// and a passphrase (work factors above 2 are refused, so that no input buys
// an expensive scrypt), then whatever payload follows.
#include "age_fixture.hpp"
#include "fuzz_target.hpp"

PAIRKIT_FUZZ_TARGET(age_header) { pairkit::fuzz::decrypt_all(data); }
