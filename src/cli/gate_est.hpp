// The gate's EST client commands, `gate enroll` and `gate renew` (gate_est.cpp).
#pragma once
#include "cli.hpp"

namespace pairkit::cli {

/// Adds `enroll` and `renew` to the gate group.
void add_gate_est_commands(CLI::App& gate_group, Cli& cli);

}  // namespace pairkit::cli
