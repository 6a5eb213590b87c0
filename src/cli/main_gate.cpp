// pairkit-gate's entry point: the command groups that need TLS and HTTP
// (OpenSSL, Boost.Beast). `pairkit gate ...` execs this program with its own
// argv (companion.hpp), so its help, errors and exit codes are pairkit's.
#include "groups.hpp"

int main(int argc, char** argv) {
  using namespace pairkit::cli;
  static constexpr Group groups[] = {
      {"gate", add_gate_group},
      {"", add_completion_command},  // keep last: it completes every group above
  };
  return run_cli(argc, argv, groups);
}
