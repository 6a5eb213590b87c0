// A card that answers from a fixed table: a test double for what carries
// APDUs (vpcd, PC/SC) when the purse protocol is beside the point.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "pairkit/sim/apdu_card.hpp"

namespace pairkit::sim {

class TableCard : public ApduCard {
public:
  struct Row {
    std::vector<uint8_t> prefix;    ///< a command starting with these bytes ...
    std::vector<uint8_t> response;  ///< ... gets this answer
  };
  /// Rows are tried in order; a command no row matches gets `fallback`.
  TableCard(std::vector<uint8_t> atr, std::vector<Row> rows, std::vector<uint8_t> fallback = {0x6D, 0x00});

  /// Parses lines "COMMAND-PREFIX => RESPONSE" and "atr => BYTES" (hex, spaces
  /// allowed, '#' comments); throws InputError naming `name` and the line.
  static TableCard parse(std::string_view text, std::string_view name);

  std::vector<uint8_t> atr() const override { return atr_; }
  void power_on() override { ++power_ons_; }
  void power_off() override { ++power_offs_; }
  std::vector<uint8_t> transmit(std::span<const uint8_t> command) override;

  int power_ons() const { return power_ons_; }
  int power_offs() const { return power_offs_; }
  const std::vector<std::vector<uint8_t>>& received() const { return received_; }

private:
  std::vector<uint8_t> atr_;
  std::vector<Row> rows_;
  std::vector<uint8_t> fallback_;
  int power_ons_ = 0, power_offs_ = 0;
  std::vector<std::vector<uint8_t>> received_;
};

}  // namespace pairkit::sim
