// The raw Botan rates of the two signature operations an EST renewal does
// outside TLS (the gate verifies the CSR's P-256 signature and signs the new
// certificate with its P-256 CA key), on THREADS threads at once, for
// bench/est.sh's crypto bound. Prints one JSON object; asserts nothing.
// Usage: est_crypto [SECONDS] [THREADS]   (default 2 seconds, 2 threads)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include <botan/auto_rng.h>
#include <botan/ecdsa.h>
#include <botan/pubkey.h>

namespace {

using Clock = std::chrono::steady_clock;

// One thread's key, signer and verifier, built before the clock starts: the
// gate builds its signer once per CA and a verifier per CSR, so this is a
// bound on the verification, not a measure of the gate's way of doing it.
struct Worker {
  Botan::AutoSeeded_RNG rng;
  Botan::ECDSA_PrivateKey key{rng, Botan::EC_Group("secp256r1")};
  // X.509 and PKCS#10 signatures: ECDSA with SHA-256, DER-encoded.
  Botan::PK_Signer signer{key, rng, "EMSA1(SHA-256)", Botan::DER_SEQUENCE};
  Botan::PK_Verifier verifier{key, "EMSA1(SHA-256)", Botan::DER_SEQUENCE};
  std::vector<uint8_t> tbs = std::vector<uint8_t>(400, 0x5A);  // about a terminal certificate's TBS
  std::vector<uint8_t> sig = signer.sign_message(tbs, rng);
};

/// Operations per second of `op` on every worker at once for `seconds`.
template <class Op>
double rate(std::vector<Worker>& workers, double seconds, Op op) {
  std::atomic<long> total{0};
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  const auto until = t0 + std::chrono::duration<double>(seconds);
  for (auto& w : workers)
    threads.emplace_back([&w, &total, until, op] {
      long n = 0;
      do {
        op(w);
        ++n;
      } while (Clock::now() < until);
      total += n;
    });
  for (auto& t : threads) t.join();
  return static_cast<double>(total) / std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  if (seconds <= 0 || seconds > 600 || threads < 1 || threads > 64) {
    std::fprintf(stderr, "usage: est_crypto [SECONDS (0..600]] [THREADS (1..64)]\n");
    return 2;
  }
  std::vector<Worker> workers(static_cast<size_t>(threads));
  bool ok = true;
  const double sign = rate(workers, seconds, [](Worker& w) { w.sig = w.signer.sign_message(w.tbs, w.rng); });
  const double verify = rate(workers, seconds, [&ok](Worker& w) {
    if (!w.verifier.verify_message(w.tbs, w.sig)) ok = false;
  });
  if (!ok) {
    std::fprintf(stderr, "est_crypto: a signature did not verify\n");
    return 1;
  }
  std::printf("{\"threads\": %d, \"seconds\": %.1f, \"botan_p256_sign_per_s\": %.1f, \"botan_p256_verify_per_s\": %.1f}\n",
              threads, seconds, sign, verify);
  return 0;
}
