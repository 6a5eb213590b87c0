// pairkit pin add | check | list | remove: the device side of pinning.
#include <iostream>
#include <memory>

#include "groups.hpp"
#include "key_ref.hpp"
#include "options.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/pairing/pin_store.hpp"
#include "pairkit/pairing/tls_probe.hpp"

namespace pairkit::cli {

namespace {

struct PinAddOptions {
  std::string store;
  std::string name;
  std::string address;
  std::string cert;
  std::string fingerprint;
  bool force = false;
};

struct PinCheckOptions {
  std::string store;
  std::string name;
  std::string cert;
  std::string connect;
  std::string timeout = "10s";
  bool tofu = false;
  std::string client;  ///< --client DIR: a device identity for servers that ask for one
  TokenOptions token;
};

struct PinListOptions {
  std::string store;
};

struct PinRemoveOptions {
  std::string store;
  std::string name;
};

void require(const std::string& value, const char* flag) {
  if (value.empty()) throw UsageError(std::string(flag) + " is required");
}

CLI::Option* add_store_option(CLI::App* cmd, Cli& cli, std::string& store) {
  auto* opt = cmd->add_option("--store", store, "Pin store (TOML; conventionally DEVICE_DIR/pins.toml)");
  cli.settings.bind(cmd, opt, "pin.store");
  return opt;
}

nlohmann::json pin_json(const pairing::Pin& p) {
  return {{"name", p.name},
          {"address", p.address.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.address)},
          {"fingerprint", p.fingerprint},
          {"kind", p.fingerprint.rfind("sha256//", 0) == 0 ? "spki" : "cert-sha256"},
          {"added", format_time(p.added)},
          {"how", p.how}};
}

void run_pin_add(Cli& cli, const PinAddOptions& o) {
  require(o.store, "--store");
  pairing::check_pin_name(o.name);
  if (!o.address.empty()) pairing::check_address(o.address);
  if (o.cert.empty() == o.fingerprint.empty()) throw UsageError("give either CERT or --fingerprint FP (one of them)");
  pairing::Pin pin;
  pin.name = o.name;
  pin.address = o.address;
  pin.added = cli.clock().now();
  if (!o.cert.empty()) {
    const auto cert = crypto::load_certificate(cli.read_input(o.cert, limits::kObject), Cli::display_name(o.cert));
    pin.fingerprint = pairing::fingerprint_like("", cert);
    pin.how = "certificate " + Cli::display_name(o.cert);
  } else {
    pin.fingerprint = pairing::normalize_pin_fingerprint(o.fingerprint);
    pin.how = "fingerprint";
  }
  const auto r = pairing::add_pin(o.store, pin, o.force);
  if (cli.json) {
    auto j = pin_json(pin);
    j["result"] = r.kind == pairing::AddResult::added ? "added" : r.kind == pairing::AddResult::replaced ? "replaced" : "unchanged";
    if (!r.change.empty()) j["change"] = r.change;
    cli.emit_json(j);
    return;
  }
  switch (r.kind) {
    case pairing::AddResult::added: std::cout << "pinned '" << o.name << "' to " << pin.fingerprint << "\n"; break;
    case pairing::AddResult::unchanged: std::cout << "pin '" << o.name << "' already holds these values\n"; break;
    case pairing::AddResult::replaced:
      std::cout << "re-pinned '" << o.name << "': " << r.change << "\n";
      cli.warn("warning: pin '" + o.name + "' changed (" + r.change + ")");
      break;
  }
  if (r.kind == pairing::AddResult::added)
    cli.info("next: pairkit pin check --store " + o.store + " --name " + o.name +
             (o.address.empty() ? " SERVER_CERT" : " --connect " + o.address));
}

void run_pin_check(Cli& cli, const PinCheckOptions& o) {
  require(o.store, "--store");
  pairing::check_pin_name(o.name);
  if (o.cert.empty() == o.connect.empty()) throw UsageError("give either CERT or --connect HOST:PORT (one of them)");
  if (!o.connect.empty()) pairing::check_address(o.connect);
  const auto timeout = parse_duration(o.timeout);
  const auto pins = pairing::load_pins(o.store);
  auto pin = pairing::find_pin(pins, o.name);
  if (!pin && !o.tofu)
    throw CheckFailed("no pin named '" + o.name + "' in " + o.store + " (pin it with 'pairkit pin add', or use --tofu)");

  std::string source;
  std::optional<Botan::X509_Certificate> cert;
  if (!o.client.empty() && o.connect.empty()) throw UsageError("--client is for --connect");
  if (!o.connect.empty()) {
    std::optional<Botan::X509_Certificate> client_cert;
    std::unique_ptr<Botan::Private_Key> client_key;
    if (!o.client.empty()) {
      const std::string cert_path = o.client + "/" + device::kCertFile;
      client_cert = crypto::load_certificate(cli.read_input(cert_path, limits::kObject), cert_path);
      client_key = load_key_ref(cli, device::key_reference(o.client), {}, o.token);
    }
    cert = pairing::fetch_server_certificate(o.connect, std::chrono::duration_cast<std::chrono::milliseconds>(timeout),
                                             cli.rng(), client_cert ? &*client_cert : nullptr, client_key.get());
    source = "the server at " + o.connect;
  } else {
    cert = crypto::load_certificate(cli.read_input(o.cert, limits::kObject), Cli::display_name(o.cert));
    source = Cli::display_name(o.cert);
  }

  bool pinned_now = false;
  if (!pin) {
    pairing::Pin fresh;
    fresh.name = o.name;
    fresh.address = o.connect;
    fresh.fingerprint = pairing::fingerprint_like("", *cert);
    fresh.added = cli.clock().now();
    fresh.how = "tofu " + (o.connect.empty() ? source : o.connect);
    auto [stored, added] = pairing::add_pin_if_absent(o.store, fresh);
    pin = stored;
    pinned_now = added;
  }
  pairing::require_pin_match(*pin, *cert, source);
  if (cli.json) {
    auto j = pin_json(*pin);
    j["source"] = source;
    j["matches"] = true;
    j["pinned_now"] = pinned_now;
    cli.emit_json(j);
    return;
  }
  if (pinned_now)
    std::cout << "trusting on first use: pinned '" << o.name << "' to " << pin->fingerprint << " (" << source << ")\n";
  else
    std::cout << "pin '" << o.name << "' matches " << source << " (" << pin->fingerprint << ")\n";
  if (!o.connect.empty() && !pin->address.empty() && pin->address != o.connect)
    cli.info("note: pin '" + o.name + "' was recorded for " + pin->address + ", not " + o.connect);
}

void run_pin_list(Cli& cli, const PinListOptions& o) {
  require(o.store, "--store");
  const auto pins = pairing::load_pins(o.store);
  if (cli.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& p : pins) arr.push_back(pin_json(p));
    cli.emit_json(arr);
    return;
  }
  if (pins.empty()) {
    cli.info("no pins in " + o.store);
    return;
  }
  for (const auto& p : pins)
    std::cout << p.name << "  " << (p.address.empty() ? "-" : p.address) << "  " << p.fingerprint << "  "
              << format_time(p.added) << "  " << p.how << "\n";
}

void run_pin_remove(Cli& cli, const PinRemoveOptions& o) {
  require(o.store, "--store");
  pairing::check_pin_name(o.name);
  pairing::remove_pin(o.store, o.name);
  if (cli.json) {
    cli.emit_json({{"name", o.name}, {"removed", true}});
    return;
  }
  std::cout << "removed pin '" << o.name << "' from " << o.store << "\n";
}

}  // namespace

void add_pin_group(CLI::App& app, Cli& cli) {
  auto* group = add_group(app, "pin", "Pin servers' certificates on a device (TOML pin store)");

  auto add = std::make_shared<PinAddOptions>();
  auto* c = add_command(*group, cli, "add", "Pin a server: its certificate's SHA-256 or an SPKI pin under a name",
                        {"pairkit pin add --store terminal/pins.toml --name gate --address 10.0.0.5:8443 gate.pem",
                         "pairkit pin add --store pins.toml --name gate --fingerprint sha256//r8udi/Mxd6pLO7y7hkn0...=",
                         "pairkit pin add --store pins.toml --name gate --address 10.0.0.6:8443 new-gate.pem --force"},
                        [add](Cli& c) { run_pin_add(c, *add); });
  cli.mark_public_only(c);
  add_store_option(c, cli, add->store);
  c->add_option("--name", add->name, "Name of the pin (letters, digits, '.', '_', '-')")->required();
  c->add_option("--address", add->address, "Server address HOST:PORT ([ADDR]:PORT for IPv6)");
  c->add_option("CERT", add->cert, "Server certificate to pin (PEM or DER; '-': stdin)");
  c->add_option("--fingerprint", add->fingerprint, "Certificate SHA-256 (hex, colons optional) or SPKI pin sha256//...");
  c->add_flag("--force", add->force, "Replace an existing pin's fingerprint or address (a security event)");

  auto check = std::make_shared<PinCheckOptions>();
  c = add_command(*group, cli, "check", "Check a certificate file or a live TLS server against a pin (exit 1 on mismatch)",
                  {"pairkit pin check --store pins.toml --name gate --connect 10.0.0.5:8443",
                   "pairkit pin check --store pins.toml --name gate gate.pem",
                   "pairkit pin check --store pins.toml --name gate --connect 10.0.0.5:8443 --tofu",
                   "pairkit pin check --store pins.toml --name gate --connect 10.0.0.5:7741 --client /etc/pairkit/identity "
                   "--pin-file pin.txt"},
                  [check](Cli& c) { run_pin_check(c, *check); });
  add_store_option(c, cli, check->store);
  c->add_option("--name", check->name, "Name of the pin")->required();
  c->add_option("CERT", check->cert, "Certificate file to check ('-': stdin)");
  c->add_option("--connect", check->connect, "Run a TLS handshake with HOST:PORT and check the certificate it presents");
  c->add_flag("--tofu", check->tofu, "Trust on first use: pin an unknown name to what is presented, and say so");
  auto* t = c->add_option("--timeout", check->timeout, "Connect and read timeout for --connect (90s, 2m)")
                ->check(duration_check())
                ->capture_default_str();
  cli.settings.bind(c, t, "pin.timeout");
  c->add_option("--client", check->client,
                "With --connect: authenticate with the device identity in this folder when the server asks (mTLS; "
                "its key may be in a token)");
  add_token_options(c, cli, check->token);

  auto list = std::make_shared<PinListOptions>();
  c = add_command(*group, cli, "list", "List the pins of a store",
                  {"pairkit pin list --store terminal/pins.toml", "pairkit --json pin list --store pins.toml"},
                  [list](Cli& c) { run_pin_list(c, *list); });
  cli.mark_public_only(c);
  add_store_option(c, cli, list->store);

  auto remove = std::make_shared<PinRemoveOptions>();
  c = add_command(*group, cli, "remove", "Forget a pin", {"pairkit pin remove --store pins.toml --name gate"},
                  [remove](Cli& c) { run_pin_remove(c, *remove); });
  cli.mark_public_only(c);
  add_store_option(c, cli, remove->store);
  c->add_option("--name", remove->name, "Name of the pin")->required();
}

}  // namespace pairkit::cli
