// pairkit's entry point: wires the command groups together, nothing else.
#include "groups.hpp"

int main(int argc, char** argv) {
  using namespace pairkit::cli;
  static constexpr Group groups[] = {
      {"key", add_key_group},
      {"cert", add_cert_group},
      {"fingerprint", add_fingerprint_command},
      {"device", add_device_group},
      {"ca", add_ca_group},
      {"crl", add_crl_group},
      {"pin", add_pin_group},
      {"pair", add_pair_group},
      {"operator", add_operator_group},
      {"db", add_db_group},
      {"qr", add_qr_group},
      {"backup", add_backup_group},
      {"sim", add_sim_group},
      {"sim", add_sim_card_command},
      {"", add_completion_command},  // keep last: it completes every group above
  };
  // Served by pairkit-gate (src/cli/main_gate.cpp; companion.hpp says why).
  static constexpr Companion companions[] = {
      {"gate", "The gate service (HTTPS, mTLS, port 7741) and its client: pair over the network",
       "pairkit-gate"},
  };
  return run_cli(argc, argv, groups, companions);
}
