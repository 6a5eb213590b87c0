// Identities per second (key + self-signed certificate + PEM) for each key
// type: pairkit's library path next to the raw Botan path (X509::create_self_signed_cert)
// measured in the same process. Target: pairkit >= 80% of the raw rate.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <botan/pkcs8.h>
#include <botan/system_rng.h>
#include <botan/x509self.h>

#include "pairkit/core/clock.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/keys.hpp"

using namespace pairkit;
using Steady = std::chrono::steady_clock;

namespace {

template <class F>
double rate(F&& one, double seconds) {
  size_t n = 0;
  const auto start = Steady::now();
  double elapsed = 0;
  do {
    one();
    ++n;
    elapsed = std::chrono::duration<double>(Steady::now() - start).count();
  } while (elapsed < seconds);
  return n / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  Botan::System_RNG rng;
  SystemClock clock;
  std::printf("%-8s %14s %14s %8s\n", "type", "pairkit id/s", "raw Botan id/s", "ratio");
  size_t sink = 0;
  for (const auto& name : crypto::key_type_names()) {
    const auto type = crypto::parse_key_type(name);
    // Alternate the two measurements to even out frequency scaling and noise.
    double mine = 0, raw = 0;
    for (int round = 0; round < 2; ++round) {
      mine += rate([&] {
        const auto key = crypto::generate_key(type, rng);
        crypto::Subject subject;
        subject.common_name = "bench";
        crypto::CertSpec spec;
        spec.subject = subject.to_dn();
        spec.not_before = clock.now();
        spec.not_after = spec.not_before + std::chrono::days(365);
        const auto cert = crypto::self_sign(*key, spec, rng);
        sink += crypto::private_key_pem(*key, rng).size() + cert.PEM_encode().size();
      }, seconds / 2);
      raw += rate([&] {
        const auto key = crypto::generate_key(type, rng);  // the same key generation: Botan's own
        Botan::X509_Cert_Options opts("bench", 365 * 86400);
        const std::string hash = crypto::signature_hash_for(*key);
        const auto cert = Botan::X509::create_self_signed_cert(opts, *key, hash == "Pure" ? "SHA-512" : hash, rng);
        sink += Botan::PKCS8::PEM_encode(*key).size() + cert.PEM_encode().size();
      }, seconds / 2);
    }
    std::printf("%-8s %14.1f %14.1f %7.0f%%\n", name.c_str(), mine / 2, raw / 2, 100.0 * mine / raw);
  }
  return sink == 0;
}
