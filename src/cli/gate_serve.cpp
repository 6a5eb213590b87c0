// pairkit gate serve: the gate service in the foreground (pairkit-gate(1),
// SERVER). The library serves; this file reads the flags, opens the
// registry once to fail early, prints where it listens and logs to stderr.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>

#include <iostream>
#include <memory>
#include <mutex>

#include "groups.hpp"
#include "key_ref.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/pkcs11.hpp"
#include "pairkit/device/layout.hpp"
#include "pairkit/gate/crl_service.hpp"
#include "pairkit/gate/gate_ca.hpp"
#include "pairkit/gate/gate_config.hpp"
#include "pairkit/gate/routes.hpp"
#include "pairkit/gate/server.hpp"
#include "pairkit/pairing/registry.hpp"
#include "pairkit_config.h"
#include "registry_options.hpp"

namespace pairkit::cli {

namespace {

struct GateServeOptions {
  std::string dir;
  std::string listen;
  std::string db;
  std::string db_env;
  std::string ca;
  int threads = 2;
  TokenOptions token;
};

/// stderr, one write per line or batch of lines, so that the workers' lines
/// never interleave (journald reads them as they come).
class StderrLog : public gate::LogSink {
public:
  void line(gate::Severity, std::string_view text) override {
    std::string out(text);
    out += '\n';
    write_all(out);
  }
  void lines(gate::Severity, std::string_view block) override { write_all(block); }

private:
  void write_all(std::string_view out) {
    std::lock_guard lock(mu_);
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::write(STDERR_FILENO, out.data() + done, out.size() - done);
      if (n <= 0) return;  // stderr gone: the gate keeps serving
      done += static_cast<size_t>(n);
    }
  }

  std::mutex mu_;
};

/// gate.toml with the flags on top (flags win), as at start and on SIGHUP.
gate::GateConfig load_config(const GateServeOptions& o) {
  gate::GateConfig c = gate::read_gate_config(o.dir);
  if (!o.listen.empty()) c.listen = o.listen;
  if (const std::string db = location_from(o.db, o.db_env, "--db-env"); !db.empty()) c.registry = db;
  if (!o.ca.empty()) c.ca_dir = o.ca;
  return c;
}

/// How often the CRL holder looks at the CRL file and the CA index: a
/// revocation reaches /v1/crl within this.
constexpr std::chrono::seconds kCrlLook{2};

/// Test builds: PAIRKIT_TEST_GATE_DIE_AFTER_ISSUE=1 kills the gate with
/// SIGKILL once a certificate is recorded and before it is answered.
std::function<void()> after_issue_seam() {
#if PAIRKIT_TEST_SEAMS
  if (const char* die = std::getenv("PAIRKIT_TEST_GATE_DIE_AFTER_ISSUE"); die && std::string_view(die) == "1")
    return [] { ::kill(::getpid(), SIGKILL); };
#endif
  return {};
}

void run_gate_serve(Cli& cli, const GateServeOptions& o) {
  const gate::GateConfig config = load_config(o);
  gate::parse_listen_address(config.listen);
  StderrLog log;
  gate::Metrics metrics(static_cast<size_t>(o.threads));
  const Clock& clock = cli.clock();
  gate::CaHolder ca;
  // Fails here, with exit 3, rather than on the first enrollment.
  // A CA key in a token (an HSM) is reached with the same token options as the server key.
  const auto load_ca = [&cli, &o](const gate::GateConfig& c) {
    std::optional<crypto::TokenAccess> access;
    if (const std::string uri = ca::CaDir::open(c.ca_dir).key_uri(); !uri.empty())
      access = token_access(cli, o.token, crypto::parse_pkcs11_uri(uri));
    return gate::GateCa::load(c, access ? &*access : nullptr);
  };
  if (!config.ca_dir.empty()) ca.set(load_ca(config));
  const auto after_issue = after_issue_seam();
  gate::ServerHooks hooks;
  // A CRL to serve (or one issued) before the first request.
  gate::CrlService crl(clock, log, metrics, make_system_rng());
  crl.configure(config, ca.get());
  crl.refresh();
  hooks.make_handler = [&](int) {
    return std::make_unique<gate::Routes>(metrics, log, clock, make_system_rng(), ca, after_issue, &crl);
  };
  hooks.reload = [&] {
    // The CA is read again too (a renewed ca.crt, a new key): a throw keeps both the old configuration and CA.
    auto next = load_config(o);
    auto next_ca = next.ca_dir.empty() ? nullptr : load_ca(next);
    crl.configure(next, next_ca);
    ca.set(std::move(next_ca));
    return next;
  };
  hooks.token_key = [&cli, &o](const std::string& uri) -> std::shared_ptr<const Botan::Private_Key> {
    const auto parsed = crypto::parse_pkcs11_uri(uri);
    return crypto::load_token_key(parsed, token_access(cli, o.token, parsed));
  };
  hooks.log = &log;
  hooks.metrics = &metrics;
  hooks.clock = &clock;
  hooks.threads = o.threads;
  gate::Server server(config, std::move(hooks));
  {
    // Fails here, with exit 3, rather than on the first request.
    pairing::RegistryOptions opts;
    opts.if_missing = IfMissing::create;
    opts.busy_timeout = config.limits.registry_timeout;
    pairing::open_registry(config.registry, opts);
  }

  const std::string cert_file = config.server_dir + "/" + device::kCertFile;
  const auto der = crypto::load_certificate_der(read_file(cert_file, limits::kObject), cert_file);
  const std::string fp = crypto::fingerprint(der, crypto::HashAlg::sha256, crypto::FpFormat::colon);
  if (cli.json) {
    nlohmann::json j = {{"listening", server.endpoint()}, {"sha256", fp}, {"registry", config.registry}};
    if (!server.check_endpoint().empty()) j["check"] = server.check_endpoint();
    cli.emit_json(j);
  } else {
    std::cout << "listening on " << server.endpoint() << " (sha256 " << fp << ")\n";
    if (!server.check_endpoint().empty()) std::cout << "checks on " << server.check_endpoint() << " (plain HTTP, GET /v1/check)\n";
  }
  Cli::flush_stdout();
  crl.start(kCrlLook);
  server.run();
  log.line(gate::Severity::info, gate::format_event(clock.now(), gate::Severity::info, "stopped", config.log_format));
}

}  // namespace

void add_gate_serve_command(CLI::App& group, Cli& cli) {
  auto o = std::make_shared<GateServeOptions>();
  auto* c = add_command(group, cli, "serve",
                        "Serve the gate in the foreground: terminals ask to pair over HTTPS with mTLS (port 7741)",
                        {"pairkit gate serve --dir /var/lib/pairkit-gate",
                         "pairkit gate serve --dir ./gate --listen 127.0.0.1:0 --db ./gate/pairing.db",
                         "PAIRKIT_DB='postgresql://gate@db.example/pairkit?sslmode=verify-full' pairkit gate serve --dir ./gate --db-env PAIRKIT_DB"},
                        [o](Cli& c) { run_gate_serve(c, *o); });
  c->add_option("--dir", o->dir, "Server folder: key.pem and cert.pem (device init --role server) and gate.toml")
      ->required();
  add_token_options(c, cli, o->token);
  c->add_option("--listen", o->listen, "Address and port, overriding gate.toml (default [::]:7741; port 0 picks one)");
  auto* db = c->add_option("--db", o->db,
                           "Registry (a path, sqlite:PATH or a postgresql:// URL), overriding gate.toml (default "
                           "DIR/pairing.db)");
  add_location_env_option(c, db, o->db_env, "--db-env");
  c->add_option("--ca", o->ca, "CA folder for enrolment, overriding gate.toml");
  c->add_option("--threads", o->threads, "Worker threads")->check(CLI::Range(1, 64))->capture_default_str();
}

}  // namespace pairkit::cli
