// Key references and the options that reach a token (see key_ref.hpp).
#include "key_ref.hpp"

#include <filesystem>

#include "options.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/device/identity.hpp"

namespace pairkit::cli {

namespace {

// Where Debian's p11-kit keeps module configurations and modules.
constexpr const char* kP11KitModuleConfigs = "/usr/share/p11-kit/modules/";
constexpr const char* kP11KitModuleDir = "/usr/lib/x86_64-linux-gnu/pkcs11/";

// module-name=NAME (RFC 7512 2.4): p11-kit's NAME.module, else NAME.so or
// libNAME.so in its module folder.
std::string module_by_name(const std::string& name, const std::string& uri) {
  if (name.find('/') != std::string::npos) throw UsageError(uri + ": module-name is a name, not a path (use module-path)");
  const std::string conf = kP11KitModuleConfigs + name + ".module";
  if (path_exists(conf)) {
    const auto data = read_file(conf, limits::kToml);
    std::string text(data.begin(), data.end());
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(pos, end - pos);
      pos = end + 1;
      if (line.rfind("module:", 0) != 0) continue;
      line = line.substr(7);
      line.erase(0, line.find_first_not_of(" \t"));
      line.erase(line.find_last_not_of(" \t\r") + 1);
      return line.front() == '/' ? line : kP11KitModuleDir + line;
    }
  }
  for (const std::string& f : {std::string(kP11KitModuleDir) + name + ".so", std::string(kP11KitModuleDir) + "lib" + name + ".so"})
    if (path_exists(f)) return f;
  throw InputError("no PKCS#11 module named '" + name + "' (" + uri + "): p11-kit knows none by that name; use module-path");
}

}  // namespace

void add_token_options(CLI::App* cmd, Cli& cli, TokenOptions& opts) {
  cli.settings.declare("pkcs11.module");
  cmd->add_option("--pkcs11-module", opts.module,
                  "The PKCS#11 module (shared library) for pkcs11: URIs (default: the URI's module-path, "
                  "$PAIRKIT_PKCS11_MODULE, pkcs11.module in pairkit.toml)");
  auto* f = cmd->add_option("--pin-file", opts.pin.file, "Read the token's user PIN from the first line of this file ('-': stdin)");
  auto* e = cmd->add_option("--pin-env", opts.pin.env, "Read the token's user PIN from this environment variable");
  f->excludes(e);
}

std::string key_ref_help(const std::string& what) {
  return what + ": a key file (PEM or DER, '-': stdin) or a pkcs11: URI (RFC 7512) of a key in a token";
}

crypto::TokenAccess token_access(Cli& cli, const TokenOptions& opts, const crypto::Pkcs11Uri& uri) {
  crypto::TokenAccess a;
  if (!opts.module.empty()) a.module_path = opts.module;
  else if (uri.module_path) a.module_path = *uri.module_path;
  else if (uri.module_name) a.module_path = module_by_name(*uri.module_name, uri.text);
  else if (auto v = cli.settings.get("pkcs11.module"); v && !v->empty() && !v->front().empty()) a.module_path = v->front();
  else
    throw UsageError("no PKCS#11 module for " + uri.text +
                     ": give --pkcs11-module, module-path in the URI, PAIRKIT_PKCS11_MODULE or pkcs11.module in pairkit.toml");
  if (a.module_path.front() != '/') a.module_path = std::filesystem::absolute(a.module_path).string();
  PassphraseOptions pin = opts.pin;
  if (!pin.given() && uri.pin_source) pin.file = crypto::pin_source_file(*uri.pin_source);
  a.pin = [pin](const std::string& label) {
    return read_passphrase(pin, Prompt::once, "User PIN for token '" + label + "'", "pin");
  };
  return a;
}

std::unique_ptr<Botan::Private_Key> load_key_ref(Cli& cli, const std::string& ref, const PassphraseOptions& pass,
                                                 const TokenOptions& token) {
  if (crypto::is_pkcs11_uri(ref)) {
    const auto uri = crypto::parse_pkcs11_uri(ref);
    return crypto::load_token_key(uri, token_access(cli, token, uri));
  }
  const std::string name = Cli::display_name(ref);
  const auto data = cli.read_input(ref, limits::kObject);
  std::optional<Botan::secure_vector<char>> p;
  if (crypto::is_encrypted_private_key(data)) p = read_passphrase(pass, Prompt::once, "Passphrase for " + name);
  return crypto::load_private_key(data, name, p);
}

std::unique_ptr<Botan::Private_Key> load_ca_key(Cli& cli, const ca::CaDir& ca, const PassphraseOptions& pass,
                                                const TokenOptions& token) {
  if (!ca.key_uri().empty()) {
    const auto uri = crypto::parse_pkcs11_uri(ca.key_uri());
    const auto access = token_access(cli, token, uri);
    return ca.load_key(std::nullopt, &access);
  }
  std::optional<Botan::secure_vector<char>> p;
  if (ca.key_encrypted()) p = read_passphrase(pass, Prompt::once, "Passphrase for " + ca.path(ca::kKeyFile));
  return ca.load_key(p);
}

std::shared_ptr<const Botan::Private_Key> device_token_key(Cli& cli, const std::string& dir, const TokenOptions& token) {
  const std::string ref = device::key_reference(dir);
  if (!crypto::is_pkcs11_uri(ref)) return nullptr;
  const auto uri = crypto::parse_pkcs11_uri(ref);
  return crypto::load_token_key(uri, token_access(cli, token, uri));
}

}  // namespace pairkit::cli
