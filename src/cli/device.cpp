// pairkit device init | show: a device's identity on first boot.
#include <iostream>
#include <memory>

#include "groups.hpp"
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
};

struct DeviceShowOptions {
  std::string dir;
};

nlohmann::json identity_json(const std::string& dir, const device::Identity& id) {
  return {{"dir", dir},
          {"serial", id.serial},
          {"role", device::role_name(id.role)},
          {"key_type", id.key_type},
          {"key_file", dir + "/" + device::kKeyFile},
          {"cert_file", dir + "/" + device::kCertFile},
          {"created", format_time(id.created)},
          {"not_after", format_time(id.not_after)},
          {"sha256", id.cert_sha256},
          {"spki_pin", id.spki_pin},
          {"device_id", id.device_id}};
}

void print_identity(const std::string& dir, const device::Identity& id) {
  std::cout << "serial:    " << id.serial << " (" << device::role_name(id.role) << ", " << id.key_type << ")\n"
            << "key:       " << dir << "/" << device::kKeyFile << "\n"
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
  opts.passphrase = read_passphrase(o.pass, Prompt::never);
  opts.force = o.force;
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
                         "pairkit device init --serial gate-1 --role server --san dns:gate.local --san ip:fd00::1 --dir ./gate"},
                        [init](Cli& c) { run_device_init(c, *init); });
  c->add_option("--serial", init->serial, "Device serial (goes into the certificate's subject)")->required();
  c->add_option("--dir", init->dir, "Identity folder (created 0700)")->required();
  cli.settings.bind(c, c->add_option("--role", init->role, "terminal or server")
                           ->check(CLI::IsMember({"terminal", "server"}))
                           ->capture_default_str(),
                    "device.role");
  add_key_type_option(c, cli, init->type);
  add_valid_for_option(c, cli, init->valid_for, "device.valid_for");
  add_san_option(c, init->sans);
  add_subject_options(c, cli, init->subject);
  add_passphrase_options(c, init->pass, "the device key (optional: devices usually boot unattended)");
  c->add_flag("--force", init->force, "Replace an existing identity in DIR");

  auto show = std::make_shared<DeviceShowOptions>();
  c = add_command(*group, cli, "show", "Show the identity recorded in DIR/device.toml",
                  {"pairkit device show --dir /etc/pairkit/identity"}, [show](Cli& c) { run_device_show(c, *show); });
  cli.mark_public_only(c);
  c->add_option("--dir", show->dir, "Identity folder")->required();
}

}  // namespace pairkit::cli
