// EST load: `enroll` (each terminal's simpleenroll, once) and `renew`
// (simplereenroll in a loop, each renewal from the certificate the previous
// one answered, so that every renewal is a new signature and index row).
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <unistd.h>

#include "load.hpp"

namespace gate_load {

using Clock = std::chrono::steady_clock;

namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::string est_base64(const std::vector<unsigned char>& der) {
  std::string flat(4 * ((der.size() + 2) / 3) + 1, '\0');
  flat.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(flat.data()), der.data(),
                                                  static_cast<int>(der.size()))));
  // RFC 2045 lines, as a device sends them (RFC 8951 section 3).
  std::string out;
  for (size_t i = 0; i < flat.size(); i += 64) out += flat.substr(i, 64) + "\r\n";
  return out;
}

/// The CSR a terminal sends to renew: the current certificate's subject and
/// subject alternative names (RFC 7030 4.2.2), its key, signed with SHA-256.
std::string make_csr(X509* cert, EVP_PKEY* key) {
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> req(X509_REQ_new(), X509_REQ_free);
  if (!req || X509_REQ_set_version(req.get(), 0) != 1 ||
      X509_REQ_set_subject_name(req.get(), X509_get_subject_name(cert)) != 1 || X509_REQ_set_pubkey(req.get(), key) != 1)
    throw std::runtime_error("cannot build a CSR");
  const int san = X509_get_ext_by_NID(cert, NID_subject_alt_name, -1);
  if (san >= 0) {
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    sk_X509_EXTENSION_push(exts, X509_get_ext(cert, san));
    const int ok = X509_REQ_add_extensions(req.get(), exts);
    sk_X509_EXTENSION_free(exts);  // the extension itself stays the certificate's
    if (ok != 1) throw std::runtime_error("cannot copy the subject alternative names into the CSR");
  }
  if (X509_REQ_sign(req.get(), key, EVP_sha256()) <= 0) throw std::runtime_error("cannot sign the CSR");
  const int n = i2d_X509_REQ(req.get(), nullptr);
  std::vector<unsigned char> der(static_cast<size_t>(n));
  unsigned char* p = der.data();
  i2d_X509_REQ(req.get(), &p);
  return est_base64(der);
}

/// The one certificate of a base64 certs-only PKCS#7 answer, or null.
X509Ptr certificate_of(const std::string& body) {
  std::string b64;
  for (const char c : body)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') b64 += c;
  if (b64.empty() || b64.size() % 4 != 0) return nullptr;
  std::vector<unsigned char> der(b64.size() / 4 * 3);
  int n = EVP_DecodeBlock(der.data(), reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return nullptr;
  n -= static_cast<int>(b64.size() - b64.find_last_not_of('=') - 1);  // EVP_DecodeBlock counts the padding
  const unsigned char* p = der.data();
  std::unique_ptr<PKCS7, decltype(&PKCS7_free)> p7(d2i_PKCS7(nullptr, &p, n), PKCS7_free);
  if (!p7 || !PKCS7_type_is_signed(p7.get()) || p7->d.sign == nullptr || sk_X509_num(p7->d.sign->cert) != 1)
    return nullptr;
  X509* cert = sk_X509_value(p7->d.sign->cert, 0);
  X509_up_ref(cert);
  return X509Ptr(cert);
}

std::string serial_of(X509* cert) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr), BN_free);
  std::unique_ptr<char, void (*)(char*)> hex(BN_bn2hex(bn.get()), [](char* s) { OPENSSL_free(s); });
  return hex ? hex.get() : "";
}

/// One terminal's state: the identity whose certificate each renewal
/// replaces (only its client thread touches it), and its CSR, made up front.
struct EstTerminal {
  const Terminal* terminal = nullptr;
  std::string request;
  std::set<std::string> serials;  ///< every certificate it presented or got
  bool renewed = false;
};

/// Writes DIR/cert.pem anew through a temporary file and a rename.
void save_certificate(const std::string& dir, X509* cert) {
  const std::string tmp = dir + "/cert.pem.gate_load", final = dir + "/cert.pem";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + tmp);
  const bool ok = PEM_write_X509(f, cert) == 1;
  if (std::fclose(f) != 0 || !ok) throw std::runtime_error("cannot write " + tmp);
  std::filesystem::rename(tmp, final);
}

}  // namespace

nlohmann::json run_est(const Options& o, bool reenroll) {
  if (o.terminals.size() < static_cast<size_t>(o.concurrency))
    throw std::runtime_error("EST modes need at least as many --identity terminals as clients: a terminal renews "
                             "from its current certificate, one renewal at a time");
  std::vector<EstTerminal> terms(o.terminals.size());
  for (size_t i = 0; i < terms.size(); ++i) {
    SSL_CTX* ctx = o.terminals[i].identity->ctx();
    X509* cert = SSL_CTX_get0_certificate(ctx);
    if (cert == nullptr) throw std::runtime_error("EST modes need --identity terminals");
    terms[i].terminal = &o.terminals[i];
    terms[i].request = make_post(o, "application/pkcs10", make_csr(cert, SSL_CTX_get0_privatekey(ctx)));
    terms[i].serials.insert(serial_of(cert));
  }
  // enroll, renew --once: each terminal once; renew: round after round until the bounds.
  const long total = reenroll && !o.once ? o.requests : std::min<long>(o.requests, static_cast<long>(terms.size()));
  std::atomic<long> issued{0}, fresh{0}, repeated{0}, unreadable{0};
  std::mutex m;
  std::vector<std::string> new_serials;
  const auto deadline = Clock::now() + std::chrono::duration<double>(o.seconds);
  nlohmann::json j = run_clients(o, [&](int client, Tally& t) {
    // Client c owns terminals c, c + C, c + 2C ...: none renews twice at once.
    for (size_t k = static_cast<size_t>(client); Clock::now() < deadline && issued.fetch_add(1) < total;) {
      EstTerminal& et = terms[k];
      SSL_CTX* ctx = et.terminal->identity->ctx();
      const auto t0 = Clock::now();
      Conn c;
      Response r;
      Outcome out = c.connect_tcp(o.port, source_for(o, static_cast<long>(k)), o.timeout);
      if (out == Outcome::ok) out = c.handshake(*et.terminal->identity);
      if (out == Outcome::ok) out = c.write_all(et.request);
      if (out == Outcome::ok) out = c.read_response(r);
      if (out != Outcome::ok) {
        ++t.errors[outcome_name(out)];
      } else {
        note_response(t, r, ms_since(t0));
        if (r.status == 200) {
          X509Ptr cert = certificate_of(r.body);
          if (!cert || r.body_bytes != r.body.size() ||
              X509_check_private_key(cert.get(), SSL_CTX_get0_privatekey(ctx)) != 1) {
            ++unreadable;
          } else if (const std::string serial = serial_of(cert.get()); !et.serials.insert(serial).second) {
            ++repeated;  // a certificate answered before: no new signature
          } else {
            ++fresh;
            {
              std::lock_guard lock(m);
              new_serials.push_back(serial);
            }
            et.renewed = true;
            // The next renewal authenticates with this one, as a device does.
            if (SSL_CTX_use_certificate(ctx, cert.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1)
              throw std::runtime_error("cannot present the certificate " + serial_of(cert.get()));
          }
        }
      }
      k += static_cast<size_t>(o.concurrency);
      if (k >= terms.size()) {
        if (!reenroll || o.once) break;
        k = static_cast<size_t>(client);
      }
    }
  });
  long renewed_terminals = 0;
  for (const auto& et : terms) {
    if (!et.renewed) continue;
    ++renewed_terminals;
    if (!o.save_certs) continue;
    save_certificate(et.terminal->dir, SSL_CTX_get0_certificate(et.terminal->identity->ctx()));
  }
  // new_certificates is what the CA index must have gained: one row per
  // certificate answered that the terminal had not seen before.
  j["terminals"] = terms.size();
  j["terminals_answered_new"] = renewed_terminals;
  j["new_certificates"] = fresh.load();
  j["repeated_certificates"] = repeated.load();
  j["unreadable_certificates"] = unreadable.load();
  j["new_serials"] = new_serials;  // hex, without leading zeros
  return j;
}

}  // namespace gate_load
