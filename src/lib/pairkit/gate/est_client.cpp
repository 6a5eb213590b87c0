// The terminal's side of EST: the gate pinned as after join, ca.pem from
// cacerts, a CSR through crypto, waits on 202 and 503 within --wait, and the
// answer checked before anything is replaced (see est_client.hpp).
#include "pairkit/gate/est_client.hpp"

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/pkcs7.hpp"
#include "pairkit/crypto/renewal.hpp"
#include "pairkit/crypto/x509.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/device/layout.hpp"
#include "pairkit/gate/est_files.hpp"
#include "pairkit/gate/gate_answer.hpp"
#include "pairkit/pairing/pin_store.hpp"

namespace pairkit::gate {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kDefaultRetry = 5s;
constexpr milliseconds kMinRetry = 1s;
constexpr const char* kPkcs10 = "application/pkcs10";
constexpr const char* kPkcs7Accept = "application/pkcs7-mime, application/json";

std::optional<pairing::Pin> gate_pin(const std::string& device_dir) {
  return pairing::find_pin(pairing::load_pins(device_path(device_dir, device::kPinStoreFile)), kGatePinName);
}

std::string pem_of(const std::vector<std::vector<uint8_t>>& certs) {
  std::string out;
  for (const auto& der : certs) out += crypto::certificate_pem(crypto::load_certificate(der, "a CA certificate"));
  return out;
}

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// What a 202 says: {"state": "pending", "message": ...} is not an error
// object; its message (or state) is shown, anything else as an error body.
std::string pending_words(const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object()) {
    for (const char* key : {"message", "state"})
      if (const auto it = j.find(key); it != j.end() && it->is_string() && !it->get<std::string>().empty())
        return it->get<std::string>().substr(0, 200);
  }
  return parse_gate_error(body).message;
}

class Est {
public:
  Est(const EstOptions& o, const TransportFactory& connect, EstObserver& obs, Waiter& w,
      Botan::RandomNumberGenerator& rng, const Clock& clock)
      : o_(o), connect_(connect), obs_(obs), w_(w), rng_(rng), clock_(clock) {
    if (o_.device_dir.empty()) throw UsageError("--dir DEVICE_DIR is required");
    address_ = est_gate_address(o_.device_dir, o_.gate);
    pin_ = *gate_pin(o_.device_dir);
  }

  EstResult enroll() {
    FileLock lock(path(kEstLockFile));
    recover();
    start();
    fetch_ca();
    return issue(kEstSimpleEnroll, false);
  }

  EstResult renew() {
    if (o_.new_key && o_.token_key)
      throw UsageError("the device key is in a token: make a new one there (pairkit key gen --token) and "
                       "device init --key it, instead of renew --new-key");
    FileLock lock(path(kEstLockFile));
    recover();
    start();
    fetch_ca();
    const bool leftover = path_exists(key_next());
    if (leftover && !o_.new_key)
      obs_.event({EstEvent::reusing_key, "using " + key_next() + ", the new key of an interrupted renewal"});
    if (o_.new_key && !leftover) {
      const auto old = crypto::load_private_key(read_file(path(device::kKeyFile), limits::kObject),
                                                path(device::kKeyFile), std::nullopt);
      // Written before the request: a gate that signs and dies before
      // answering gives the same certificate back to the retry with this key.
      write_file_atomic(key_next(), crypto::private_key_pem(*crypto::generate_key_like(*old, rng_), rng_),
                        WriteOptions{kPrivateFileMode, false});
    }
    return issue(kEstSimpleReenroll, leftover || o_.new_key);
  }

private:
  std::string path(const std::string& name) const { return device_path(o_.device_dir, name); }
  std::string key_next() const { return path(device::kKeyFile) + kNextSuffix; }

  void recover() {
    const Recovery r = recover_interrupted(o_.device_dir, clock_, o_.token_key.get());
    if (r.kind == Recovery::finished)
      obs_.event({EstEvent::recovered, "finished the renewal a crash interrupted: " + path(device::kCertFile) +
                                           kNextSuffix + " put in place"});
    if (r.kind == Recovery::discarded)
      obs_.event({EstEvent::discarded, "removed " + path(device::kCertFile) + kNextSuffix +
                                           " left by an interrupted renewal: " + r.reason});
    // A crash between putting cert.pem in place and recording it.
    if (device::record_certificate(o_.device_dir))
      obs_.event({EstEvent::recovered, path(device::kDeviceFile) + " now records " + path(device::kCertFile)});
  }

  void start() {
    transport_ = connect_(address_);
    deadline_ = w_.now() + o_.wait;
  }

  // One EST exchange to a 200, waiting out 202 (pending) and 429/503 (busy)
  // within --wait; every refusal is CheckFailed, anything else InputError.
  std::string exchange(const std::string& method, const std::string& target, const std::string& body) {
    for (;;) {
      const HttpsResponse r = transport_->request_as(method, target, body, kPkcs10, kPkcs7Accept,
                                                     [this](const std::vector<uint8_t>& der) {
                                                       pairing::require_pin_match(
                                                           pin_, crypto::load_certificate(der, "the gate's certificate"),
                                                           "the gate at " + address_);
                                                     });
      if (r.status == 200) return r.body;
      const GateError err = parse_gate_error(r.body);
      const std::string said = err.message + (err.code.empty() ? "" : " (" + err.code + ")");
      if (r.status == 202 || r.status == 429 || r.status == 503) {
        const bool pending = r.status == 202;
        const milliseconds d = retry_delay(r);
        const auto left = std::chrono::duration_cast<milliseconds>(deadline_ - w_.now());
        if (left <= 0ms) {
          if (pending)
            throw CheckFailed("the gate at " + address_ + " still holds this terminal's request pending after " +
                              format_duration(o_.wait) + ": " + pending_words(r.body));
          throw InputError("the gate at " + address_ + " was still busy after " + format_duration(o_.wait) + ": " +
                           said);
        }
        obs_.event({pending ? EstEvent::pending : EstEvent::busy,
                    pending ? "pending at the gate: " + pending_words(r.body) : "the gate is busy: " + said,
                    std::min(d, left)});
        w_.sleep(std::min(d, left));
        continue;
      }
      if (r.status == 400 || r.status == 401 || r.status == 403)
        throw CheckFailed("the gate at " + address_ + " refused: " + said);
      throw InputError("the gate at " + address_ + " answered " + std::to_string(r.status) + " to " + target + ": " +
                       said);
    }
  }

  milliseconds retry_delay(const HttpsResponse& r) const {
    milliseconds d = kDefaultRetry;
    if (r.retry_after) d = *r.retry_after;
    else if (r.retry_at) d = std::chrono::duration_cast<milliseconds>(*r.retry_at - clock_.now());
    return std::clamp<milliseconds>(d, kMinRetry, 24h);
  }

  std::vector<std::vector<uint8_t>> certs_of(const std::string& body, const std::string& what) {
    const std::string name = "the gate's " + what + " answer";
    return crypto::read_certs_only_pkcs7(crypto::read_est_base64(body, name), name);
  }

  void fetch_ca() {
    const std::string pem = pem_of(certs_of(exchange("GET", kEstCacerts, ""), "cacerts"));
    const std::string ca = path(kCaFile);
    if (path_exists(ca) && read_file(ca, limits::kBundle) == bytes_of(pem)) return;
    if (path_exists(ca)) obs_.event({EstEvent::ca_changed, "the gate's CA certificates changed: " + ca + " updated"});
    write_file_atomic(ca, pem, WriteOptions{kPublicFileMode, true});
    written_.push_back(ca);
  }

  EstResult issue(const char* target, bool new_key) {
    const std::string key_path = new_key ? key_next() : path(device::kKeyFile);
    const std::shared_ptr<const Botan::Private_Key> key =
        o_.token_key ? o_.token_key : crypto::load_private_key(read_file(key_path, limits::kObject), key_path, std::nullopt);
    const auto current = crypto::load_certificate(read_file(path(device::kCertFile), limits::kObject),
                                                  path(device::kCertFile));
    const auto csr = crypto::renewal_request(*key, current, rng_);
    const auto certs = certs_of(exchange("POST", target, crypto::est_base64(csr)), target);

    // The new certificate is the one for our key; the others came along as its chain.
    const auto mine = std::find_if(certs.begin(), certs.end(), [&](const std::vector<uint8_t>& der) {
      return crypto::certifies_key(crypto::load_certificate(der, "the gate's answer"), *key);
    });
    if (mine == certs.end())
      throw CheckFailed("the gate at " + address_ + " answered a certificate for another key than " + key_path +
                        "; nothing was replaced");
    std::vector<std::vector<uint8_t>> extra;
    for (auto it = certs.begin(); it != certs.end(); ++it)
      if (it != mine) extra.push_back(*it);
    const std::string problem = crypto::issued_certificate_problem(*mine, extra, *key,
                                                                   read_file(path(kCaFile), limits::kBundle), kCaFile,
                                                                   clock_.now());
    if (!problem.empty())
      throw CheckFailed("the certificate the gate at " + address_ + " answered is refused: " + problem +
                        "; nothing was replaced");

    const auto cert = crypto::load_certificate(*mine, "the new certificate");
    write_file_atomic(path(device::kCertFile) + kNextSuffix, crypto::certificate_pem(cert),
                      WriteOptions{kPublicFileMode, true});
    for (const auto& p : install_renewal(o_.device_dir, new_key)) written_.push_back(p);

    const crypto::CertDetails d = crypto::describe_certificate(cert);
    EstResult result;
    result.written = written_;
    result.serial = d.serial;
    result.sha256 = d.sha256;
    result.not_before = d.not_before;
    result.not_after = d.not_after;
    result.new_key = new_key;
    return result;
  }

  const EstOptions& o_;
  const TransportFactory& connect_;
  EstObserver& obs_;
  Waiter& w_;
  Botan::RandomNumberGenerator& rng_;
  const Clock& clock_;
  std::string address_;
  pairing::Pin pin_;
  std::unique_ptr<GateTransport> transport_;
  std::chrono::steady_clock::time_point deadline_;
  std::vector<std::string> written_;
};

}  // namespace

std::string est_gate_address(const std::string& device_dir, const std::string& gate) {
  const auto pin = gate_pin(device_dir);
  const std::string store = device_path(device_dir, device::kPinStoreFile);
  if (!pin)
    throw UsageError("no pin '" + std::string(kGatePinName) + "' in " + store + ": pair first with gate join");
  if (!gate.empty()) return split_address(gate).text();
  if (pin->address.empty())
    throw UsageError("the pin '" + std::string(kGatePinName) + "' in " + store +
                     " records no address: give --gate HOST:PORT");
  return split_address(pin->address).text();
}

EstResult est_enroll(const EstOptions& opts, const TransportFactory& connect, EstObserver& observer, Waiter& waiter,
                     Botan::RandomNumberGenerator& rng, const Clock& clock) {
  return Est(opts, connect, observer, waiter, rng, clock).enroll();
}

EstResult est_renew(const EstOptions& opts, const TransportFactory& connect, EstObserver& observer, Waiter& waiter,
                    Botan::RandomNumberGenerator& rng, const Clock& clock) {
  return Est(opts, connect, observer, waiter, rng, clock).renew();
}

}  // namespace pairkit::gate
