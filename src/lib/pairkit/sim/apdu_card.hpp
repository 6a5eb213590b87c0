// The seam between a simulated card and whatever carries its APDUs: the
// in-process terminals of `sim run`, or pcscd through vsmartcard's vpcd
// (`sim card`). Both speak raw ISO 7816-4 bytes through this interface.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace pairkit::sim {

/// A contact card as a reader sees it.
class ApduCard {
public:
  virtual ~ApduCard() = default;
  /// The answer to reset, sent when a reader powers the card on.
  virtual std::vector<uint8_t> atr() const = 0;
  /// Power applied (cold reset): RAM state starts clean.
  virtual void power_on() = 0;
  /// Power removed (card tear): RAM is lost, EEPROM kept.
  virtual void power_off() = 0;
  /// Processes one command APDU and returns the response APDU (data || SW1 SW2).
  virtual std::vector<uint8_t> transmit(std::span<const uint8_t> command) = 0;
};

/// What `pairkit sim card` asks for.
struct CardSetup {
  std::string profile = "legacy";  ///< legacy | modern
  uint32_t card_id = 1;
  bool personalize = false;        ///< personalize it (with a fresh back end) before serving
  uint64_t seed = 0;               ///< 0: system randomness
};

/// A faithful simulated purse card (implemented by the simulator, src/lib/pairkit/sim/).
std::unique_ptr<ApduCard> make_simulated_card(const CardSetup& setup);

}  // namespace pairkit::sim
