// gate join's conversation against a scripted gate and a virtual clock: the
// code, polling with jitter, resuming, refusals, pins and the files written.
#include <doctest/doctest.h>

#include <deque>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/gate/join.hpp"
#include "pairkit/gate/join_request.hpp"
#include "pairkit/pairing/code.hpp"
#include "pairkit/pairing/pin_store.hpp"

using namespace pairkit;
using namespace pairkit::gate;
using namespace std::chrono_literals;

namespace {

const TimePoint kNow(std::chrono::seconds(1'800'000'000));
const std::string kNonce = "00112233445566778899aabbccddeeff";

// A gate identity: its certificate's DER.
std::vector<uint8_t> gate_cert(const std::string& dir, const std::string& serial, uint64_t seed) {
  auto rng = make_seeded_rng(seed);
  FixedClock clock(kNow);
  device::InitOptions o;
  o.serial = serial;
  o.role = device::Role::server;
  device::init(dir, o, *rng, clock);
  return crypto::load_certificate_der(read_file(dir + "/cert.pem", 1 << 20), "cert");
}

struct Step {
  std::string method, target;  // what the client must send
  HttpsResponse response;
  bool network_error = false;
};

class ScriptedGate final : public GateTransport {
public:
  ScriptedGate(std::deque<Step>* steps, std::vector<uint8_t>* cert, std::vector<std::string>* sent)
      : steps_(steps), cert_(cert), sent_(sent) {}
  HttpsResponse request(const std::string& method, const std::string& target, const std::string& body,
                        const PeerCheck& check) override {
    REQUIRE_FALSE(steps_->empty());
    const Step s = steps_->front();
    steps_->pop_front();
    if (s.network_error) throw NetworkError("cannot connect to gate: Connection refused");
    check(*cert_);
    CHECK(method == s.method);
    CHECK(target == s.target);
    sent_->push_back(method + " " + target + " " + body);
    return s.response;
  }
  HttpsResponse request_as(const std::string&, const std::string& target, const std::string&, const std::string&,
                           const std::string&, const PeerCheck&) override {
    FAIL("gate join sends JSON only, not to " << target);
    return {};
  }

private:
  std::deque<Step>* steps_;
  std::vector<uint8_t>* cert_;
  std::vector<std::string>* sent_;
};

class VirtualTime final : public Waiter {
public:
  std::chrono::steady_clock::time_point now() override { return t_; }
  void sleep(std::chrono::milliseconds d) override {
    sleeps.push_back(d);
    t_ += d;
  }
  std::vector<std::chrono::milliseconds> sleeps;

private:
  std::chrono::steady_clock::time_point t_{};
};

struct Recorder final : public JoinObserver {
  void event(const JoinEvent& e) override { events.push_back(e); }
  void note(const std::string& line) override { notes.push_back(line); }
  std::vector<JoinEvent> events;
  std::vector<std::string> notes;
};

HttpsResponse answer(int status, const std::string& body, int retry_after = -1) {
  HttpsResponse r;
  r.status = status;
  r.body = body;
  if (retry_after >= 0) r.retry_after = std::chrono::seconds(retry_after);
  return r;
}

const std::string kPending =
    R"({"id": 17, "state": "pending", "serial": "TERM-1", "nonce": ")" + kNonce + R"(", "expires_at": "2027-01-15T08:15:00Z"})";
const std::string kPaired =
    R"({"id": 17, "state": "paired", "serial": "TERM-1", "approved_by": "alice", "config": {"serial": "TERM-1", "master": {"address": "master.example:443", "fingerprint": "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"}, "files": [{"name": "vpn.conf", "mode": "0600", "data_base64": "c2VjcmV0"}, {"name": "motd", "mode": "0644", "data_base64": "aGk="}]}})";

// A terminal, a gate certificate, a script and a virtual clock.
struct Fixture {
  TempDir tmp;
  std::string dir = tmp.path() + "/term";
  std::vector<uint8_t> gate_der = gate_cert(tmp.path() + "/gate", "GATE-1", 2);
  std::deque<Step> steps;
  std::vector<std::string> sent;
  std::vector<std::string> addresses;
  VirtualTime time;
  Recorder rec;
  std::unique_ptr<Botan::RandomNumberGenerator> rng = make_seeded_rng(5);
  FixedClock clock{kNow};
  JoinOptions opts;

  Fixture() {
    auto r = make_seeded_rng(1);
    device::InitOptions o;
    o.serial = "TERM-1";
    device::init(dir, o, *r, clock);
    opts.device_dir = dir;
    opts.gate = "127.0.0.1:7741";
    opts.pin = gate_fp();
  }
  std::string gate_fp() const { return crypto::colon_hex(crypto::digest(crypto::HashAlg::sha256, gate_der)); }
  void expect(const std::string& method, const std::string& target, HttpsResponse r) {
    steps.push_back({method, target, std::move(r), false});
  }
  void network_down() { steps.push_back({"", "", {}, true}); }
  JoinEvent run() {
    return join(
        opts,
        [this](const std::string& address) -> std::unique_ptr<GateTransport> {
          addresses.push_back(address);
          return std::make_unique<ScriptedGate>(&steps, &gate_der, &sent);
        },
        rec, time, *rng, clock);
  }
  std::string expected_code() const {
    const auto dev = crypto::load_certificate_der(read_file(dir + "/cert.pem", 1 << 20), "cert");
    return pairing::pairing_code(pairing::parse_nonce(kNonce), crypto::digest(crypto::HashAlg::sha256, dev),
                                 crypto::digest(crypto::HashAlg::sha256, gate_der));
  }
};

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

std::string contents(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("join: pending, the code, polls, then paired with its files and pins") {
  Fixture f;
  f.expect("POST", "/v1/pair", answer(202, kPending, 5));
  f.expect("GET", "/v1/pair/17", answer(200, kPending, 5));
  f.expect("GET", "/v1/pair/17", answer(200, kPaired));
  const JoinEvent done = f.run();
  CHECK(f.sent.front() == R"(POST /v1/pair {"serial":"TERM-1"})");
  REQUIRE(f.rec.events.size() == 2);
  CHECK(f.rec.events[0].kind == JoinEvent::pending);
  CHECK(f.rec.events[0].code == f.expected_code());
  CHECK(f.rec.events[0].expires_at == "2027-01-15T08:15:00Z");
  CHECK(done.kind == JoinEvent::paired);
  CHECK(done.approved_by == "alice");
  CHECK(done.master == "master.example:443");
  CHECK(contents(f.dir + "/config/vpn.conf") == "secret");
  CHECK(mode_of(f.dir + "/config/vpn.conf") == 0600);
  CHECK(mode_of(f.dir + "/config/motd") == 0644);
  CHECK(mode_of(f.dir + "/config") == 0700);
  const auto pins = pairing::load_pins(f.dir + "/pins.toml");
  REQUIRE(pairing::find_pin(pins, "gate"));
  CHECK(pairing::find_pin(pins, "gate")->fingerprint == f.gate_fp());
  CHECK(pairing::find_pin(pins, "gate")->address == "127.0.0.1:7741");
  CHECK(pairing::find_pin(pins, "master")->address == "master.example:443");
  CHECK_FALSE(path_exists(f.dir + "/gate-request.toml"));
  // Retry-After 5 s with +-20 % jitter, never the same twice in a fleet.
  REQUIRE(f.time.sleeps.size() == 2);
  for (const auto d : f.time.sleeps) {
    CHECK(d >= 4000ms);
    CHECK(d <= 6000ms);
  }
}

TEST_CASE("join: network failures while polling keep the same request, with backoff") {
  Fixture f;
  f.expect("POST", "/v1/pair", answer(202, kPending, 5));
  f.network_down();
  f.network_down();
  f.network_down();
  f.expect("GET", "/v1/pair/17", answer(200, kPending, 5));
  f.expect("GET", "/v1/pair/17", answer(200, kPaired));
  CHECK(f.run().kind == JoinEvent::paired);
  int posts = 0;
  for (const auto& s : f.sent) posts += s.rfind("POST", 0) == 0;
  CHECK(posts == 1);
  std::vector<JoinEvent::Kind> kinds;
  for (const auto& e : f.rec.events) kinds.push_back(e.kind);
  CHECK(kinds == std::vector<JoinEvent::Kind>{JoinEvent::pending, JoinEvent::waiting, JoinEvent::waiting,
                                               JoinEvent::waiting, JoinEvent::pending, JoinEvent::paired});
  // Backoff doubles: about 1 s, 2 s, 4 s after the three failures.
  REQUIRE(f.time.sleeps.size() == 5);
  CHECK(f.time.sleeps[1] >= 800ms);
  CHECK(f.time.sleeps[1] <= 1200ms);
  CHECK(f.time.sleeps[3] >= 3200ms);
  CHECK(f.time.sleeps[3] <= 4800ms);
}

TEST_CASE("join: a restarted join resumes the request on disk instead of filing another") {
  Fixture f;
  f.expect("POST", "/v1/pair", answer(202, kPending, 5));
  f.network_down();
  f.opts.wait = 3s;
  CHECK_THROWS_AS(f.run(), NetworkError);
  const auto saved = load_join_request(f.dir);
  REQUIRE(saved);
  CHECK(saved->id == 17);
  CHECK(saved->gate_sha256 == f.gate_fp());
  CHECK(mode_of(f.dir + "/gate-request.toml") == 0600);

  f.sent.clear();
  f.rec.events.clear();
  f.opts.wait = 15min;
  f.expect("GET", "/v1/pair/17", answer(200, kPaired));
  CHECK(f.run().kind == JoinEvent::paired);
  REQUIRE(f.sent.size() == 1);
  CHECK(f.sent[0].rfind("GET /v1/pair/17", 0) == 0);
  CHECK(f.rec.events.front().code == f.expected_code());
}

TEST_CASE("join: a request on disk for another identity is dropped") {
  Fixture f;
  save_join_request(f.dir, JoinRequest{"127.0.0.1:7741", 9, "TERM-1", kNonce, "x", f.gate_fp(), f.gate_fp()});
  f.expect("POST", "/v1/pair", answer(200, kPaired));
  CHECK(f.run().kind == JoinEvent::paired);
  REQUIRE(f.rec.notes.size() == 1);
  CHECK(f.rec.notes[0].find("dropping the request 9") != std::string::npos);
}

TEST_CASE("join: closed, unpaired and refused end with CheckFailed and the gate's words") {
  SUBCASE("closed") {
    Fixture f;
    f.expect("POST", "/v1/pair", answer(202, kPending, 1));
    f.expect("GET", "/v1/pair/17",
             answer(200, R"({"id": 17, "state": "closed", "message": "the request was rejected or it expired"})"));
    CHECK_THROWS_WITH_AS(f.run(), doctest::Contains("rejected or it expired"), CheckFailed);
    CHECK(f.rec.events.back().kind == JoinEvent::closed);
    CHECK_FALSE(path_exists(f.dir + "/gate-request.toml"));
  }
  SUBCASE("refused on POST") {
    Fixture f;
    f.expect("POST", "/v1/pair",
             answer(403, R"({"error": {"code": "unpaired", "message": "this terminal's pairing was broken"}})"));
    CHECK_THROWS_WITH_AS(f.run(), doctest::Contains("pairing was broken (unpaired)"), CheckFailed);
    CHECK(f.rec.events.back().kind == JoinEvent::refused);
    CHECK(f.rec.events.back().reason == "unpaired");
  }
  SUBCASE("an unknown request") {
    Fixture f;
    f.expect("POST", "/v1/pair", answer(202, kPending, 1));
    f.expect("GET", "/v1/pair/17", answer(404, R"({"error": {"code": "not_found", "message": "no such request"}})"));
    CHECK_THROWS_WITH_AS(f.run(), doctest::Contains("no longer knows request 17"), CheckFailed);
    CHECK_FALSE(path_exists(f.dir + "/gate-request.toml"));
  }
}

TEST_CASE("join: a busy gate is retried after its Retry-After") {
  Fixture f;
  f.expect("POST", "/v1/pair", answer(429, R"({"error": {"code": "too_many_pending", "message": "too many"}})", 30));
  f.expect("POST", "/v1/pair", answer(503, R"({"error": {"code": "unavailable", "message": "busy"}})", 2));
  f.expect("POST", "/v1/pair", answer(200, kPaired));
  CHECK(f.run().kind == JoinEvent::paired);
  REQUIRE(f.time.sleeps.size() == 2);
  CHECK(f.time.sleeps[0] >= 24s);
  CHECK(f.time.sleeps[0] <= 36s);
}

TEST_CASE("join: Retry-After as an HTTP-date waits until that time; 0 or a date past waits a second") {
  Fixture f;
  auto dated = [](int status, TimePoint at) {
    HttpsResponse r = answer(status, R"({"error": {"code": "unavailable", "message": "busy"}})");
    r.retry_at = at;
    return r;
  };
  f.expect("POST", "/v1/pair", dated(503, kNow + 40s));
  f.expect("POST", "/v1/pair", dated(503, kNow - 1h));
  f.expect("POST", "/v1/pair", answer(429, R"({"error": {"code": "too_many_pending", "message": "too many"}})", 0));
  f.expect("POST", "/v1/pair", answer(200, kPaired));
  CHECK(f.run().kind == JoinEvent::paired);
  REQUIRE(f.time.sleeps.size() == 3);
  CHECK(f.time.sleeps[0] >= 32s);
  CHECK(f.time.sleeps[0] <= 48s);
  for (size_t i : {1, 2}) {
    CAPTURE(i);
    CHECK(f.time.sleeps[i] >= 800ms);
    CHECK(f.time.sleeps[i] <= 1200ms);
  }
}

TEST_CASE("join: a gate busy past --wait is given up at once, not slept on") {
  Fixture f;
  f.opts.wait = 10s;
  f.expect("POST", "/v1/pair", answer(503, R"({"error": {"code": "unavailable", "message": "busy"}})", 30));
  CHECK_THROWS_WITH_AS(f.run(), doctest::Contains("still busy after 10s"), InputError);
  CHECK(f.time.sleeps.empty());
}

TEST_CASE("join: no answer at all is a network error at once") {
  Fixture f;
  f.network_down();
  CHECK_THROWS_AS(f.run(), NetworkError);
  CHECK(f.time.sleeps.empty());
}

TEST_CASE("join: a gate that stays away past --wait is a network failure, not a pending request") {
  Fixture f;
  f.opts.wait = 6s;
  f.expect("POST", "/v1/pair", answer(202, kPending, 1));
  for (int i = 0; i < 6; ++i) f.network_down();
  CHECK_THROWS_WITH_AS(f.run(), doctest::Contains("still failing after 6s"), NetworkError);
  CHECK(path_exists(f.dir + "/gate-request.toml"));
}

TEST_CASE("join: still pending when --wait runs out") {
  Fixture f;
  f.opts.wait = 12s;
  f.expect("POST", "/v1/pair", answer(202, kPending, 5));
  for (int i = 0; i < 5; ++i) f.expect("GET", "/v1/pair/17", answer(200, kPending, 5));
  CHECK_THROWS_WITH_AS(f.run(), doctest::Contains("still pending after 12s"), CheckFailed);
  CHECK(path_exists(f.dir + "/gate-request.toml"));
}

TEST_CASE("join: the gate's certificate must match the pin before anything is sent") {
  Fixture f;
  f.opts.pin = "00" + f.gate_fp().substr(2);
  f.expect("POST", "/v1/pair", answer(200, kPaired));
  CHECK_THROWS_WITH_AS(f.run(), doctest::Contains(f.gate_fp().substr(3).c_str()), CheckFailed);
  CHECK(f.sent.empty());
  CHECK_FALSE(path_exists(f.dir + "/pins.toml"));
}

TEST_CASE("join: pin sources") {
  SUBCASE("none is a usage error") {
    Fixture f;
    f.opts.pin.clear();
    CHECK_THROWS_WITH_AS(f.run(), doctest::Contains("--tofu"), UsageError);
  }
  SUBCASE("two are a usage error") {
    Fixture f;
    f.opts.tofu = true;
    CHECK_THROWS_AS(f.run(), UsageError);
  }
  SUBCASE("tofu pins what it saw") {
    Fixture f;
    f.opts.pin.clear();
    f.opts.tofu = true;
    f.expect("POST", "/v1/pair", answer(200, kPaired));
    f.run();
    const auto pin = pairing::find_pin(pairing::load_pins(f.dir + "/pins.toml"), "gate");
    REQUIRE(pin);
    CHECK(pin->fingerprint == f.gate_fp());
    CHECK(pin->how == "tofu 127.0.0.1:7741");
  }
  SUBCASE("the stored pin is used, and forgotten when the gate moves") {
    Fixture f;
    f.opts.pin.clear();
    pairing::add_pin(f.dir + "/pins.toml", pairing::Pin{"gate", "127.0.0.1:7741", "00" + f.gate_fp().substr(2), kNow, "x"},
                     false);
    f.expect("POST", "/v1/pair", answer(200, kPaired));
    CHECK_THROWS_AS(f.run(), CheckFailed);
    f.opts.gate = "[::1]:7741";
    f.opts.tofu = true;
    f.expect("POST", "/v1/pair", answer(200, kPaired));
    CHECK(f.run().kind == JoinEvent::paired);
    REQUIRE(f.rec.notes.size() == 1);
    CHECK(f.rec.notes[0].find("forgetting pin 'gate' for 127.0.0.1:7741: the gate is now at [::1]:7741") !=
          std::string::npos);
    CHECK(f.addresses.back() == "[::1]:7741");
  }
  SUBCASE("an invite payload gives the address, the pin and the invite") {
    Fixture f;
    f.opts.pin.clear();
    f.opts.gate.clear();
    qr::PairingPayload p;
    p.host = "GATE.EXAMPLE";
    p.port = 7741;
    p.cert_sha256 = crypto::digest(crypto::HashAlg::sha256, f.gate_der);
    p.id = "ABCDEFGHJKMNPQRS";
    f.opts.payload = p;
    f.expect("POST", "/v1/pair", answer(200, kPaired));
    CHECK(f.run().kind == JoinEvent::paired);
    CHECK(f.addresses.back() == "gate.example:7741");
    CHECK(f.sent[0] == R"(POST /v1/pair {"invite":"ABCDEFGHJKMNPQRS","serial":"TERM-1"})");
  }
}

TEST_CASE("join: CONFIG for another serial is refused and nothing is written") {
  Fixture f;
  std::string other = kPaired;
  other.replace(other.find(R"("serial": "TERM-1", "master")"), 18, R"("serial": "TERM-2")");
  f.expect("POST", "/v1/pair", answer(200, other));
  CHECK_THROWS_WITH_AS(f.run(), doctest::Contains("'TERM-2'"), InputError);
  CHECK_FALSE(path_exists(f.dir + "/config"));
}
