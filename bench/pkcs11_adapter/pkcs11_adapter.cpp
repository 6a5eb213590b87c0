// bench/pkcs11.sh's pairkit side: a token key's signing rate through pairkit's
// adapter, crypto::load_token_key and the Botan::PK_Signer certificates, CSRs
// and CRLs sign with (choose_sig_format, SHA-256, as crypto/cert_builder),
// on a certificate-sized message, for the raw C_Sign loop of
// bench/pkcs11_sign to be its peer. Prints one JSON object; asserts nothing
// but that Botan verifies a signature the token made this way.
// Usage: pkcs11_adapter --module SO --token LABEL --object LABEL --pin-file FILE
//                       [--seconds S (default 2)] [--threads N (default 1)]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <botan/pubkey.h>
#include <botan/system_rng.h>
#include <botan/x509_ca.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/crypto/pkcs11.hpp"
#include "pairkit/crypto/pkcs11_uri.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string module, token, object, pin_file;
  double seconds = 2.0;
  int threads = 1;
};

struct BadUsage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a != "--module" && a != "--token" && a != "--object" && a != "--pin-file" && a != "--seconds" &&
        a != "--threads")
      throw BadUsage("unknown option " + a);
    if (i + 1 >= argc) throw BadUsage(a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--module") o.module = v;
    else if (a == "--token") o.token = v;
    else if (a == "--object") o.object = v;
    else if (a == "--pin-file") o.pin_file = v;
    else if (a == "--seconds") o.seconds = std::atof(v.c_str());
    else o.threads = std::atoi(v.c_str());
  }
  if (o.module.empty() || o.token.empty() || o.object.empty() || o.pin_file.empty())
    throw BadUsage("--module, --token, --object and --pin-file are required");
  if (!(o.seconds > 0 && o.seconds <= 600)) throw BadUsage("--seconds is from 0 to 600");
  if (o.threads < 1 || o.threads > 64) throw BadUsage("--threads is from 1 to 64");
  return o;
}

// The PIN file's first line, as the CLI's --pin-file reads it.
Botan::secure_vector<char> read_pin(const std::string& path) {
  const auto data = pairkit::read_file(path, 4096);
  Botan::secure_vector<char> pin(data.begin(), data.end());
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  for (size_t i = 0; i < pin.size(); ++i)
    if (pin[i] == '\n' || pin[i] == '\r') pin.resize(i);
  return pin;
}

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    pairkit::crypto::Pkcs11Uri uri;
    uri.token = o.token;
    uri.object = o.object;
    uri.text = pairkit::crypto::format_pkcs11_uri(uri);
    const auto pin = read_pin(o.pin_file);
    pairkit::crypto::TokenAccess access{o.module, [&pin](const std::string&) { return std::optional(pin); }};

    // The login (one per process) and the key's public part, before the clock.
    auto key = pairkit::crypto::load_token_key(uri, access);
    Botan::RandomNumberGenerator& rng = Botan::system_rng();
    const std::vector<uint8_t> tbs(400, 0x5A);  // about a terminal certificate's TBS
    std::vector<std::unique_ptr<Botan::PK_Signer>> signers;
    Botan::AlgorithmIdentifier alg;
    for (int i = 0; i < o.threads; ++i) signers.emplace_back(Botan::choose_sig_format(*key, rng, "SHA-256", alg));
    const std::vector<uint8_t> sig = signers[0]->sign_message(tbs, rng);
    // What choose_sig_format picked, for each key type a token may hold.
    const std::string algo = key->algo_name();
    const std::string padding = algo == "ECDSA" ? "EMSA1(SHA-256)" : algo == "RSA" ? "EMSA3(SHA-256)" : "Pure";
    Botan::PK_Verifier verifier(*key, padding, algo == "ECDSA" ? Botan::DER_SEQUENCE : Botan::IEEE_1363);
    if (!verifier.verify_message(tbs, sig)) {
      std::fprintf(stderr, "pkcs11_adapter: Botan does not verify the token's signature\n");
      return 1;
    }

    std::atomic<long> total{0};
    std::atomic<bool> failed{false};
    std::vector<std::thread> threads;
    const double cpu0 = cpu_now();
    const auto t0 = Clock::now();
    const auto until = t0 + std::chrono::duration<double>(o.seconds);
    for (auto& signer : signers)
      threads.emplace_back([&, s = signer.get()] {
        long n = 0;
        try {
          do {
            s->sign_message(tbs, rng);
            ++n;
          } while (Clock::now() < until);
        } catch (const std::exception& e) {
          if (!failed.exchange(true)) std::fprintf(stderr, "pkcs11_adapter: %s\n", e.what());
        }
        total += n;
      });
    for (auto& t : threads) t.join();
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = cpu_now() - cpu0;
    signers.clear();
    key.reset();
    pairkit::crypto::close_tokens();
    if (failed) return 1;
    std::printf(
        "{\"pairkit_sign_per_s\": %.1f, \"pairkit_sign_per_cpu_s\": %.1f, \"signatures\": %ld, \"seconds\": %.3f, "
        "\"threads\": %d, \"algorithm\": \"%s\", \"signature_bytes\": %zu}\n",
        static_cast<double>(total) / wall, static_cast<double>(total) / cpu, total.load(), wall, o.threads,
        alg.get_oid().to_formatted_string().c_str(), sig.size());
    return 0;
  } catch (const BadUsage& e) {
    std::fprintf(stderr, "pkcs11_adapter: %s\nusage: pkcs11_adapter --module SO --token LABEL --object LABEL "
                         "--pin-file FILE [--seconds S] [--threads N]\n", e.what());
    return 2;
  } catch (const pairkit::UsageError& e) {
    std::fprintf(stderr, "pkcs11_adapter: %s\n", e.what());
    return 2;
  } catch (const pairkit::InputError& e) {
    std::fprintf(stderr, "pkcs11_adapter: %s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pkcs11_adapter: %s\n", e.what());
    return 1;
  }
}
