// Configuration files (pairkit.toml).
#include "fuzz_target.hpp"
#include "pairkit/core/config_file.hpp"

PAIRKIT_FUZZ_TARGET(config) { (void)pairkit::parse_config(pairkit::fuzz::as_text(data), "pairkit.toml"); }
