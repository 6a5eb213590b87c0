// gate.toml as a gate reads it at start and on SIGHUP.
#include "fuzz_target.hpp"
#include "pairkit/gate/gate_config.hpp"

PAIRKIT_FUZZ_TARGET(gate_config) {
  (void)pairkit::gate::parse_gate_config(pairkit::fuzz::as_text(data), "gate.toml", "/srv/gate");
}
