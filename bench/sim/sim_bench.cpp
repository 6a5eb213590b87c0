// Payment sessions per second for each crypto profile, next to the
// crypto-only limit: the signatures and verifications one session needs, at
// the rates Botan reaches for them in this same run.
// Usage: bench-sim [SECONDS_PER_MEASUREMENT]   (default 4)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <botan/pubkey.h>

#include "pairkit/sim/apdu.hpp"
#include "pairkit/sim/card.hpp"
#include "pairkit/sim/terminal.hpp"

using namespace pairkit::sim;
using Clock = std::chrono::steady_clock;

namespace {

// Per payment session: the terminal signs S1 and S3, the card S2 and S4; the
// card verifies S_t, S1, S3; the terminal verifies S_c, S2, S4 and its CRL.
constexpr int kSigns = 4;
constexpr int kVerifies = 7;

/// Operations counted over interleaved slices of time.
struct Tally {
  long n = 0;
  double secs = 0;
  double per_second() const { return n / secs; }
  template <class F>
  void run(double budget, F f) {
    const auto start = Clock::now();
    const auto until = start + std::chrono::duration<double>(budget);
    do {
      f();
      ++n;
    } while (Clock::now() < until);
    secs += std::chrono::duration<double>(Clock::now() - start).count();
  }
};

void bench(ProfileKind kind, double seconds) {
  KeyPool pool;
  const Profile profile(kind);
  const Backend backend(kind, pool.key(kind, 1, 0));
  PurseCard card(kind, [&] { return pool.key(kind, 1, 1000); });
  const Channel ch = [&](const Bytes& c) { return std::optional<Bytes>(card.transmit(c)); };
  const uint32_t now = 1767603600;
  card.power_on();
  personalize(ch, backend, backend.key(), 42, now + 86400 * 365);
  card.power_off();
  Terminal reload(1, kUsageReload, pool.key(kind, 1, 100), backend.public_bytes());
  Terminal pos(2, kUsagePos, pool.key(kind, 1, 101), backend.public_bytes());
  for (Terminal* t : {&reload, &pos}) {
    t->install_cert(backend.certify(t->id(), t->type(), t->key().public_bytes(), now, 7 * 86400));
    t->install_crl(backend.issue_crl({}, now + 86400));
  }
  card.power_on();
  reload.run(Flow::reload, kMaxBalance, now, ch);
  card.power_off();

  // Crypto alone: one signer and one verifier built once, as fast as Botan goes.
  const KeyPair& key = *pool.key(kind, 1, 101);
  const Bytes msg(20, 0x5A);
  const Bytes sig = key.sign(msg);
  const auto pub = profile.load_public(key.public_bytes());
  Botan::PK_Verifier verifier(*pub, kind == ProfileKind::legacy ? "EMSA3(SHA-1)" : "Pure");
  // The machine's load changes while we measure: interleave short rounds of
  // each measurement so all of them see the same conditions.
  Tally sign_t, verify_t, sim_verify_t, session_t;
  long failed = 0;
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    const double slice = seconds / kRounds;
    sign_t.run(slice, [&] { (void)key.sign(msg); });
    verify_t.run(slice, [&] { (void)verifier.verify_message(msg, sig); });
    sim_verify_t.run(slice / 2, [&] { (void)profile.verify(key.public_bytes(), msg, sig); });
    session_t.run(slice, [&] {
      card.power_on();
      if (pos.run(Flow::pay, 1, now, ch).outcome != Outcome::ok) ++failed;
      card.power_off();
    });
  }
  const double signs = sign_t.per_second(), verifies = verify_t.per_second();
  const double sim_verifies = sim_verify_t.per_second(), sessions = session_t.per_second();
  const double limit = 1.0 / (kSigns / signs + kVerifies / verifies);
  std::printf("%-7s sign %9.0f/s  verify %9.0f/s  crypto-only limit %8.1f sessions/s  "
              "measured %8.1f payment sessions/s  = %5.1f%% of the limit%s\n"
              "        (simulator verify incl. key setup: %.0f/s)\n",
              profile.name().c_str(), signs, verifies, limit, sessions, 100.0 * sessions / limit,
              failed ? "  (SOME SESSIONS FAILED)" : "", sim_verifies);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 4.0;
  std::printf("pairkit sim: payment sessions (SELECT, 20, 22, 24, 26, 28, 42 as APDU bytes) per second;\n"
              "limit = 1 / (%d signatures + %d verifications at this run's Botan rates)\n",
              kSigns, kVerifies);
  bench(ProfileKind::legacy, seconds);
  bench(ProfileKind::modern, seconds);
}
