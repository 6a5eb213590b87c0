// pairkit gate join | invite: the terminal's side of pairing over the network,
// and the invite a server shows for it (pairkit-gate(1), JOIN and INVITE).
// The library runs the conversation; this file turns its events into lines
// for the device's display or JSON Lines for its UI.
#include "gate_join.hpp"

#include <iostream>
#include <memory>

#include "key_ref.hpp"
#include "options.hpp"
#include "qr_output.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/device/layout.hpp"
#include "pairkit/gate/https_client.hpp"
#include "pairkit/gate/invite.hpp"
#include "pairkit/gate/join.hpp"

namespace pairkit::cli {

namespace {

struct JoinCmdOptions {
  std::string gate;
  std::string dir;
  std::string serial;
  std::string pin;
  std::string qr;
  bool tofu = false;
  std::string wait = "15m";
  std::string timeout = "10s";
  TokenOptions token;
};

struct InviteCmdOptions {
  std::string dir;
  std::string host;
  std::string valid_for;
  QrOutputOptions output;
};

class HttpsTransport final : public gate::GateTransport {
public:
  HttpsTransport(const std::string& address, const gate::HttpsClientOptions& opts) : client_(address, opts) {}
  gate::HttpsResponse request(const std::string& method, const std::string& target, const std::string& body,
                              const gate::PeerCheck& check) override {
    return client_.request(method, target, body, check);
  }
  gate::HttpsResponse request_as(const std::string& method, const std::string& target, const std::string& body,
                                 const std::string& content_type, const std::string& accept,
                                 const gate::PeerCheck& check) override {
    return client_.request(method, target, body, check, content_type, accept);
  }

private:
  gate::HttpsClient client_;
};

std::string seconds_text(std::chrono::milliseconds d) {
  return std::to_string((d.count() + 500) / 1000) + "s";
}

// Text for a person at the device, or one JSON object per line, flushed at
// once: a UI reading the pipe sees each state as it happens.
class Printer final : public gate::JoinObserver {
public:
  Printer(Cli& cli, std::string wait) : cli_(cli), wait_(std::move(wait)) {}

  void event(const gate::JoinEvent& e) override {
    if (cli_.json) {
      std::cout << to_json(e).dump() << '\n' << std::flush;
      return;
    }
    switch (e.kind) {
      case gate::JoinEvent::pending:
        std::cout << "pairing code: " << e.code << '\n' << std::flush;
        cli_.info("request " + std::to_string(e.id) + " is pending until " + e.expires_at +
                  "; read the code to the operator (waiting up to " + wait_ + ")");
        break;
      case gate::JoinEvent::waiting:
        cli_.info("waiting: " + e.reason + "; trying again in about " + seconds_text(e.retry_in));
        break;
      case gate::JoinEvent::paired:
        std::cout << "paired: request " << e.id << (e.approved_by.empty() ? "" : ", approved by " + e.approved_by)
                  << '\n';
        for (const auto& f : e.files) std::cout << "wrote " << f << '\n';
        if (!e.master.empty()) std::cout << "pinned master " << e.master << '\n';
        break;
      case gate::JoinEvent::closed:
      case gate::JoinEvent::unpaired:
      case gate::JoinEvent::refused:
        break;  // the error line says it
    }
  }

  void note(const std::string& line) override { cli_.info("note: " + line); }

private:
  static nlohmann::json to_json(const gate::JoinEvent& e) {
    static constexpr const char* names[] = {"pending", "waiting", "paired", "closed", "unpaired", "refused"};
    nlohmann::json j{{"event", names[e.kind]}};
    if (e.id) j["id"] = e.id;
    switch (e.kind) {
      case gate::JoinEvent::pending:
        j["code"] = e.code;
        j["expires_at"] = e.expires_at;
        break;
      case gate::JoinEvent::waiting:
        j["reason"] = e.reason;
        j["retry_in_ms"] = e.retry_in.count();
        break;
      case gate::JoinEvent::paired:
        j["approved_by"] = e.approved_by;
        j["files"] = e.files;
        j["master"] = e.master.empty() ? nlohmann::json() : nlohmann::json(e.master);
        break;
      case gate::JoinEvent::refused:
        j["code"] = e.reason;
        j["message"] = e.message;
        break;
      case gate::JoinEvent::closed:
      case gate::JoinEvent::unpaired:
        j["message"] = e.message;
        break;
    }
    return j;
  }

  Cli& cli_;
  std::string wait_;
};

void run_join(Cli& cli, const JoinCmdOptions& o) {
  gate::JoinOptions jo;
  jo.device_dir = o.dir;
  jo.gate = o.gate;
  jo.serial = o.serial;
  jo.pin = o.pin;
  jo.tofu = o.tofu;
  jo.wait = parse_duration(o.wait);
  if (!o.qr.empty()) jo.payload = gate::read_invite_image(cli.read_input(o.qr, limits::kImage), Cli::display_name(o.qr));
  gate::HttpsClientOptions ho;
  ho.key_pem = o.dir + "/" + device::kKeyFile;
  ho.cert_pem = o.dir + "/" + device::kCertFile;
  ho.token_key = device_token_key(cli, o.dir, o.token);
  ho.connect_timeout = ho.io_timeout = parse_duration(o.timeout);
  Printer printer(cli, format_duration(jo.wait));
  gate::SystemWaiter waiter;
  gate::join(
      jo, [&ho](const std::string& address) { return https_transport(address, ho); }, printer,
      waiter, cli.rng(), cli.clock());
}

void run_invite(Cli& cli, const InviteCmdOptions& o) {
  const qr::RenderOptions ro = qr_render_options(cli, o.output);
  std::optional<std::chrono::seconds> valid_for;
  if (!o.valid_for.empty()) valid_for = parse_duration(o.valid_for);
  // Checked before the invite exists, so a refused write wastes none.
  if (o.output.out != "-" && !o.output.force && path_exists(o.output.out))
    throw InputError(o.output.out + " exists (use --force to replace it)");
  const auto inv = gate::create_gate_invite(o.dir, o.host, valid_for, cli.rng(), cli.clock());
  const QrWritten written = write_qr(cli, inv.payload, o.output, ro);
  if (cli.json) {
    nlohmann::json j = {{"id", inv.id}, {"expires_at", format_time(inv.expires_at)}, {"address", inv.address},
                        {"payload", inv.payload}, {"qr", written.json}};
    cli.emit_json(j);
    return;
  }
  cli.info("invite " + std::to_string(inv.id) + " for " + inv.address + ", single use, valid until " +
           format_time(inv.expires_at) + (o.output.out == "-" ? "" : ": wrote " + o.output.out + " (" + written.summary + ")"));
  cli.info("next: on the terminal, pairkit gate join --dir DEVICE_DIR --qr PHOTO");
}

}  // namespace

std::unique_ptr<gate::GateTransport> https_transport(const std::string& address, const gate::HttpsClientOptions& opts) {
  return std::make_unique<HttpsTransport>(address, opts);
}

void add_gate_client_commands(CLI::App& group, Cli& cli) {
  auto j = std::make_shared<JoinCmdOptions>();
  auto* c = add_command(
      group, cli, "join", "Ask a gate to pair this terminal, show the pairing code, wait, then write its configuration",
      {"pairkit gate join --gate gate.example:7741 --dir /var/lib/terminal --pin AB:CD:...",
       "pairkit gate join --dir /var/lib/terminal --qr invite.png",
       "pairkit gate join --gate [fd00::7]:7741 --dir term --tofu --wait 1h",
       "pairkit --json gate join --gate gate.example:7741 --dir term | my-display-ui"},
      [j](Cli& c) { run_join(c, *j); });
  c->add_option("--gate", j->gate, "The gate, HOST:PORT or [IPv6]:PORT (default: from --qr's code)");
  c->add_option("--dir", j->dir, "The device's identity folder (device init); pins and config go there too")->required();
  add_token_options(c, cli, j->token);
  c->add_option("--serial", j->serial, "The serial to pair (default: DEVICE_DIR/device.toml's)");
  c->add_option("--pin", j->pin, "The gate certificate's SHA-256 (colon hex) or SPKI pin (sha256//...)");
  c->add_option("--qr", j->qr, "A photo of the gate's pairing or invite QR code: address, fingerprint, invite");
  c->add_flag("--tofu", j->tofu, "Trust the gate's certificate on first use (the pairing code protects the operator)");
  c->add_option("--wait", j->wait, "How long to wait for the operator, and for a gate that went away")
      ->check(duration_check())
      ->capture_default_str();
  c->add_option("--timeout", j->timeout, "Deadline for connecting, and for each step of an exchange with the gate")
      ->check(duration_check())
      ->capture_default_str();

  auto i = std::make_shared<InviteCmdOptions>();
  c = add_command(group, cli, "invite",
                  "Make a single-use, expiring invite and render it as a QR code for a terminal to scan",
                  {"pairkit gate invite --dir /etc/pairkit/gate --host gate.example:7741 -o invite.png",
                   "pairkit gate invite --dir /etc/pairkit/gate --valid-for 2m   # on the terminal, in half blocks",
                   "pairkit --json gate invite --dir srv --host [fd00::1]:7741 -o invite.svg"},
                  [i](Cli& c) { run_invite(c, *i); });
  c->add_option("--dir", i->dir, "The gate's folder (device init --role server, gate.toml)")->required();
  c->add_option("--host", i->host, "The address terminals dial, HOST:PORT (default: gate.toml's public_address)");
  c->add_option("--valid-for", i->valid_for, "How long the invite is valid (default: gate.toml's [invites] valid_for, 10m)")
      ->check(duration_check());
  add_qr_output_options(c, cli, i->output, "the invite's QR code");
}

}  // namespace pairkit::cli
