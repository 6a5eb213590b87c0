// The raw Botan rates of the two signature operations an EST renewal does
// outside TLS (the gate verifies the CSR's P-256 signature and signs the new
// certificate with its P-256 CA key), on THREADS threads at once, for
// bench/est.sh's crypto bound, per CPU second like `openssl speed`. Prints
// one JSON object; asserts nothing.
// Usage: est_crypto [SECONDS] [THREADS]   (default 2 seconds, 2 threads)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
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

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// Operations per CPU second of `op`, times the number of workers (each on a
/// core of its own), with every worker running at once for `seconds`. CPU
/// time, as `openssl speed` divides by without -elapsed: a machine busy with
/// other work slows the wall clock, not the CPU time an operation takes.
template <class Op>
double rate(std::vector<Worker>& workers, double seconds, Op op) {
  std::atomic<long> total{0};
  std::vector<std::thread> threads;
  const double cpu0 = cpu_now();
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
  return static_cast<double>(total) / (cpu_now() - cpu0) * static_cast<double>(workers.size());
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
