// The gate's client commands, `gate join` and `gate invite` (gate_join.cpp).
#pragma once
#include <memory>
#include <string>

#include "cli.hpp"
#include "pairkit/gate/join.hpp"

namespace pairkit::cli {

/// Adds `join` and `invite` to the gate group.
void add_gate_client_commands(CLI::App& gate_group, Cli& cli);

/// The production transport: an HttpsClient with the device's key and certificate.
std::unique_ptr<gate::GateTransport> https_transport(const std::string& address, const gate::HttpsClientOptions& opts);

}  // namespace pairkit::cli
