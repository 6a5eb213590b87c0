// The command groups; main.cpp lists them explicitly (no self-registration).
#pragma once
#include "cli.hpp"

namespace pairkit::cli {

void add_key_group(CLI::App& app, Cli& cli);
void add_cert_group(CLI::App& app, Cli& cli);
void add_fingerprint_command(CLI::App& app, Cli& cli);
void add_device_group(CLI::App& app, Cli& cli);
void add_ca_group(CLI::App& app, Cli& cli);
void add_crl_group(CLI::App& app, Cli& cli);
/// `cert verify` (src/cli/cert_verify.cpp), added to the cert group by add_cert_group.
void add_cert_verify_command(CLI::App& cert_group, Cli& cli);
void add_pin_group(CLI::App& app, Cli& cli);
void add_pair_group(CLI::App& app, Cli& cli);
void add_operator_group(CLI::App& app, Cli& cli);
void add_db_group(CLI::App& app, Cli& cli);
void add_qr_group(CLI::App& app, Cli& cli);
void add_backup_group(CLI::App& app, Cli& cli);
void add_sim_group(CLI::App& app, Cli& cli);
void add_sim_card_command(CLI::App& app, Cli& cli);
/// `gate serve|join|invite` (src/cli/gate.cpp), in pairkit-gate only.
void add_gate_group(CLI::App& app, Cli& cli);
/// `gate serve` (src/cli/gate_serve.cpp), added to the gate group by add_gate_group.
void add_gate_serve_command(CLI::App& gate_group, Cli& cli);
void add_completion_command(CLI::App& app, Cli& cli);

}  // namespace pairkit::cli
