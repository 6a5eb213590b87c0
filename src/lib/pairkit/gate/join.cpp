// The terminal's side of the pairing conversation: pin the gate, file one
// request (or resume the one on disk), show the code, poll with jitter and
// backoff until a decision or --wait, then write what the gate sends.
#include "pairkit/gate/join.hpp"

#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/device/layout.hpp"
#include "pairkit/gate/gate_answer.hpp"
#include "pairkit/gate/join_request.hpp"
#include "pairkit/pairing/code.hpp"
#include "pairkit/pairing/pin_store.hpp"
#include "pairkit/qr/scan.hpp"

namespace pairkit::gate {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

std::chrono::steady_clock::time_point SystemWaiter::now() { return std::chrono::steady_clock::now(); }
void SystemWaiter::sleep(milliseconds d) { std::this_thread::sleep_for(d); }

qr::PairingPayload read_invite_image(std::span<const uint8_t> image, const std::string& name) {
  for (const auto& found : qr::decode_and_scan(image, name))
    if (qr::is_pairkit_payload(found.text)) return qr::parse_payload(found.text);
  throw InputError(name + ": no pairkit pairing QR code found in the image");
}

namespace {

// Polls back off to this after repeated network failures.
constexpr milliseconds kMaxBackoff = 30s;
constexpr milliseconds kFirstBackoff = 1s;
constexpr milliseconds kDefaultPoll = 5s;
constexpr milliseconds kMinRetry = 1s;

void check_api_serial(const std::string& serial) {
  const bool ok = !serial.empty() && serial.size() <= 64 && std::all_of(serial.begin(), serial.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (!ok) throw UsageError("serial '" + serial + "' is not 1-64 of letters, digits, '.', '_' and '-' (the gate's rule)");
}

std::string sha256_colon(std::span<const uint8_t> der) {
  return crypto::colon_hex(crypto::digest(crypto::HashAlg::sha256, der));
}

std::string wait_text(std::chrono::seconds s) { return format_duration(s); }

// The conversation's state, shared by the steps below.
class Join {
public:
  Join(const JoinOptions& o, const TransportFactory& connect, JoinObserver& obs, Waiter& w,
       Botan::RandomNumberGenerator& rng, const Clock& clock)
      : o_(o), obs_(obs), w_(w), rng_(rng), clock_(clock) {
    if (o_.device_dir.empty()) throw UsageError("--dir DEVICE_DIR is required");
    const int sources = !o_.pin.empty() + o_.payload.has_value() + o_.tofu;
    if (sources > 1) throw UsageError("give one of --pin, --qr and --tofu, not several");
    address_ = !o_.gate.empty() ? o_.gate : o_.payload ? o_.payload->address() : std::string();
    if (address_.empty()) throw UsageError("--gate HOST:PORT is required (or --qr with a pairing code that names it)");
    address_ = split_address(address_).text();
    serial_ = !o_.serial.empty() ? o_.serial : device::read_identity(o_.device_dir).serial;
    check_api_serial(serial_);
    const std::string cert_path = o_.device_dir + "/" + device::kCertFile;
    device_der_ = crypto::load_certificate_der(read_file(cert_path, limits::kObject), cert_path);
    device_sha256_ = crypto::digest(crypto::HashAlg::sha256, device_der_);
    pins_path_ = o_.device_dir + "/" + device::kPinStoreFile;
    choose_pin();
    deadline_ = w_.now() + o_.wait;
    transport_ = connect(address_);
  }

  JoinEvent run() {
    if (auto saved = load_join_request(o_.device_dir)) {
      if (saved->gate == address_ && saved->serial == serial_ && saved->device_sha256 == sha256_colon(device_der_)) {
        request_ = *saved;
        if (!expected_) expected_ = request_->gate_sha256;
        obs_.note("resuming request " + std::to_string(request_->id) + " at " + address_ + " (" +
                  device::kPinStoreFile + " unchanged; " + kJoinRequestFile + ")");
        announce_pending();
        return poll();
      }
      obs_.note("dropping the request " + std::to_string(saved->id) + " filed at " + saved->gate +
                " for another gate, serial or identity");
      forget_join_request(o_.device_dir);
    }
    return file_request();
  }

private:
  // Which fingerprint the gate must show, from exactly one source.
  void choose_pin() {
    const auto pins = pairing::load_pins(pins_path_);
    auto stored = pairing::find_pin(pins, kGatePinName);
    if (stored && stored->address != address_) {
      obs_.note("forgetting pin '" + std::string(kGatePinName) + "' for " +
                (stored->address.empty() ? std::string("no address") : stored->address) + ": the gate is now at " +
                address_ + ", and changing the server address unpins");
      pairing::remove_pin(pins_path_, kGatePinName);
      stored.reset();
    }
    if (!o_.pin.empty()) {
      expected_ = pairing::normalize_pin_fingerprint(o_.pin);
      how_ = "gate join --pin";
    } else if (o_.payload) {
      expected_ = crypto::colon_hex(o_.payload->cert_sha256);
      how_ = "gate join --qr";
      if (!o_.payload->id.empty()) invite_ = o_.payload->id;
    } else if (stored) {
      expected_ = stored->fingerprint;
      how_ = stored->how;
    } else if (o_.tofu) {
      how_ = "tofu " + address_;
    } else {
      throw UsageError("no pin for the gate at " + address_ + " in " + pins_path_ +
                       ": give --pin FP, --qr IMAGE or --tofu");
    }
  }

  // The gate's certificate must match the pin (or, on first use, the one
  // seen first: a gate that changes certificate mid-conversation is refused).
  void check_peer(const std::vector<uint8_t>& der) {
    if (!expected_) {
      expected_ = sha256_colon(der);
      return;
    }
    const auto cert = crypto::load_certificate(der, "the gate's certificate");
    pairing::Pin pin;
    pin.name = kGatePinName;
    pin.address = address_;
    pin.fingerprint = *expected_;
    pairing::require_pin_match(pin, cert, "the gate at " + address_);
  }

  HttpsResponse exchange(const std::string& method, const std::string& target, const std::string& body) {
    auto r = transport_->request(method, target, body, [this](const std::vector<uint8_t>& der) {
      check_peer(der);
      seen_der_ = der;
    });
    return r;
  }

  // A random factor in [0.8, 1.2], so a fleet restarted together spreads its polls.
  milliseconds jittered(milliseconds d) {
    uint8_t b[2];
    rng_.randomize(b, sizeof b);
    const double f = 0.8 + 0.4 * ((b[0] << 8 | b[1]) / 65535.0);
    return milliseconds(static_cast<int64_t>(static_cast<double>(d.count()) * f));
  }

  // Sleeps d (jittered), cut short at the deadline for a last poll; returns
  // false when the deadline has passed, or (whole) when d would pass it.
  bool wait_for(milliseconds d, bool whole = false) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline_ - w_.now());
    const milliseconds j = jittered(d);
    if (left <= 0ms || (whole && j > left)) return false;
    w_.sleep(std::min(j, left));
    return true;
  }

  void waiting(const std::string& reason, milliseconds retry_in) {
    JoinEvent e;
    e.kind = JoinEvent::waiting;
    e.id = request_ ? request_->id : 0;
    e.reason = reason;
    e.retry_in = retry_in;
    obs_.event(e);
    waiting_ = true;
  }

  [[noreturn]] void refused(const HttpsResponse& r) {
    const GateError err = parse_gate_error(r.body);
    forget_join_request(o_.device_dir);
    JoinEvent e;
    e.kind = JoinEvent::refused;
    e.id = request_ ? request_->id : 0;
    e.reason = err.code;
    e.message = err.message;
    obs_.event(e);
    throw CheckFailed("the gate at " + address_ + " refused this terminal: " + err.message +
                      (err.code.empty() ? "" : " (" + err.code + ")"));
  }

  [[noreturn]] void unexpected(const HttpsResponse& r) {
    const GateError err = parse_gate_error(r.body);
    throw InputError("the gate at " + address_ + " answered " + std::to_string(r.status) + ": " + err.message +
                     (err.code.empty() ? "" : " (" + err.code + ")"));
  }

  /// How long the gate asks to wait: its Retry-After in seconds, or until
  /// its HTTP-date, else the default; a second at least (a gate saying 0,
  /// or a date past, is not hammered) and a day at most.
  milliseconds retry_delay(const HttpsResponse& r) const {
    milliseconds d = kDefaultPoll;
    if (r.retry_after) d = *r.retry_after;
    else if (r.retry_at) d = std::chrono::duration_cast<milliseconds>(*r.retry_at - clock_.now());
    return std::clamp<milliseconds>(d, kMinRetry, 24h);
  }

  // A busy gate (429, 503): wait as it says, within --wait.
  void busy(const HttpsResponse& r) {
    const milliseconds d = retry_delay(r);
    const GateError err = parse_gate_error(r.body);
    waiting("the gate is busy: " + err.message, d);
    if (!wait_for(d, true))
      throw InputError("the gate at " + address_ + " was still busy after " + wait_text(o_.wait) + ": " + err.message);
  }

  JoinEvent file_request() {
    nlohmann::json body = {{"serial", serial_}};
    if (invite_) body["invite"] = *invite_;
    for (;;) {
      // No answer yet: a network failure here is the caller's to see at once (exit 3).
      const HttpsResponse r = exchange("POST", "/v1/pair", body.dump());
      if (r.status == 202 || r.status == 200) {
        const PairAnswer a = parse_pair_answer(r.body);
        if (a.state == "paired") return paired(a);
        if (a.state != "pending") ended(a);
        request_ = JoinRequest{address_, a.id, serial_, a.nonce, a.expires_at, sha256_colon(seen_der_),
                               sha256_colon(device_der_)};
        save_join_request(o_.device_dir, *request_);
        announce_pending();
        next_poll_ = retry_delay(r);
        return poll();
      }
      if (r.status == 403) refused(r);
      if (r.status == 429 || r.status == 503) {
        busy(r);
        continue;
      }
      unexpected(r);
    }
  }

  void announce_pending() {
    JoinEvent e;
    e.kind = JoinEvent::pending;
    e.id = request_->id;
    e.expires_at = request_->expires_at;
    const auto gate_sha = crypto::normalize_sha256_hex(request_->gate_sha256);
    std::vector<uint8_t> gate_digest;
    for (size_t i = 0; i + 1 < gate_sha.size(); i += 2)
      gate_digest.push_back(static_cast<uint8_t>(std::stoi(gate_sha.substr(i, 2), nullptr, 16)));
    e.code = pairing::pairing_code(pairing::parse_nonce(request_->nonce), device_sha256_, gate_digest);
    obs_.event(e);
    waiting_ = false;
  }

  JoinEvent poll() {
    const std::string target = "/v1/pair/" + std::to_string(request_->id);
    milliseconds backoff = kFirstBackoff;
    milliseconds next = next_poll_;
    std::string failing;  // the last network error, while the gate is away
    for (;;) {
      if (!wait_for(next)) {
        if (!failing.empty()) throw NetworkError(failing + " (still failing after " + wait_text(o_.wait) + ")");
        throw CheckFailed("request " + std::to_string(request_->id) + " at " + address_ + " is still pending after " +
                          wait_text(o_.wait) + "; run gate join again to keep waiting for it");
      }
      HttpsResponse r;
      try {
        r = exchange("GET", target, "");
      } catch (const NetworkError& e) {
        // The gate restarting or the network failing: keep the same request.
        failing = e.what();
        if (w_.now() >= deadline_) throw NetworkError(failing + " (still failing after " + wait_text(o_.wait) + ")");
        waiting(failing, backoff);
        next = backoff;
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
      failing.clear();
      backoff = kFirstBackoff;
      if (r.status == 200) {
        const PairAnswer a = parse_pair_answer(r.body);
        if (a.id != request_->id) throw InputError("the gate at " + address_ + " answered for request " +
                                                   std::to_string(a.id) + ", not " + std::to_string(request_->id));
        if (a.state == "paired") return paired(a);
        if (a.state != "pending") ended(a);
        if (waiting_) announce_pending();
        next = retry_delay(r);
        continue;
      }
      if (r.status == 403) refused(r);
      if (r.status == 404) {
        forget_join_request(o_.device_dir);
        throw CheckFailed("the gate at " + address_ + " no longer knows request " + std::to_string(request_->id) +
                          "; run gate join again to file a new one");
      }
      if (r.status == 429 || r.status == 503) {
        const milliseconds d = retry_delay(r);
        waiting("the gate is busy: " + parse_gate_error(r.body).message, d);
        next = d;
        continue;
      }
      unexpected(r);
    }
  }

  [[noreturn]] void ended(const PairAnswer& a) {
    forget_join_request(o_.device_dir);
    JoinEvent e;
    e.kind = a.state == "unpaired" ? JoinEvent::unpaired : JoinEvent::closed;
    e.id = a.id;
    e.message = a.message.empty() ? (a.state == "unpaired" ? "the pairing was broken" : "the request was closed")
                                  : a.message;
    obs_.event(e);
    throw CheckFailed("request " + std::to_string(a.id) + " at " + address_ + ": " + e.message);
  }

  JoinEvent paired(const PairAnswer& a) {
    const TerminalConfig& c = *a.config;
    if (c.serial != serial_)
      throw InputError("the gate at " + address_ + " sent the configuration of '" + c.serial + "', not of '" +
                       serial_ + "'");
    JoinEvent e;
    e.kind = JoinEvent::paired;
    e.id = a.id;
    e.approved_by = a.approved_by;
    if (!c.files.empty()) {
      const std::string dir = o_.device_dir + "/" + kConfigSubdir;
      make_dirs(dir, kPrivateDirMode);
      for (const auto& f : c.files) {
        check_config_file_name(f.name);
        const std::string path = dir + "/" + f.name;
        write_file_atomic(path, f.data, WriteOptions{f.mode, true});
        e.files.push_back(path);
      }
    }
    const TimePoint now = clock_.now();
    if (!c.master_address.empty()) {
      try {
        pairing::check_address(c.master_address);
      } catch (const UsageError& err) {
        throw InputError("the gate at " + address_ + " sent a bad master address: " + err.what());
      }
      pairing::add_pin(pins_path_, pairing::Pin{kMasterPinName, c.master_address, c.master_fingerprint, now,
                                                "gate " + address_},
                       true);
      e.master = c.master_address;
    }
    pairing::add_pin(pins_path_, pairing::Pin{kGatePinName, address_, *expected_, now, how_}, true);
    forget_join_request(o_.device_dir);
    obs_.event(e);
    return e;
  }

  const JoinOptions& o_;
  JoinObserver& obs_;
  Waiter& w_;
  Botan::RandomNumberGenerator& rng_;
  const Clock& clock_;
  std::string address_, serial_, pins_path_, how_;
  std::vector<uint8_t> device_der_, device_sha256_, seen_der_;
  std::optional<std::string> expected_, invite_;
  std::optional<JoinRequest> request_;
  std::unique_ptr<GateTransport> transport_;
  std::chrono::steady_clock::time_point deadline_;
  milliseconds next_poll_ = kDefaultPoll;
  bool waiting_ = false;
};

}  // namespace

JoinEvent join(const JoinOptions& opts, const TransportFactory& connect, JoinObserver& observer, Waiter& waiter,
               Botan::RandomNumberGenerator& rng, const Clock& clock) {
  return Join(opts, connect, observer, waiter, rng, clock).run();
}

}  // namespace pairkit::gate
