// The command groups; main.cpp lists them explicitly (no self-registration).
#pragma once
#include "cli.hpp"

namespace pairkit::cli {

void add_key_group(CLI::App& app, Cli& cli);
void add_cert_group(CLI::App& app, Cli& cli);
void add_fingerprint_command(CLI::App& app, Cli& cli);
void add_device_group(CLI::App& app, Cli& cli);
void add_sim_group(CLI::App& app, Cli& cli);
void add_sim_card_command(CLI::App& app, Cli& cli);
void add_completion_command(CLI::App& app, Cli& cli);

}  // namespace pairkit::cli
