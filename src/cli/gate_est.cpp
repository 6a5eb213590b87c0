// pairkit gate enroll | renew [--daemon]: a paired terminal's certificate
// from the gate's EST server, and its renewals (pairkit-gate(1), ENROLL AND
// RENEW). The library runs the conversations; this file prints what was
// written, logs the events on stderr, and turns SIGTERM into a clean stop.
#include "gate_est.hpp"

#include <csignal>
#include <ctime>
#include <iostream>
#include <memory>

#include "gate_join.hpp"
#include "key_ref.hpp"
#include "options.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/device/layout.hpp"
#include "pairkit/gate/est_client.hpp"
#include "pairkit/gate/est_daemon.hpp"
#include "pairkit/gate/https_client.hpp"

namespace pairkit::cli {

namespace {

struct EstCmdOptions {
  std::string gate;
  std::string dir;
  std::string wait = "5m";
  std::string timeout = "10s";
  bool new_key = false;
  bool daemon = false;
  bool if_due = false;
  TokenOptions token;
};

std::string seconds_text(std::chrono::milliseconds d) { return std::to_string((d.count() + 500) / 1000) + "s"; }

// One line per event on stderr: a person at a terminal, or the journal.
class EventLog final : public gate::EstObserver {
public:
  explicit EventLog(Cli& cli) : cli_(cli) {}
  void event(const gate::EstEvent& e) override {
    switch (e.kind) {
      case gate::EstEvent::pending:
      case gate::EstEvent::busy:
        cli_.info("waiting: " + e.message + "; asking again in about " + seconds_text(e.wait));
        break;
      case gate::EstEvent::sleeping: cli_.info("sleeping: " + e.message); break;
      case gate::EstEvent::retrying:
        cli_.info("retrying in " + seconds_text(e.wait) + ": " + e.message);
        break;
      case gate::EstEvent::ca_changed:
      case gate::EstEvent::recovered:
      case gate::EstEvent::discarded:
      case gate::EstEvent::reusing_key: cli_.info("note: " + e.message); break;
    }
  }

private:
  Cli& cli_;
};

void print_result(Cli& cli, const gate::EstResult& r, const char* verb, bool one_line_json) {
  if (cli.json) {
    nlohmann::json j = {{verb, true},
                              {"written", r.written},
                              {"serial", r.serial},
                              {"not_before", format_time(r.not_before)},
                              {"not_after", format_time(r.not_after)},
                              {"sha256", r.sha256},
                              {"new_key", r.new_key}};
    if (one_line_json)
      std::cout << j.dump() << '\n' << std::flush;
    else
      cli.emit_json(j);
    return;
  }
  std::cout << verb << ": certificate " << r.serial << '\n'
            << "not after: " << format_time(r.not_after) << '\n'
            << "sha256: " << r.sha256 << '\n';
  for (const auto& p : r.written) std::cout << "wrote " << p << '\n';
  std::cout << std::flush;
}

// Thrown out of a sleep once SIGTERM or SIGINT has arrived: the daemon stops
// where it waits, never between replacing the key and the certificate.
struct Stopped {};

// The daemon's sleep: SIGTERM and SIGINT are blocked for the whole run and
// taken here with sigtimedwait, so a signal during a renewal waits until the
// renewal is done (or waiting), and ends the daemon with exit 0, as SIGTERM
// ends gate serve.
class SignalWaiter final : public gate::Waiter {
public:
  SignalWaiter() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~SignalWaiter() override { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;

  std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
  void sleep(std::chrono::milliseconds d) override {
    if (take(d)) throw Stopped{};
  }
  bool stopping() { return signal_ != 0 || take(std::chrono::milliseconds(0)); }
  int signal() const { return signal_; }

private:
  bool take(std::chrono::milliseconds d) {
    const auto end = now() + d;
    for (;;) {
      const auto left = std::max(std::chrono::milliseconds(0),
                                 std::chrono::duration_cast<std::chrono::milliseconds>(end - now()));
      timespec ts{static_cast<time_t>(left.count() / 1000), static_cast<long>(left.count() % 1000) * 1'000'000};
      const int sig = sigtimedwait(&set_, nullptr, &ts);
      if (sig > 0) {
        signal_ = sig;
        return true;
      }
      if (errno != EINTR || left.count() == 0) return false;
    }
  }

  sigset_t set_{}, old_{};
  int signal_ = 0;
};

void run_est(Cli& cli, const EstCmdOptions& o, bool renew) {
  gate::EstOptions eo;
  eo.device_dir = o.dir;
  eo.gate = o.gate;
  eo.new_key = o.new_key;
  eo.wait = parse_duration(o.wait);
  gate::HttpsClientOptions ho;
  ho.key_pem = o.dir + "/" + device::kKeyFile;
  ho.cert_pem = o.dir + "/" + device::kCertFile;
  ho.token_key = eo.token_key = device_token_key(cli, o.dir, o.token);
  ho.connect_timeout = ho.io_timeout = parse_duration(o.timeout);
  const gate::TransportFactory connect = [&ho](const std::string& address) { return https_transport(address, ho); };
  EventLog log(cli);
  if (!renew) {
    gate::SystemWaiter waiter;
    print_result(cli, gate::est_enroll(eo, connect, log, waiter, cli.rng(), cli.clock()), "enrolled", false);
    return;
  }
  if (!o.daemon) {
    if (o.if_due) {
      const TimePoint due = gate::certificate_due(o.dir);
      if (cli.clock().now() < due) {
        if (cli.json)
          cli.emit_json({{"renewed", false}, {"due", format_time(due)}});
        else
          std::cout << "not due: renewing from " << format_time(due) << '\n';
        return;
      }
    }
    gate::SystemWaiter waiter;
    print_result(cli, gate::est_renew(eo, connect, log, waiter, cli.rng(), cli.clock()), "renewed", false);
    return;
  }
  // Checked before the loop: a daemon that cannot find its gate says so at once.
  cli.info("renewing " + o.dir + "'s certificate at " + gate::est_gate_address(o.dir, o.gate) + " until stopped");
  SignalWaiter waiter;
  try {
    gate::est_renew_daemon(
        eo, connect, log, waiter, cli.rng(), cli.clock(), [&waiter] { return waiter.stopping(); },
        [&cli](const gate::EstResult& r) { print_result(cli, r, "renewed", true); });
  } catch (const Stopped&) {
  }
  cli.info(std::string("stopped (") + (waiter.signal() == SIGINT ? "SIGINT" : "SIGTERM") + ")");
}

void add_common(CLI::App* c, Cli& cli, EstCmdOptions& o) {
  c->add_option("--gate", o.gate, "The gate, HOST:PORT or [IPv6]:PORT (default: the address gate join pinned)");
  c->add_option("--dir", o.dir, "The terminal's identity folder, paired with gate join")->required();
  add_token_options(c, cli, o.token);
  c->add_option("--wait", o.wait, "How long to wait for a pending request or a busy gate")
      ->check(duration_check())
      ->capture_default_str();
  c->add_option("--timeout", o.timeout, "Deadline for connecting, and for each step of an exchange with the gate")
      ->check(duration_check())
      ->capture_default_str();
}

}  // namespace

void add_gate_est_commands(CLI::App& group, Cli& cli) {
  auto e = std::make_shared<EstCmdOptions>();
  auto* c = add_command(group, cli, "enroll",
                        "Get this paired terminal's first certificate from the gate's CA (EST simpleenroll)",
                        {"pairkit gate enroll --dir /var/lib/terminal",
                         "pairkit gate enroll --gate gate.example:7741 --dir term --wait 30m",
                         "pairkit --json gate enroll --dir term"},
                        [e](Cli& c) { run_est(c, *e, false); });
  add_common(c, cli, *e);

  auto r = std::make_shared<EstCmdOptions>();
  c = add_command(group, cli, "renew",
                  "Renew this terminal's certificate at the gate (EST simplereenroll), once or as a daemon",
                  {"pairkit gate renew --dir /var/lib/terminal",
                   "pairkit gate renew --dir term --new-key",
                   "pairkit gate renew --gate gate.example:7741 --dir /var/lib/terminal --daemon",
                   "pairkit gate renew --dir /var/lib/terminal --if-due   # what pairkit-renew.timer runs",
                   "systemctl enable --now pairkit-renew.timer   # the timer instead of --daemon"},
                  [r](Cli& c) { run_est(c, *r, true); });
  add_common(c, cli, *r);
  c->add_flag("--new-key", r->new_key, "Rotate the key too: a new one of the same type (key.pem.previous keeps the old)");
  auto* if_due = c->add_flag(
      "--if-due", r->if_due, "Renew only once the certificate is two thirds through its life (for a timer); else say when");
  c->add_flag("--daemon", r->daemon,
              "Keep running: renew two thirds into each certificate's life, retry with backoff, stop on SIGTERM")
      ->excludes(if_due);
}

}  // namespace pairkit::cli
