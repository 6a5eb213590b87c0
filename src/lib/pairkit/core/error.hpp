// Typed errors thrown by the library. The CLI maps each kind to one exit code
// in exactly one place (src/cli/cli.cpp, run_cli); the library never prints or exits.
#pragma once
#include <stdexcept>
#include <string>

namespace pairkit {

/// Base of every error pairkit throws on purpose.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The caller asked for something malformed: bad flag value, unknown key
/// type, bad duration, bad SAN. Exit code 2.
class UsageError : public Error {
public:
  using Error::Error;
};

/// Input or environment failure: unreadable or malformed file, wrong
/// passphrase, refused overwrite, I/O failure, busy database. Exit code 3.
class InputError : public Error {
public:
  using Error::Error;
};

/// A check that was asked for does not hold: verification failed, revoked,
/// pin or code mismatch, not paired, nothing found. Exit code 1.
class CheckFailed : public Error {
public:
  using Error::Error;
};

}  // namespace pairkit
