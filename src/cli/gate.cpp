// pairkit gate: the gate service and its client (pairkit-gate(1)). Built into
// pairkit-gate only (src/cli/main_gate.cpp).
#include "gate_est.hpp"
#include "gate_join.hpp"
#include "groups.hpp"

namespace pairkit::cli {

void add_gate_group(CLI::App& app, Cli& cli) {
  auto* group = add_group(app, "gate", "The gate service (HTTPS, mTLS, port 7741) and its client: pair over the network");
  add_gate_serve_command(*group, cli);
  add_gate_client_commands(*group, cli);
  add_gate_est_commands(*group, cli);
}

}  // namespace pairkit::cli
