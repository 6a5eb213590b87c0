// The simulated purse card: EEPROM and RAM state, the session state machine,
// the transaction counter and status words of PURSE-PROTOCOL.md, driven only
// by command APDU bytes.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>

#include "pairkit/sim/apdu.hpp"
#include "pairkit/sim/apdu_card.hpp"
#include "pairkit/sim/bytes.hpp"
#include "pairkit/sim/profile.hpp"

namespace pairkit::sim {

/// Session states (RAM).
enum class CardState : uint8_t {
  init = 0,
  meta_exchanged = 1,
  keys_exchanged = 2,
  passively_authenticated = 3,
  actively_authenticated = 4,
  amount_received = 5,
  reload_authenticated = 6,
  finished = 7,
};

/// Terminal types as the usage byte of a certificate spells them.
inline constexpr uint8_t kUsageCard = 0x01;
inline constexpr uint8_t kUsagePos = 0x02;
inline constexpr uint8_t kUsageReload = 0x03;

/// `faithful`: none of the reference's known defects. `reference`: reproduces
/// defect 1 (POS may credit, reload may debit) so attack scripts can show
/// they detect it.
enum class CardMode { faithful, reference };

/// Largest balance the card holds (a signed 32-bit amount of cents).
inline constexpr uint32_t kMaxBalance = 0x7FFFFFFF;

/// What the card keeps across power loss.
struct CardEeprom {
  bool initialized = false;
  bool blocked = false;
  uint32_t balance = 0;
  uint32_t counter = 0;
  uint32_t id = 0;
  uint32_t expiry = 0;
  Bytes backend_pub;                     ///< K_b
  Bytes cert_sig;                        ///< S_c
  std::shared_ptr<const KeyPair> key;    ///< k_c / K_c
  bool id_set = false;
};

/// The purse applet on a contact card.
class PurseCard final : public ApduCard {
public:
  using KeySource = std::function<std::shared_ptr<const KeyPair>()>;
  /// key_source is the card's on-board key generator (called by INS 02).
  PurseCard(ProfileKind profile, KeySource key_source, CardMode mode = CardMode::faithful);

  std::vector<uint8_t> atr() const override;
  void power_on() override;
  void power_off() override;
  std::vector<uint8_t> transmit(std::span<const uint8_t> command) override;

  const CardEeprom& eeprom() const { return eeprom_; }
  /// Test and script seam: start the counter near its limit (before use).
  void set_counter(uint32_t c) { eeprom_.counter = c; }
  CardState state() const { return ram_.state; }
  bool powered() const { return powered_; }

private:
  struct Ram {
    bool selected = false;
    CardState state = CardState::init;
    uint32_t term_id = 0, term_expiry = 0, term_counter = 0, timestamp = 0, amount = 0;
    uint8_t term_type = 0;
    Bytes term_pub;
  };
  Bytes process(const Command& c);
  Bytes meta(const Command& c);
  Bytes personalize(const Command& c);
  bool bump_counter();  // false (and the card blocks itself) when exhausted
  enum SignedMessage { AmountMessage, BlockMessage };
  /// The terminal's signature on an authenticated command (30, 32, 42: over
  /// counter+1 || amount || card ID; 50: card ID || counter+1): its length,
  /// counter exhaustion, then the signature. sw::ok when it holds.
  uint16_t verify_terminal(const Command& c, SignedMessage what);
  bool check(std::span<const uint8_t> pub, std::span<const uint8_t> msg, std::span<const uint8_t> sig) const;
  Bytes fail(uint16_t status);

  Profile profile_;
  KeySource key_source_;
  CardMode mode_;
  CardEeprom eeprom_;
  Ram ram_;
  bool powered_ = false;
};

}  // namespace pairkit::sim
