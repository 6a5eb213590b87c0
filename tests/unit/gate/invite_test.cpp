// gate invite: the payload carries the address, the gate's fingerprint and
// the token; nothing is created for an address that cannot go in the code.
#include <doctest/doctest.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/gate/invite.hpp"
#include "pairkit/qr/payload.hpp"

using namespace pairkit;
using namespace std::chrono_literals;

namespace {
struct Server {
  TempDir tmp;
  std::string dir = tmp.path() + "/srv";
  std::unique_ptr<Botan::RandomNumberGenerator> rng = make_seeded_rng(3);
  FixedClock clock{TimePoint(std::chrono::seconds(1'800'000'000))};
  Server() {
    device::InitOptions o;
    o.serial = "GATE-1";
    o.role = device::Role::server;
    device::init(dir, o, *rng, clock);
  }
};
}  // namespace

TEST_CASE("an invite's payload: address, the gate's certificate SHA-256, the token") {
  Server s;
  const auto inv = gate::create_gate_invite(s.dir, "gate.example:7741", std::nullopt, *s.rng, s.clock);
  const auto p = qr::parse_payload(inv.payload);
  CHECK(inv.address == "gate.example:7741");
  CHECK(p.address() == "gate.example:7741");
  CHECK(p.cert_sha256 == crypto::digest(crypto::HashAlg::sha256,
                                        crypto::load_certificate_der(read_file(s.dir + "/cert.pem", 1 << 20), "c")));
  CHECK(p.id.size() == 16);  // 80 random bits in base32
  CHECK(inv.expires_at == s.clock.now() + 10min);  // [invites] valid_for's default
  const auto second = gate::create_gate_invite(s.dir, "gate.example:7741", 2min, *s.rng, s.clock);
  CHECK(second.id == inv.id + 1);
  CHECK(second.expires_at == s.clock.now() + 2min);
  CHECK(qr::parse_payload(second.payload).id != p.id);
}

TEST_CASE("the address comes from --host or gate.toml's public_address, else a usage error before anything exists") {
  Server s;
  CHECK_THROWS_WITH_AS(gate::create_gate_invite(s.dir, "", std::nullopt, *s.rng, s.clock),
                       doctest::Contains("public_address"), UsageError);
  CHECK_THROWS_AS(gate::create_gate_invite(s.dir, "no-port", std::nullopt, *s.rng, s.clock), UsageError);
  CHECK_FALSE(path_exists(s.dir + "/pairing.db"));
  write_file_atomic(s.dir + "/gate.toml", std::string_view("[gate]\npublic_address = \"10.0.0.7:7741\"\n"), {});
  CHECK(gate::create_gate_invite(s.dir, "", std::nullopt, *s.rng, s.clock).address == "10.0.0.7:7741");
}
