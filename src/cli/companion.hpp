// Companion programs: command groups that live in a second executable so that
// the libraries they need never load for the other commands. `pairkit gate`
// needs OpenSSL's TLS and Boost.Beast; the pairkit binary links only libc and
// libm, and a provisioning script's `pairkit fingerprint` must not pay for
// libssl. `pairkit gate ...` therefore execs pairkit-gate with the same argv
// (same process, same PID: signals to a running `gate serve` reach the gate).
#pragma once
#include <span>
#include <string>

namespace pairkit::cli {

/// A top-level word served by another program.
struct Companion {
  const char* word;     ///< "gate"
  const char* summary;  ///< shown by `pairkit --help`
  const char* program;  ///< "pairkit-gate": next to pairkit, else in PAIRKIT_LIBEXEC_DIR
};

/// The companion that serves this command line: its word is the command
/// word, or the word after `help` or `__complete --`. nullptr if none.
const Companion* companion_for(int argc, char** argv, std::span<const Companion> companions);

/// The folder of the running executable (from /proc/self/exe; empty if
/// unknown): where companions and the QR module are looked for first.
std::string executable_dir();

/// Replaces this process with the companion, argv unchanged. Returns only on
/// failure, with the reason (the companion is missing or cannot run).
std::string exec_companion(const Companion& companion, char** argv);

}  // namespace pairkit::cli
