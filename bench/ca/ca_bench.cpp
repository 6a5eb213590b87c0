// Helpers for bench/ca.sh: make test CSRs, measure Botan's raw X509_CA
// signing rate on them, and fill a CA index (and an openssl index.txt) with
// a million revoked certificates. Prints figures; asserts nothing.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <botan/auto_rng.h>
#include <botan/data_src.h>
#include <botan/hex.h>
#include <botan/pkcs10.h>
#include <botan/pkcs8.h>
#include <botan/x509_ca.h>
#include <sqlite3.h>

#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/keys.hpp"

namespace {

using Clock = std::chrono::steady_clock;

int gen_csrs(const std::string& dir, int n) {
  Botan::AutoSeeded_RNG rng;
  std::filesystem::create_directories(dir);
  for (int i = 0; i < n; ++i) {
    const auto key = pairkit::crypto::generate_key(pairkit::crypto::KeyType::p256, rng);
    pairkit::crypto::Subject s;
    s.common_name = "term-" + std::to_string(i);
    const auto csr = pairkit::crypto::make_request(*key, s.to_dn(), {}, rng);
    std::ofstream(dir + "/term-" + std::to_string(i) + ".csr") << csr.PEM_encode();
  }
  return 0;
}

// Botan's X509_CA::sign_request over the same requests: parse (which checks
// the request's signature) and sign, all in memory. The floor for `ca sign`.
int raw_sign(const std::string& key_file, const std::string& cert_file, const std::string& dir) {
  Botan::AutoSeeded_RNG rng;
  const auto key_bytes = pairkit::read_file(key_file, pairkit::limits::kObject);
  const auto key = pairkit::crypto::load_private_key(key_bytes, key_file, std::nullopt);
  const Botan::X509_Certificate ca_cert(cert_file);
  std::vector<std::vector<uint8_t>> csrs;
  for (const auto& e : std::filesystem::directory_iterator(dir)) csrs.push_back(pairkit::read_file(e.path().string(), pairkit::limits::kObject));
  Botan::X509_CA ca(ca_cert, *key, "SHA-256", rng);
  const auto now = std::chrono::system_clock::now();
  const Botan::X509_Time from(now), to(now + std::chrono::hours(24 * 7));
  const auto t0 = Clock::now();
  size_t bytes = 0;
  for (const auto& c : csrs) {
    Botan::DataSource_Memory src(c);
    const Botan::PKCS10_Request req(src);
    bytes += ca.sign_request(req, rng, from, to).BER_encode().size();
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%.3f\n", s);
  std::fprintf(stderr, "raw X509_CA: %zu certificates in %.3f s (%.0f/s, %zu bytes)\n", csrs.size(), s,
               double(csrs.size()) / s, bytes);
  return 0;
}

// n revoked certificates with random 16-byte serials, in the pairkit index
// and in an openssl `ca` index.txt, identical serials, dates and reasons.
int populate(const std::string& db_path, const std::string& index_txt, int n) {
  Botan::AutoSeeded_RNG rng;
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) return 1;
  sqlite3_busy_timeout(db, 30000);
  sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO certs (serial, subject, profile, not_before, not_after, sha256, status, revoked_at, "
                     "reason) VALUES (?, ?, 'terminal', ?, ?, '-', 'revoked', ?, ?)",
                     -1, &st, nullptr);
  std::ofstream txt(index_txt);
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const long long t_now = now.time_since_epoch().count();
  const int reasons[] = {1, 4, 5};
  const char* reason_names[] = {"keyCompromise", "superseded", "cessationOfOperation"};
  auto yymmdd = [](long long t) {
    const std::time_t tt = t;
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char b[16];
    std::strftime(b, sizeof b, "%y%m%d%H%M%SZ", &tm);
    return std::string(b);
  };
  const std::string exp = yymmdd(t_now + 7 * 86400);
  for (int i = 0; i < n; ++i) {
    uint8_t serial[16];
    rng.randomize(serial, sizeof serial);
    serial[0] = static_cast<uint8_t>((serial[0] & 0x7f) | 0x01);
    const std::string hex = Botan::hex_encode(serial, sizeof serial, true);
    const long long revoked = t_now - (i % 86400);
    const int r = i % 3;
    const std::string subject = "CN=term-" + std::to_string(i);
    sqlite3_bind_text(st, 1, hex.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, subject.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, t_now - 86400);
    sqlite3_bind_int64(st, 4, t_now + 7 * 86400);
    sqlite3_bind_int64(st, 5, revoked);
    sqlite3_bind_int(st, 6, reasons[r]);
    if (sqlite3_step(st) != SQLITE_DONE) {
      std::fprintf(stderr, "insert failed: %s\n", sqlite3_errmsg(db));
      return 1;
    }
    sqlite3_reset(st);
    txt << "R\t" << exp << '\t' << yymmdd(revoked) << ',' << reason_names[r] << '\t' << hex << "\tunknown\t/CN=term-" << i << '\n';
  }
  sqlite3_finalize(st);
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  try {
    if (a.size() == 3 && a[0] == "gen-csrs") return gen_csrs(a[1], std::stoi(a[2]));
    if (a.size() == 4 && a[0] == "raw-sign") return raw_sign(a[1], a[2], a[3]);
    if (a.size() == 4 && a[0] == "populate") return populate(a[1], a[2], std::stoi(a[3]));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ca_bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: ca_bench gen-csrs DIR N | raw-sign CA_KEY CA_CERT CSR_DIR | populate INDEX_DB INDEX_TXT N\n");
  return 2;
}
