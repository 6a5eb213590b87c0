// The gate's routes on a real registry, without the network: the contract's
// statuses and codes, denials, pre-registration, a registry that is gone,
// CONFIG from the configuration folder, and GET /v1/check.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/totp.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/gate/routes.hpp"
#include "pairkit/gate/terminal_config.hpp"

using namespace pairkit;
using namespace pairkit::gate;

namespace {

struct Lines : LogSink {
  std::vector<std::string> lines;
  void line(Severity, std::string_view text) override { lines.emplace_back(text); }
};

struct Identity {
  std::string pem, sha256;
};

struct Gate {
  TempDir tmp;
  std::unique_ptr<Botan::RandomNumberGenerator> rng = make_seeded_rng(7);
  FixedClock clock{TimePoint(std::chrono::seconds(1'800'000'000))};
  Metrics metrics;
  Lines log;
  GateConfig config = parse_gate_config("", "gate.toml", tmp.path());
  CaHolder ca;
  Routes routes{metrics, log, clock, make_seeded_rng(8), ca};
  Identity server = identity("srv", device::Role::server);

  Gate() {
    pairing::RegistryOptions o;
    o.if_missing = IfMissing::create;
    pairing::open_registry(config.registry, o);
  }

  Identity identity(const std::string& name, device::Role role) {
    device::InitOptions o;
    o.serial = name;
    o.role = role;
    device::init(tmp.path() + "/" + name, o, *rng, clock);
    const auto bytes = read_file(tmp.path() + "/" + name + "/cert.pem", 1 << 20);
    const auto der = crypto::load_certificate_der(bytes, name);
    return {std::string(bytes.begin(), bytes.end()), crypto::fingerprint(der, crypto::HashAlg::sha256, crypto::FpFormat::colon)};
  }

  HttpRequest request(const std::string& method, const std::string& target, const Identity* who,
                      const std::string& body = "", const std::string& address = "127.0.0.1") {
    HttpRequest r;
    r.method = method;
    r.route = match_route(target);
    r.content_type = "application/json";
    r.body = body;
    r.remote_address = address;
    if (who) {
      r.client_sha256 = who->sha256;
      r.client_pem = who->pem;
      r.server_sha256 = server.sha256;
      r.server_pem = server.pem;
    }
    return r;
  }
  HttpResponse join(const Identity& who, const std::string& serial, const std::string& address = "127.0.0.1") {
    return routes.handle(request("POST", "/v1/pair", &who, R"({"serial": ")" + serial + R"("})", address), config);
  }
  std::string code(const HttpResponse& r) { return nlohmann::json::parse(r.body)["error"]["code"]; }
};

}  // namespace

TEST_CASE("routes: a join is pending (202, Retry-After), filed once, seen only by its certificate") {
  Gate g;
  const auto term = g.identity("TERM-1", device::Role::terminal);
  const auto other = g.identity("TERM-2", device::Role::terminal);
  const auto first = g.join(term, "TERM-1");
  CHECK(first.status == 202);
  CHECK(first.retry_after == 5);
  const auto doc = nlohmann::json::parse(first.body);
  CHECK(doc["state"] == "pending");
  CHECK(doc["poll"] == "/v1/pair/" + std::to_string(doc["id"].get<int64_t>()));
  const auto again = nlohmann::json::parse(g.join(term, "TERM-1").body);
  CHECK(again["id"] == doc["id"]);
  CHECK(again["nonce"] == doc["nonce"]);
  const std::string poll = doc["poll"];
  CHECK(g.routes.handle(g.request("GET", poll, &term), g.config).status == 200);
  const auto foreign = g.routes.handle(g.request("GET", poll, &other), g.config);
  CHECK(foreign.status == 404);
  CHECK(g.code(foreign) == "not_found");
  CHECK(g.code(g.routes.handle(g.request("GET", "/v1/config", &term), g.config)) == "not_paired");
}

TEST_CASE("routes: no client certificate, unknown paths, wrong methods, bad bodies") {
  Gate g;
  const auto term = g.identity("TERM-1", device::Role::terminal);
  for (const char* target : {"/v1/pair", "/v1/pair/1", "/v1/config"}) {
    CAPTURE(target);
    const auto method = std::string(target) == "/v1/pair" ? "POST" : "GET";
    const auto r = g.routes.handle(g.request(method, target, nullptr, "{}"), g.config);
    CHECK(r.status == 401);
    CHECK(g.code(r) == "client_certificate_required");
  }
  CHECK(g.routes.handle(g.request("GET", "/nowhere", &term), g.config).status == 404);
  const auto wrong = g.routes.handle(g.request("GET", "/v1/pair", &term), g.config);
  CHECK(wrong.status == 405);
  CHECK(wrong.allow == "POST");
  auto plain = g.request("POST", "/v1/pair", &term, R"({"serial": "TERM-1"})");
  plain.content_type = "text/plain";
  CHECK(g.code(g.routes.handle(plain, g.config)) == "unsupported_media_type");
  const auto bad = g.routes.handle(g.request("POST", "/v1/pair", &term, R"({"serial": "a/b"})"), g.config);
  CHECK(bad.status == 400);
  CHECK(g.code(bad) == "bad_request");
  CHECK(g.routes.handle(g.request("GET", "/healthz", nullptr), g.config).body == R"({"status":"ok"})");
}

TEST_CASE("routes: denials, pre-registration and the pending caps answer with the contract's codes") {
  Gate g;
  const auto a = g.identity("TERM-A", device::Role::terminal);
  const auto b = g.identity("TERM-B", device::Role::terminal);
  {
    pairing::RegistryOptions o;
    auto reg = pairing::open_registry(g.config.registry, o);
    // Each decision needs its operator's TOTP code, and a step is used once: two operators.
    const auto step = crypto::totp_step(g.clock.now());
    const auto alice = reg->add_operator("alice", *g.rng, g.clock);
    const auto bob = reg->add_operator("bob", *g.rng, g.clock);
    reg->deny("fingerprint", a.sha256, {"alice", crypto::totp_code(alice, step)}, g.clock);
    reg->deny("address", "192.0.2.9", {"bob", crypto::totp_code(bob, step)}, g.clock);
  }
  auto denied = g.join(a, "TERM-A");
  CHECK(denied.status == 403);
  CHECK(g.code(denied) == "denied");
  CHECK(g.code(g.join(b, "TERM-B", "192.0.2.9")) == "denied");

  g.config.require_expected = true;
  const auto unexpected = g.join(b, "TERM-B");
  CHECK(unexpected.status == 403);
  CHECK(g.code(unexpected) == "not_expected");
  g.config.require_expected = false;

  g.config.limits.max_pending_per_address = 1;
  CHECK(g.join(b, "TERM-B").status == 202);
  const auto c = g.identity("TERM-C", device::Role::terminal);
  const auto capped = g.join(c, "TERM-C");
  CHECK(capped.status == 429);
  CHECK(capped.retry_after == 5);
  CHECK(g.code(capped) == "too_many_pending");
}

TEST_CASE("routes: a registry that cannot be opened answers 503 with Retry-After and a log line") {
  Gate g;
  const auto term = g.identity("TERM-1", device::Role::terminal);
  g.config.registry = g.tmp.path() + "/gone/pairing.db";
  const auto health = g.routes.handle(g.request("GET", "/healthz", nullptr), g.config);
  CHECK(health.status == 503);
  CHECK(health.retry_after == 5);
  CHECK(nlohmann::json::parse(health.body)["status"] == "unavailable");
  const auto join = g.join(term, "TERM-1");
  CHECK(join.status == 503);
  CHECK(g.code(join) == "unavailable");
  REQUIRE_FALSE(g.log.lines.empty());
  CHECK(g.log.lines.back().find("registry unavailable") != std::string::npos);
  const auto metrics = g.routes.handle(g.request("GET", "/metrics", nullptr), g.config);
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("pairkit_gate_pending_requests") == std::string::npos);
}

TEST_CASE("CONFIG: SERIAL/ before default/, plain regular files, modes, the limits") {
  TempDir tmp;
  GateConfig c = parse_gate_config("", "gate.toml", tmp.path());
  CHECK(terminal_config(c, "T1")["files"].empty());
  CHECK_FALSE(terminal_config(c, "T1").contains("master"));
  make_dirs(c.config_dir + "/default");
  make_dirs(c.config_dir + "/T1");
  write_file_atomic(c.config_dir + "/default/common.conf", "x", {});
  write_file_atomic(c.config_dir + "/T1/vpn.conf", "secret", {0600, false});
  write_file_atomic(c.config_dir + "/T1/motd", "hello", {});
  ::chmod((c.config_dir + "/T1/motd").c_str(), 0644);
  write_file_atomic(c.config_dir + "/T1/.hidden", "no", {});
  make_dirs(c.config_dir + "/T1/sub");
  c.master_address = "master.example:443";
  c.master_fingerprint = "AB";
  const auto t1 = terminal_config(c, "T1");
  REQUIRE(t1["files"].size() == 2);
  CHECK(t1["files"][0]["name"] == "motd");
  CHECK(t1["files"][0]["mode"] == "0644");
  CHECK(t1["files"][1]["name"] == "vpn.conf");
  CHECK(t1["files"][1]["mode"] == "0600");
  CHECK(t1["files"][1]["data_base64"] == "c2VjcmV0");
  CHECK(t1["master"]["address"] == "master.example:443");
  const auto t2 = terminal_config(c, "T2");
  REQUIRE(t2["files"].size() == 1);
  CHECK(t2["files"][0]["name"] == "common.conf");
  for (int i = 0; i < 65; ++i) write_file_atomic(c.config_dir + "/default/f" + std::to_string(i), "", {});
  CHECK_THROWS_AS(terminal_config(c, "T2"), InputError);
  make_dirs(c.config_dir + "/BIG");
  write_file_atomic(c.config_dir + "/BIG/big", std::string(kMaxConfigBytes + 1, 'a'), {});
  CHECK_THROWS_AS(terminal_config(c, "BIG"), InputError);
}

TEST_CASE("routes: poll and configuration answers are kept, yet a decision or a configuration file from another process shows at once") {
  Gate g;
  const auto term = g.identity("TERM-1", device::Role::terminal);
  const auto pending = nlohmann::json::parse(g.join(term, "TERM-1").body);
  const std::string poll = pending["poll"];
  auto state = [&](const Identity& who, const std::string& target) {
    return nlohmann::json::parse(g.routes.handle(g.request("GET", target, &who), g.config).body);
  };
  CHECK(state(term, poll)["state"] == "pending");
  CHECK(state(term, poll)["state"] == "pending");  // from the worker's cache
  g.config.poll_interval = std::chrono::seconds(9);  // a reload: cached answers hold the old Retry-After
  CHECK(g.routes.handle(g.request("GET", poll, &term), g.config).retry_after == 9);
  pairing::RegistryOptions o;
  auto other = pairing::open_registry(g.config.registry, o);  // the operator's process
  const auto step = crypto::totp_step(g.clock.now());
  const auto alice = other->add_operator("alice", *g.rng, g.clock);
  other->reject("TERM-1", {"alice", crypto::totp_code(alice, step)}, g.clock);
  CHECK(state(term, poll)["state"] == "closed");

  const auto two = g.identity("TERM-2", device::Role::terminal);
  other->expect("TERM-2", two.sha256, g.clock);
  g.config.auto_approve_expected = true;
  const auto paired = nlohmann::json::parse(g.join(two, "TERM-2").body);
  REQUIRE(paired["state"] == "paired");
  const std::string poll2 = "/v1/pair/" + std::to_string(paired["id"].get<int64_t>());
  CHECK(state(two, poll2)["config"]["files"].empty());
  make_dirs(g.config.config_dir + "/TERM-2");
  write_file_atomic(g.config.config_dir + "/TERM-2/motd", "hello", {});
  const auto with_file = state(two, poll2);
  REQUIRE(with_file["config"]["files"].size() == 1);
  CHECK(with_file["config"]["files"][0]["name"] == "motd");
  CHECK(g.routes.handle(g.request("GET", "/v1/config", &two), g.config).status == 200);
  CHECK(g.routes.handle(g.request("GET", "/v1/config", &two), g.config).status == 200);  // kept
  other->unpair("TERM-2", {"alice", crypto::totp_code(alice, step + 1)}, g.clock);
  CHECK(g.routes.handle(g.request("GET", "/v1/config", &two), g.config).status == 403);
  CHECK(state(two, poll2)["state"] == "unpaired");
  CHECK(g.routes.handle(g.request("GET", poll2, &term), g.config).status == 404);  // never another's cached answer
}

TEST_CASE("routes: GET /v1/check, about the connection's certificate or, from the proxy, the header's") {
  Gate g;
  const auto term = g.identity("TERM-1", device::Role::terminal);
  const auto stranger = g.identity("TERM-9", device::Role::terminal);
  pairing::RegistryOptions o;
  auto other = pairing::open_registry(g.config.registry, o);  // the operator's process
  other->expect("TERM-1", term.sha256, g.clock);
  g.config.auto_approve_expected = true;
  REQUIRE(nlohmann::json::parse(g.join(term, "TERM-1").body)["state"] == "paired");
  auto der_of = [](const Identity& who) {
    return crypto::load_certificate_der(std::vector<uint8_t>(who.pem.begin(), who.pem.end()), "pem");
  };
  auto tls = [&](const Identity* who, const std::string& header = "") {
    auto r = g.request("GET", "/v1/check", who);
    if (who) r.client_der = der_of(*who);
    r.forwarded_cert = header;
    return g.routes.handle(r, g.config);
  };
  auto proxy = [&](const std::string& header, const std::string& target = "/v1/check") {
    auto r = g.request("GET", target, nullptr);
    r.via_proxy = true;
    r.forwarded_cert = header;
    return g.routes.handle(r, g.config);
  };

  const auto ok = tls(&term);
  CHECK(ok.status == 200);
  CHECK(ok.body == R"({"paired":true,"serial":"TERM-1"})");
  CHECK(ok.headers == "X-Pairkit-Serial: TERM-1\r\n");
  CHECK(g.code(tls(&stranger)) == "not_paired");
  CHECK(tls(nullptr).status == 401);
  // On the TLS port the header is not read: a terminal cannot vouch for another.
  CHECK(g.code(tls(&stranger, term.pem)) == "not_paired");
  CHECK(tls(nullptr, term.pem).status == 401);

  CHECK(proxy(term.pem).status == 200);
  CHECK(proxy(stranger.pem).status == 403);
  CHECK(g.code(proxy("")) == "client_certificate_required");
  CHECK(g.code(proxy("nonsense!")) == "bad_request");
  // The proxy's listener serves the check and the health, nothing else.
  CHECK(proxy(term.pem, "/v1/config").status == 404);
  CHECK(proxy(term.pem, "/metrics").status == 404);
  CHECK(proxy("", "/healthz").status == 200);

  const auto step = crypto::totp_step(g.clock.now());
  const auto alice = other->add_operator("alice", *g.rng, g.clock);
  other->unpair("TERM-1", {"alice", crypto::totp_code(alice, step)}, g.clock);
  CHECK(g.code(proxy(term.pem)) == "unpaired");

  // Past its notAfter, a certificate is refused as expired before the registry is asked.
  g.clock.set(g.clock.now() + std::chrono::days(365 * 20));
  CHECK(g.code(proxy(stranger.pem)) == "expired");
}
