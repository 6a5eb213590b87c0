// Key references: a key file or an RFC 7512 pkcs11: URI, wherever a command
// takes a key; the options that reach a token (module and PIN).
#pragma once
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <botan/pk_keys.h>

#include "cli.hpp"
#include "pairkit/ca/authority.hpp"
#include "pairkit/crypto/pkcs11.hpp"
#include "secrets.hpp"

namespace pairkit::cli {

struct TokenOptions {
  std::string module;  ///< --pkcs11-module
  PassphraseOptions pin;  ///< --pin-file, --pin-env
};

/// Adds --pkcs11-module, --pin-file and --pin-env to a command.
void add_token_options(CLI::App* cmd, Cli& cli, TokenOptions& opts);

/// How to reach the token a URI names. The module: --pkcs11-module, else the
/// URI's module-path (or module-name, looked up as p11-kit does), else
/// PAIRKIT_PKCS11_MODULE, else pkcs11.module in pairkit.toml. The PIN, asked
/// only when the token needs a login: --pin-file, else --pin-env, else the
/// URI's pin-source, else a no-echo prompt when stdin is a terminal.
crypto::TokenAccess token_access(Cli& cli, const TokenOptions& opts, const crypto::Pkcs11Uri& uri);

/// A private key from a file (PEM or DER, encrypted or not: the passphrase
/// from `pass`) or from a token (a pkcs11: URI).
std::unique_ptr<Botan::Private_Key> load_key_ref(Cli& cli, const std::string& ref, const PassphraseOptions& pass,
                                                 const TokenOptions& token);

/// The CA's key: ca.key (the passphrase from `pass` if it is encrypted) or
/// the token key ca.toml names.
std::unique_ptr<Botan::Private_Key> load_ca_key(Cli& cli, const ca::CaDir& ca, const PassphraseOptions& pass,
                                                const TokenOptions& token);

/// The key of the device identity in dir when a token holds it (device.toml
/// records its URI); null when it is dir/key.pem.
std::shared_ptr<const Botan::Private_Key> device_token_key(Cli& cli, const std::string& dir, const TokenOptions& token);

/// The help text for an option that takes a key reference.
std::string key_ref_help(const std::string& what);

}  // namespace pairkit::cli
