// gate enroll and renew against a scripted EST gate and a virtual clock: what
// is sent, what is written and kept, every refusal and fault, the recovery of
// an interrupted renewal, and the daemon's schedule.
#include <doctest/doctest.h>

#include <botan/pkcs10.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/pkcs7.hpp"
#include "pairkit/crypto/renewal.hpp"
#include "pairkit/crypto/x509.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/gate/est_client.hpp"
#include "pairkit/gate/est_daemon.hpp"
#include "pairkit/pairing/pin_store.hpp"

using namespace pairkit;
using namespace pairkit::gate;
using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

namespace {

const TimePoint kNow(std::chrono::seconds(1'800'000'000));

std::string contents(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

HttpsResponse answer(int status, const std::string& body, int retry_after = -1) {
  HttpsResponse r;
  r.status = status;
  r.body = body;
  if (retry_after >= 0) r.retry_after = std::chrono::seconds(retry_after);
  return r;
}

// A CA that signs what the scripted gate is asked for.
struct TestCa {
  std::unique_ptr<Botan::RandomNumberGenerator> rng;
  std::unique_ptr<Botan::Private_Key> key;
  Botan::X509_Certificate cert;
  explicit TestCa(uint64_t seed) : rng(make_seeded_rng(seed)), key(crypto::generate_key(crypto::KeyType::p256, *rng)) {
    crypto::CertSpec spec;
    crypto::Subject subject;
    subject.common_name = "Test CA " + std::to_string(seed);
    spec.subject = subject.to_dn();
    spec.profile = crypto::Profile::ca;
    spec.not_before = kNow - 24h;
    spec.not_after = kNow + std::chrono::days(3650);
    cert = crypto::self_sign(*key, spec, *rng);
  }
  Bytes issue(const Botan::PKCS10_Request& csr, TimePoint nb, std::chrono::seconds life) {
    crypto::CertSpec spec;
    spec.subject = csr.subject_dn();
    spec.profile = crypto::Profile::terminal;
    spec.not_before = nb;
    spec.not_after = nb + life;
    const std::unique_ptr<Botan::Public_Key> subject(csr.subject_public_key());  // Botan 2 hands over a raw pointer
    return crypto::certificate_der(crypto::issue_certificate(*key, cert, *subject, spec, crypto::random_serial(*rng), *rng));
  }
  std::string pkcs7_of(const Bytes& der) const {
    return crypto::est_base64(crypto::certs_only_pkcs7(std::vector<Bytes>{der}));
  }
  std::string cacerts() const { return pkcs7_of(crypto::certificate_der(cert)); }
};

struct Sent {
  std::string method, target, body, content_type;
};

// Answers each request through `handler`; a missing handler result is a
// network failure.
class ScriptedGate final : public GateTransport {
public:
  using Handler = std::function<std::optional<HttpsResponse>(const Sent&)>;
  ScriptedGate(Handler* h, Bytes* cert, std::vector<Sent>* sent) : h_(h), cert_(cert), sent_(sent) {}
  HttpsResponse request(const std::string& method, const std::string& target, const std::string&,
                        const PeerCheck&) override {
    FAIL("EST sends through request_as, not " << method << " " << target);
    return {};
  }
  HttpsResponse request_as(const std::string& method, const std::string& target, const std::string& body,
                           const std::string& content_type, const std::string& accept,
                           const PeerCheck& check) override {
    check(*cert_);
    CHECK(accept.find("application/pkcs7-mime") != std::string::npos);
    const Sent s{method, target, body, body.empty() ? "" : content_type};
    sent_->push_back(s);
    auto r = (*h_)(s);
    if (!r) throw NetworkError("cannot connect to 127.0.0.1:7741: Connection refused");
    return *r;
  }

private:
  Handler* h_;
  Bytes* cert_;
  std::vector<Sent>* sent_;
};

class VirtualTime final : public Waiter {
public:
  explicit VirtualTime(FixedClock& wall) : wall_(wall) {}
  std::chrono::steady_clock::time_point now() override { return t_; }
  void sleep(std::chrono::milliseconds d) override {
    sleeps.push_back(d);
    t_ += d;
    wall_.set(wall_.now() + std::chrono::duration_cast<std::chrono::seconds>(d));
  }
  std::vector<std::chrono::milliseconds> sleeps;

private:
  FixedClock& wall_;
  std::chrono::steady_clock::time_point t_{};
};

struct Recorder final : public EstObserver {
  void event(const EstEvent& e) override { events.push_back(e); }
  bool saw(EstEvent::Kind k) const {
    return std::any_of(events.begin(), events.end(), [k](const EstEvent& e) { return e.kind == k; });
  }
  std::vector<EstEvent> events;
};

Botan::PKCS10_Request csr_of(const Sent& s) {
  return crypto::load_csr(crypto::read_est_base64(s.body, "body"), "csr");
}

// A paired terminal (pins.toml names the gate), a gate certificate, a CA.
struct Fixture {
  TempDir tmp;
  std::string dir = tmp.path() + "/term";
  Bytes gate_der;
  TestCa ca{7};
  FixedClock clock{kNow};
  VirtualTime time{clock};
  Recorder rec;
  std::vector<Sent> sent;
  std::chrono::seconds life = 7 * 24h;
  ScriptedGate::Handler handler;
  std::unique_ptr<Botan::RandomNumberGenerator> rng = make_seeded_rng(5);
  EstOptions opts;

  Fixture() {
    auto r = make_seeded_rng(1);
    device::InitOptions o;
    o.serial = "TERM-1";
    device::init(dir, o, *r, clock);
    device::InitOptions g;
    g.serial = "GATE-1";
    g.role = device::Role::server;
    device::init(tmp.path() + "/gate", g, *r, clock);
    gate_der = crypto::load_certificate_der(read_file(tmp.path() + "/gate/cert.pem", 1 << 20), "gate");
    pairing::add_pin(dir + "/pins.toml",
                     pairing::Pin{"gate", "127.0.0.1:7741",
                                  crypto::colon_hex(crypto::digest(crypto::HashAlg::sha256, gate_der)), kNow, "test"},
                     false);
    opts.device_dir = dir;
    handler = [this](const Sent& s) { return honest(s); };
  }
  // What a well-behaved EST server answers.
  std::optional<HttpsResponse> honest(const Sent& s) {
    if (s.target == kEstCacerts) return answer(200, ca.cacerts());
    return answer(200, ca.pkcs7_of(ca.issue(csr_of(s), clock.now(), life)));
  }
  TransportFactory connect() {
    return [this](const std::string&) -> std::unique_ptr<GateTransport> {
      return std::make_unique<ScriptedGate>(&handler, &gate_der, &sent);
    };
  }
  EstResult enroll() { return est_enroll(opts, connect(), rec, time, *rng, clock); }
  EstResult renew() { return est_renew(opts, connect(), rec, time, *rng, clock); }
  std::string file(const std::string& name) const { return contents(dir + "/" + name); }
  Botan::X509_Certificate cert() const {
    return crypto::load_certificate(read_file(dir + "/cert.pem", 1 << 20), "cert.pem");
  }
  bool cert_certifies(const std::string& key_file) const {
    const auto key = crypto::load_private_key(read_file(dir + "/" + key_file, 1 << 20), key_file, std::nullopt);
    return crypto::certifies_key(cert(), *key);
  }
};

}  // namespace

TEST_CASE("enroll: RFC 7030's wire, ca.pem, the CA's certificate in place and the paired one kept") {
  Fixture f;
  const std::string paired = f.file("cert.pem"), key = f.file("key.pem");
  const EstResult r = f.enroll();
  REQUIRE(f.sent.size() == 2);
  CHECK(f.sent[0].method == "GET");
  CHECK(f.sent[0].target == "/.well-known/est/cacerts");
  CHECK(f.sent[0].body.empty());
  CHECK(f.sent[1].method == "POST");
  CHECK(f.sent[1].target == "/.well-known/est/simpleenroll");
  CHECK(f.sent[1].content_type == "application/pkcs10");
  CHECK(f.sent[1].body.find("\r\n") == 64);
  const auto csr = csr_of(f.sent[1]);
  CHECK(crypto::describe_request(csr).signature_valid);
  CHECK(crypto::describe_request(csr).subject == crypto::describe_certificate(
                                                     crypto::load_certificate(Bytes(paired.begin(), paired.end()), "p"))
                                                     .subject);
  CHECK(f.file("cert.pem.previous") == paired);
  CHECK(f.file("key.pem") == key);
  CHECK_FALSE(path_exists(f.dir + "/key.pem.previous"));
  CHECK_FALSE(path_exists(f.dir + "/cert.pem.next"));
  CHECK(f.file("ca.pem") == crypto::certificate_pem(f.ca.cert));
  CHECK(f.cert_certifies("key.pem"));
  CHECK(crypto::describe_certificate(f.cert()).issuer == "CN=Test CA 7");
  CHECK(r.serial == crypto::describe_certificate(f.cert()).serial);
  CHECK(r.sha256 == crypto::describe_certificate(f.cert()).sha256);
  CHECK(r.not_after == kNow + f.life);
  CHECK(r.written == std::vector<std::string>{f.dir + "/ca.pem", f.dir + "/cert.pem", f.dir + "/cert.pem.previous",
                                              f.dir + "/device.toml"});
  // device.toml follows cert.pem (backup create checks they agree); the rest stays.
  const device::Identity id = device::read_identity(f.dir);
  CHECK(id.cert_sha256 == r.sha256);
  CHECK(id.not_after == r.not_after);
  CHECK(id.spki_pin == crypto::describe_certificate(f.cert()).spki_pin);
  CHECK(id.serial == "TERM-1");
  CHECK(id.created == kNow);
}

TEST_CASE("enroll: a pending pairing is asked again after Retry-After, within --wait") {
  Fixture f;
  int posts = 0;
  f.handler = [&](const Sent& s) -> std::optional<HttpsResponse> {
    if (s.method == "POST" && ++posts < 3)
      return answer(202, R"({"state": "pending", "message": "waiting for the operator"})", 7);
    return f.honest(s);
  };
  f.enroll();
  CHECK(posts == 3);
  CHECK(f.time.sleeps == std::vector<std::chrono::milliseconds>{7s, 7s});
  CHECK(f.rec.saw(EstEvent::pending));

  Fixture g;
  g.opts.wait = 10s;
  g.handler = [&](const Sent& s) -> std::optional<HttpsResponse> {
    if (s.method == "POST") return answer(202, R"({"state": "pending"})", 7);
    return g.honest(s);
  };
  const std::string before = g.file("cert.pem");
  CHECK_THROWS_WITH_AS(g.enroll(), doctest::Contains("pending after 10s"), CheckFailed);
  CHECK(g.file("cert.pem") == before);
}

TEST_CASE("enroll and renew: refusals are CheckFailed with the gate's words, and nothing is replaced") {
  struct Case {
    std::string name;
    std::function<std::optional<HttpsResponse>(Fixture&, const Sent&)> answer;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"403", [](Fixture&, const Sent&) { return answer(403, R"({"error": {"code": "revoked", "message": "this certificate was revoked"}})"); },
       "this certificate was revoked (revoked)"},
      {"400", [](Fixture&, const Sent&) { return answer(400, R"({"error": {"code": "bad_request", "message": "another subject"}})"); },
       "another subject"},
      {"another key",
       [](Fixture& f, const Sent&) {
         auto r = make_seeded_rng(99);
         const auto other = crypto::generate_key(crypto::KeyType::p256, *r);
         const auto csr = crypto::load_csr(crypto::renewal_request(*other, f.cert(), *r), "csr");
         return answer(200, f.ca.pkcs7_of(f.ca.issue(csr, f.clock.now(), f.life)));
       },
       "another key"},
      {"another CA",
       [](Fixture& f, const Sent& s) {
         TestCa other(8);
         return answer(200, other.pkcs7_of(other.issue(csr_of(s), f.clock.now(), f.life)));
       },
       "does not verify against ca.pem"},
  };
  for (const auto& c : cases) {
    for (bool renew : {false, true}) {
      INFO(c.name << (renew ? " (renew --new-key)" : " (enroll)"));
      Fixture f;
      f.opts.new_key = renew;
      f.handler = [&](const Sent& s) -> std::optional<HttpsResponse> {
        if (s.method == "POST") return c.answer(f, s);
        return f.honest(s);
      };
      const std::string cert = f.file("cert.pem"), key = f.file("key.pem");
      try {
        renew ? f.renew() : f.enroll();
        FAIL("accepted");
      } catch (const CheckFailed& e) {
        CHECK(std::string(e.what()).find(c.says) != std::string::npos);
      }
      CHECK(f.file("cert.pem") == cert);
      CHECK(f.file("key.pem") == key);
      CHECK_FALSE(path_exists(f.dir + "/cert.pem.next"));
      CHECK_FALSE(path_exists(f.dir + "/cert.pem.previous"));
      CHECK_FALSE(path_exists(f.dir + "/key.pem.previous"));
    }
  }
}

TEST_CASE("enroll: faults are InputError (exit 3) and nothing is replaced") {
  const std::vector<std::pair<std::string, HttpsResponse>> faults = {
      {"500", answer(500, R"({"error": {"code": "internal", "message": "boom"}})")},
      {"garbage", answer(200, "this is not base64!")},
      {"truncated", answer(200, "MIIDVgYJKoZIhvcNAQcCoIIDRzCCA0MCAQExADALBgkqhkiG9w0BBwGgggMr")},
      {"503 past --wait", answer(503, R"({"error": {"code": "unavailable", "message": "busy"}})", 60)},
  };
  for (const auto& fault : faults) {
    // Not a structured binding: clang (the sanitizer build) cannot capture one in INFO's lambda.
    const std::string& name = fault.first;
    const auto& reply = fault.second;
    INFO(name);
    Fixture f;
    f.opts.wait = 30s;
    f.handler = [&, reply = reply](const Sent& s) -> std::optional<HttpsResponse> {
      if (s.method == "POST") return reply;
      return f.honest(s);
    };
    const std::string cert = f.file("cert.pem");
    CHECK_THROWS_AS(f.enroll(), InputError);
    CHECK(f.file("cert.pem") == cert);
    CHECK_FALSE(path_exists(f.dir + "/cert.pem.next"));
  }
  Fixture down;
  down.handler = [](const Sent&) { return std::optional<HttpsResponse>(); };
  CHECK_THROWS_AS(down.enroll(), NetworkError);
}

TEST_CASE("enroll: no pin for the gate is a usage error; a gate with another certificate is refused") {
  Fixture f;
  pairing::remove_pin(f.dir + "/pins.toml", "gate");
  CHECK_THROWS_WITH_AS(f.enroll(), doctest::Contains("pair first with gate join"), UsageError);

  Fixture g;
  g.gate_der = crypto::certificate_der(g.ca.cert);
  CHECK_THROWS_AS(g.enroll(), CheckFailed);
  CHECK(g.sent.empty());
}

TEST_CASE("renew: simplereenroll with the same key, the pair kept as .previous; --new-key rotates the key") {
  Fixture f;
  f.enroll();
  const std::string enrolled = f.file("cert.pem"), key = f.file("key.pem");
  f.sent.clear();
  f.clock.set(kNow + 5 * 24h);
  const EstResult r = f.renew();
  REQUIRE(f.sent.size() == 2);
  CHECK(f.sent[1].target == "/.well-known/est/simplereenroll");
  CHECK(f.file("cert.pem.previous") == enrolled);
  CHECK(f.file("key.pem") == key);
  CHECK(f.cert_certifies("key.pem"));
  CHECK(r.not_after == kNow + 5 * 24h + f.life);
  CHECK_FALSE(r.new_key);

  const std::string renewed = f.file("cert.pem");
  const EstResult n = (f.opts.new_key = true, f.renew());
  CHECK(n.new_key);
  CHECK(f.file("key.pem.previous") == key);
  CHECK(f.file("key.pem") != key);
  CHECK(f.file("cert.pem.previous") == renewed);
  CHECK(f.cert_certifies("key.pem"));
  CHECK_FALSE(path_exists(f.dir + "/key.pem.next"));
  const auto perms = std::filesystem::status(f.dir + "/key.pem").permissions();
  CHECK(perms == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
}

TEST_CASE("renew: the new key of a renewal cut off before its answer is reused, so the gate can answer the same") {
  Fixture f;
  f.enroll();
  f.opts.new_key = true;
  f.handler = [&](const Sent& s) -> std::optional<HttpsResponse> {
    if (s.method == "POST") return std::nullopt;
    return f.honest(s);
  };
  const std::string key = f.file("key.pem"), cert = f.file("cert.pem");
  CHECK_THROWS_AS(f.renew(), NetworkError);
  CHECK(f.file("key.pem") == key);
  CHECK(f.file("cert.pem") == cert);
  const std::string next = f.file("key.pem.next");
  REQUIRE_FALSE(next.empty());

  f.opts.new_key = false;
  f.handler = [&](const Sent& s) { return f.honest(s); };
  f.sent.clear();
  f.renew();
  CHECK(f.rec.saw(EstEvent::reusing_key));
  CHECK(f.file("key.pem") == next);
  CHECK(f.file("key.pem.previous") == key);
  CHECK(f.cert_certifies("key.pem"));
}

TEST_CASE("renew: .next files left by a crash are finished when they hold, discarded when they do not") {
  Fixture f;
  f.enroll();
  const std::string key = f.file("key.pem"), cert = f.file("cert.pem");
  // A crash after cert.pem.next was written: both .next files in place.
  auto r = make_seeded_rng(42);
  const auto next_key = crypto::generate_key(crypto::KeyType::p256, *r);
  const auto csr = crypto::load_csr(crypto::renewal_request(*next_key, f.cert(), *r), "csr");
  const auto issued = crypto::load_certificate(f.ca.issue(csr, f.clock.now(), f.life), "issued");
  const std::string next_key_pem = crypto::private_key_pem(*next_key, *r);
  write_file_atomic(f.dir + "/key.pem.next", next_key_pem, WriteOptions{0600, false});
  write_file_atomic(f.dir + "/cert.pem.next", crypto::certificate_pem(issued), WriteOptions{0644, false});
  f.handler = [](const Sent&) { return std::optional<HttpsResponse>(); };
  CHECK_THROWS_AS(f.renew(), NetworkError);  // the recovery needs no gate
  CHECK(f.rec.saw(EstEvent::recovered));
  CHECK(f.file("key.pem") == next_key_pem);
  CHECK(f.file("key.pem.previous") == key);
  CHECK(f.file("cert.pem") == crypto::certificate_pem(issued));
  CHECK(f.file("cert.pem.previous") == cert);
  CHECK(f.cert_certifies("key.pem"));
  CHECK_FALSE(path_exists(f.dir + "/key.pem.next"));
  CHECK_FALSE(path_exists(f.dir + "/cert.pem.next"));
  CHECK(device::read_identity(f.dir).cert_sha256 == crypto::describe_certificate(f.cert()).sha256);

  // A crash after cert.pem was put in place and before device.toml recorded
  // it: the next run records it first.
  const std::string recorded = f.file("device.toml");
  {
    const auto stale = f.file("cert.pem.previous");
    write_file_atomic(f.dir + "/cert.pem.hold", f.file("cert.pem"), WriteOptions{0644, false});
    write_file_atomic(f.dir + "/cert.pem", stale, WriteOptions{0644, true});
    device::record_certificate(f.dir);
    write_file_atomic(f.dir + "/cert.pem", f.file("cert.pem.hold"), WriteOptions{0644, true});
    std::filesystem::remove(f.dir + "/cert.pem.hold");
  }
  REQUIRE(f.file("device.toml") != recorded);
  f.rec.events.clear();
  CHECK_THROWS_AS(f.renew(), NetworkError);
  CHECK(f.rec.saw(EstEvent::recovered));
  CHECK(f.file("device.toml") == recorded);

  // One that does not verify against ca.pem is removed, and the pair stays.
  TestCa other(9);
  const auto stray = crypto::load_certificate(
      other.issue(crypto::load_csr(crypto::renewal_request(*next_key, f.cert(), *r), "csr"), f.clock.now(), f.life),
      "stray");
  write_file_atomic(f.dir + "/cert.pem.next", crypto::certificate_pem(stray), WriteOptions{0644, false});
  const std::string now_cert = f.file("cert.pem");
  CHECK_THROWS_AS(f.renew(), NetworkError);
  CHECK(f.rec.saw(EstEvent::discarded));
  CHECK(f.file("cert.pem") == now_cert);
  CHECK_FALSE(path_exists(f.dir + "/cert.pem.next"));
}

TEST_CASE("renew: a changed CA is written to ca.pem and the certificate checked against it") {
  Fixture f;
  f.enroll();
  f.ca = TestCa(11);
  f.renew();
  CHECK(f.rec.saw(EstEvent::ca_changed));
  CHECK(f.file("ca.pem") == crypto::certificate_pem(f.ca.cert));
  CHECK(crypto::describe_certificate(f.cert()).issuer == "CN=Test CA 11");
}

TEST_CASE("daemon schedule: two thirds of the lifetime plus up to a twentieth, backoff 30 s doubling to 1 h") {
  const TimePoint nb = kNow;
  CHECK(renewal_due(nb, nb + 90s, 0.0) == nb + 60s);
  CHECK(renewal_due(nb, nb + 7 * 24h, 0.0) == nb + std::chrono::seconds(7 * 24 * 3600 * 2 / 3));
  CHECK(renewal_due(nb, nb + 200s, 0.999) == nb + 133s + 9s);
  CHECK(renewal_backoff(1) == 30s);
  CHECK(renewal_backoff(2) == 60s);
  CHECK(renewal_backoff(7) == 1920s);
  CHECK(renewal_backoff(8) == 3600s);
  CHECK(renewal_backoff(50) == 3600s);
}

TEST_CASE("daemon: renews each certificate when due, backs off on failures within notAfter, stops when refused") {
  Fixture f;
  f.life = 300s;
  f.enroll();
  int renewals = 0, posts = 0;
  std::vector<TimePoint> at;
  f.handler = [&](const Sent& s) -> std::optional<HttpsResponse> {
    if (s.method != "POST") return f.honest(s);
    ++posts;
    if (posts == 3 || posts == 4) return std::nullopt;
    if (posts == 6)
      return answer(403, R"({"error": {"code": "revoked", "message": "this certificate was revoked"}})");
    at.push_back(f.clock.now());
    return f.honest(s);
  };
  f.time.sleeps.clear();
  CHECK_THROWS_WITH_AS(est_renew_daemon(f.opts, f.connect(), f.rec, f.time, *f.rng, f.clock, [] { return false; },
                                        [&](const EstResult&) { ++renewals; }),
                       doctest::Contains("revoked"), CheckFailed);
  CHECK(renewals == 3);
  REQUIRE(at.size() == 3);
  // Each renewal falls between two thirds and two thirds plus a twentieth of 300 s.
  TimePoint nb = kNow;
  for (size_t i = 0; i < 2; ++i) {
    CHECK(at[i] - nb >= 200s);
    CHECK(at[i] - nb <= 215s);
    nb = at[i];
  }
  // The third, after two failures: 30 s, then 60 s.
  CHECK(at[2] - at[1] >= 200s + 90s);
  CHECK(f.rec.saw(EstEvent::retrying));
  CHECK(f.rec.saw(EstEvent::sleeping));
}

TEST_CASE("daemon: a retry never sleeps past notAfter, and stop ends it between sleeps") {
  Fixture f;
  f.life = 100s;
  f.enroll();
  f.handler = [&](const Sent& s) -> std::optional<HttpsResponse> {
    if (s.method != "POST") return f.honest(s);
    return std::nullopt;
  };
  f.time.sleeps.clear();
  int asked = 0;
  est_renew_daemon(f.opts, f.connect(), f.rec, f.time, *f.rng, f.clock, [&] { return ++asked > 3; },
                   [](const EstResult&) {});
  // Sleep until due (67-71 s), fail, then 30 s capped at what is left of 100 s.
  REQUIRE(f.time.sleeps.size() == 3);
  CHECK(f.time.sleeps[0] >= 66s);
  CHECK(f.time.sleeps[1] == 30s);
  CHECK(f.time.sleeps[2] <= 100s - 66s - 30s);
  CHECK(f.time.sleeps[2] >= 1s);
}
