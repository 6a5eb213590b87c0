// Terminals: the initialization terminal (personalization on behalf of the
// back end), and POS and reload terminals that run mutual authentication,
// the CRL check, and the reload or payment flow over a Channel of APDU bytes,
// acting on every verification result and logging what the card signed.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pairkit/sim/backend.hpp"
#include "pairkit/sim/bytes.hpp"
#include "pairkit/sim/profile.hpp"

namespace pairkit::sim {

/// Carries one command APDU to the card; nullopt when no response came back
/// (card torn away, response dropped).
using Channel = std::function<std::optional<Bytes>(const Bytes& command)>;

enum class Outcome { ok, refused, torn };
std::string outcome_name(Outcome o);

/// One line of a terminal's log (JSON lines). Anyone holding K_b re-verifies it.
struct LogRecord {
  std::string kind;  ///< reload | payment | block
  std::string profile;
  uint32_t timestamp = 0;
  uint32_t terminal_id = 0;
  uint8_t terminal_type = 0;
  uint32_t terminal_counter = 0;
  uint32_t terminal_expiry = 0;
  uint32_t card_id = 0;
  uint32_t card_expiry = 0;
  uint32_t card_counter = 0;
  uint32_t amount = 0;
  Bytes card_pub;       ///< K_c
  Bytes card_cert_sig;  ///< S_c
  Bytes card_sig;       ///< S4, or Sb' for a block confirmation
};
nlohmann::json to_json(const LogRecord& r);
/// Parses one log line; throws InputError naming `where`.
LogRecord log_record_from_json(const nlohmann::json& j, const std::string& where);
/// Checks S_c under K_b and the card's signature; returns the reason it fails, or "".
std::string verify_record(const LogRecord& r, const Profile& profile, std::span<const uint8_t> backend_pub);

/// What a session ended with.
struct SessionResult {
  Outcome outcome = Outcome::ok;
  std::string reason;  ///< why it was refused or torn
  bool logged = false;
  bool blocked_card = false;  ///< the terminal blocked a revoked card
};

/// Personalizes a card through an initialization terminal: SELECT, 02, 04, 06.
/// `signer` signs S_c (the back end, or an attacker's key for forgery tests).
SessionResult personalize(const Channel& channel, const Backend& backend, const KeyPair& signer, uint32_t card_id,
                          uint32_t card_expiry);

enum class Flow { reload, pay };

class Terminal {
public:
  /// Makes the terminal's key pair when it is first needed: a script may
  /// declare hundreds of terminals and use a few, and an RSA-2048 key costs
  /// a tenth of a second. The source must give the same key whenever it is
  /// called (KeyPool derives it from the seed and the terminal's index).
  using KeySource = std::function<std::shared_ptr<const KeyPair>()>;
  /// Issues the terminal's certificate for its public key, when first needed.
  using Certifier = std::function<TerminalCert(const Bytes& terminal_pub)>;

  Terminal(uint32_t id, uint8_t type, std::shared_ptr<const KeyPair> key, Bytes backend_pub);
  Terminal(uint32_t id, uint8_t type, ProfileKind profile, KeySource key, Bytes backend_pub);
  uint32_t id() const { return id_; }
  uint8_t type() const { return type_; }
  /// The key pair, made now if it was not yet.
  const KeyPair& key() const;
  uint32_t counter() const { return counter_; }
  void set_counter(uint32_t c) { counter_ = c; }
  /// An attacker's terminal: goes on with an expired certificate (so the
  /// card's own check shows).
  void skip_own_expiry_check() { check_expiry_ = false; }
  void install_cert(TerminalCert cert) {
    cert_ = std::move(cert);
    certifier_ = nullptr;
  }
  /// Replaces the certificate with one `certify` issues when the terminal
  /// next needs it (its first session), so an unused terminal makes no key.
  void install_cert_when_needed(Certifier certify) {
    cert_.reset();
    certifier_ = std::move(certify);
  }
  void install_crl(Crl crl) { crl_ = std::move(crl); }
  const std::vector<LogRecord>& log() const { return log_; }

  /// Runs one card session (mutual authentication, CRL check, the flow) at
  /// time `now` (UNIX seconds).
  SessionResult run(Flow flow, uint32_t amount, uint32_t now, const Channel& channel);

private:
  uint32_t id_;
  uint8_t type_;
  KeySource key_source_;
  mutable std::shared_ptr<const KeyPair> key_;
  Certifier certifier_;
  Bytes backend_pub_;
  Profile profile_;
  uint32_t counter_ = 0;
  bool check_expiry_ = true;
  std::optional<TerminalCert> cert_;
  std::optional<Crl> crl_;
  std::vector<LogRecord> log_;
};

}  // namespace pairkit::sim
