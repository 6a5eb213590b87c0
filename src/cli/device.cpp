// pairkit device init | show: a device's identity on first boot.
#include <iostream>
#include <memory>

#include "groups.hpp"
#include "key_ref.hpp"
#include "options.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/device/identity.hpp"
#include "secrets.hpp"

namespace pairkit::cli {

namespace {

struct DeviceInitOptions {
  std::string serial;
  std::string dir;
  std::string role = "terminal";
  std::string type = "p256";
  std::string valid_for = "3650d";
  std::vector<std::string> sans;
  SubjectFlags subject;
  PassphraseOptions pass;
  bool force = false;
  std::string key;    ///< --key: an existing key (file or pkcs11: URI)
  std::string token;  ///< --token: a new key made in this token
  TokenOptions token_opts;
  const CLI::Option* type_opt = nullptr;
};

struct DeviceShowOptions {
  std::string dir;
};

nlohmann::json identity_json(const std::string& dir, const device::Identity& id) {
  return {{"dir", dir},
          {"serial", id.serial},
          {"role", device::role_name(id.role)},
          {"key_type", id.key_type},
          {"key_file", id.key_uri.empty() ? nlohmann::json(dir + "/" + device::kKeyFile) : nlohmann::json()},
          {"key", id.key_uri.empty() ? dir + "/" + device::kKeyFile : id.key_uri},
          {"cert_file", dir + "/" + device::kCertFile},
          {"created", format_time(id.created)},
          {"not_after", format_time(id.not_after)},
          {"sha256", id.cert_sha256},
          {"spki_pin", id.spki_pin},
          {"device_id", id.device_id}};
}

void print_identity(const std::string& dir, const device::Identity& id) {
  std::cout << "serial:    " << id.serial << " (" << device::role_name(id.role) << ", " << id.key_type << ")\n"
            << "key:       " << (id.key_uri.empty() ? dir + "/" + device::kKeyFile : id.key_uri + " (in the token)")
            << "\n"
            << "cert:      " << dir << "/" << device::kCertFile << " (valid until " << format_time(id.not_after)
            << ")\n"
            << "sha256:    " << id.cert_sha256 << "\n"
            << "spki pin:  " << id.spki_pin << "\n"
            << "device id: " << id.device_id << "\n";
}

void run_device_init(Cli& cli, const DeviceInitOptions& o) {
  device::InitOptions opts;
  opts.serial = o.serial;
  opts.role = device::parse_role(o.role);
  opts.key_type = crypto::parse_key_type(o.type);
  opts.valid_for = parse_duration(o.valid_for);
  opts.sans = parse_sans(o.sans);
  opts.subject = o.subject.subject(o.serial);
  opts.force = o.force;
  std::unique_ptr<Botan::Private_Key> key;
  if (!o.key.empty() || !o.token.empty()) {
    if (!o.key.empty() && o.type_opt->count() > 0) throw UsageError("--type is for a new key; --key gives an existing one");
    const std::string& ref = o.key.empty() ? o.token : o.key;
    if (crypto::is_pkcs11_uri(ref) && o.pass.given())
      throw UsageError("a key in a token takes a PIN (--pin-file, --pin-env), not a passphrase");
    // Refused before a key is made in a token for an identity that would not be written.
    device::check_serial(o.serial);
    if (!o.force && device::holds_identity(o.dir))
      throw InputError(o.dir + " already holds a device identity (use --force to replace it)");
    if (!o.token.empty()) {
      if (!crypto::is_pkcs11_uri(o.token)) throw UsageError("--token takes a pkcs11: URI, not '" + o.token + "'");
      const auto uri = crypto::parse_pkcs11_uri(o.token);
      key = crypto::generate_token_key(uri, opts.key_type, token_access(cli, o.token_opts, uri), false).key;
    } else {
      key = load_key_ref(cli, o.key, o.pass, o.token_opts);
    }
    opts.key = key.get();
  }
  if (!key || !crypto::is_token_key(*key)) opts.passphrase = read_passphrase(o.pass, Prompt::never);
  const auto id = device::init(o.dir, opts, cli.rng(), cli.clock());
  if (cli.json) {
    cli.emit_json(identity_json(o.dir, id));
    return;
  }
  print_identity(o.dir, id);
  cli.info("next: pairkit qr render --host HOST:PORT --cert " + o.dir + "/" + device::kCertFile +
           " --id " + id.serial + " --format utf8   (show the pairing code)");
}

void run_device_show(Cli& cli, const DeviceShowOptions& o) {
  const auto id = device::read_identity(o.dir);
  if (cli.json) {
    cli.emit_json(identity_json(o.dir, id));
    return;
  }
  print_identity(o.dir, id);
}

}  // namespace

void add_device_group(CLI::App& app, Cli& cli) {
  auto* group = add_group(app, "device", "A device's identity: key, certificate and device.toml");

  auto init = std::make_shared<DeviceInitOptions>();
  auto* c = add_command(*group, cli, "init", "First boot: make the device's key and self-signed certificate in DIR",
                        {"pairkit device init --serial TERM-0042 --dir /etc/pairkit/identity",
                         "pairkit device init --serial gate-1 --role server --san dns:gate.local --san ip:fd00::1 --dir ./gate",
                         "pairkit device init --serial TERM-0042 --dir ./identity --token 'pkcs11:token=terminal;object=device-key' "
                         "--pkcs11-module /usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so --pin-file pin.txt"},
                        [init](Cli& c) { run_device_init(c, *init); });
  c->add_option("--serial", init->serial, "Device serial (goes into the certificate's subject)")->required();
  c->add_option("--dir", init->dir, "Identity folder (created 0700)")->required();
  cli.settings.bind(c, c->add_option("--role", init->role, "terminal or server")
                           ->check(CLI::IsMember({"terminal", "server"}))
                           ->capture_default_str(),
                    "device.role");
  init->type_opt = add_key_type_option(c, cli, init->type);
  add_valid_for_option(c, cli, init->valid_for, "device.valid_for");
  add_san_option(c, init->sans);
  add_subject_options(c, cli, init->subject);
  add_passphrase_options(c, init->pass, "the device key (optional: devices usually boot unattended)");
  c->add_flag("--force", init->force, "Replace an existing identity in DIR");
  auto* key_opt = c->add_option("--key", init->key, key_ref_help("Use this key instead of a new one") +
                                                        " (a token key stays there: device.toml records its URI)");
  c->add_option("--token", init->token,
                "Make the key inside this PKCS#11 token (a pkcs11: URI with object=, the key's label): "
                "it never leaves the token; device.toml records its URI")
      ->excludes(key_opt);
  add_token_options(c, cli, init->token_opts);

  auto show = std::make_shared<DeviceShowOptions>();
  c = add_command(*group, cli, "show", "Show the identity recorded in DIR/device.toml",
                  {"pairkit device show --dir /etc/pairkit/identity"}, [show](Cli& c) { run_device_show(c, *show); });
  cli.mark_public_only(c);
  c->add_option("--dir", show->dir, "Identity folder")->required();
}

}  // namespace pairkit::cli
