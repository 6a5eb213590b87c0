// pairkit's entry point: wires the command groups together, nothing else.
#include "groups.hpp"

int main(int argc, char** argv) {
  using namespace pairkit::cli;
  static constexpr GroupFn groups[] = {
      add_key_group,
      add_cert_group,
      add_fingerprint_command,
      add_device_group,
      add_ca_group,
      add_crl_group,
      add_pin_group,
      add_pair_group,
      add_qr_group,
      add_backup_group,
      add_sim_group,
      add_sim_card_command,
      add_completion_command,  // keep last: it completes every group above
  };
  return run_cli(argc, argv, groups);
}
