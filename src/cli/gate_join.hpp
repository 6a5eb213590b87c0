// The gate's client commands, `gate join` and `gate invite` (gate_join.cpp).
#pragma once
#include "cli.hpp"

namespace pairkit::cli {

/// Adds `join` and `invite` to the gate group.
void add_gate_client_commands(CLI::App& gate_group, Cli& cli);

}  // namespace pairkit::cli
