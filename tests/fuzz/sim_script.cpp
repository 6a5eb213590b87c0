// Simulation scripts (TOML): parties, steps, faults, expectations.
#include "fuzz_target.hpp"
#include "pairkit/sim/script.hpp"

PAIRKIT_FUZZ_TARGET(sim_script) { (void)pairkit::sim::parse_script(pairkit::fuzz::as_text(data), "script.toml"); }
