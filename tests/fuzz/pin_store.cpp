// A pin store (pins.toml).
#include "fuzz_target.hpp"
#include "pairkit/pairing/pin_store.hpp"

PAIRKIT_FUZZ_TARGET(pin_store) { (void)pairkit::pairing::parse_pins(pairkit::fuzz::as_text(data), "pins.toml"); }
