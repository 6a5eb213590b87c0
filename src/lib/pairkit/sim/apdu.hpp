// ISO 7816-4 short APDUs: building and parsing command APDUs, status words,
// and the purse protocol's instruction codes with their names.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "pairkit/sim/bytes.hpp"

namespace pairkit::sim {

/// Status words the purse card answers with.
namespace sw {
inline constexpr uint16_t ok = 0x9000;
inline constexpr uint16_t wrong_length = 0x6700;
inline constexpr uint16_t signature_failed = 0x6982;       ///< security status not satisfied
inline constexpr uint16_t conditions_not_satisfied = 0x6985;
inline constexpr uint16_t blocked = 0x6986;                ///< command not allowed
inline constexpr uint16_t wrong_p1p2 = 0x6A86;
inline constexpr uint16_t file_not_found = 0x6A82;
inline constexpr uint16_t ins_not_supported = 0x6D00;
inline constexpr uint16_t cla_not_supported = 0x6E00;
}  // namespace sw

/// Instruction codes of the purse applet.
namespace ins {
inline constexpr uint8_t select = 0xA4;
inline constexpr uint8_t personalize_keys = 0x02;
inline constexpr uint8_t personalize_id = 0x04;
inline constexpr uint8_t personalize_sig = 0x06;
inline constexpr uint8_t exchange_meta = 0x20;
inline constexpr uint8_t exchange_keys = 0x22;
inline constexpr uint8_t exchange_sigs = 0x24;
inline constexpr uint8_t active_auth = 0x26;
inline constexpr uint8_t send_amount = 0x28;
inline constexpr uint8_t reload_auth = 0x30;
inline constexpr uint8_t reload_credit = 0x32;
inline constexpr uint8_t pay_debit = 0x42;
inline constexpr uint8_t block = 0x50;
}  // namespace ins

/// The applet AID 2D 54 45 53 54 70.
const Bytes& purse_aid();

/// A parsed command APDU.
struct Command {
  uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
  Bytes data;
  std::optional<uint32_t> le;  ///< expected length (256 for Le = 00)
};

/// Parses a short command APDU (cases 1 to 4). Returns nullopt when the bytes
/// are not a well-formed short APDU (Lc disagrees with the data received).
std::optional<Command> parse_command(std::span<const uint8_t> apdu);

/// Builds a short command APDU; le = 0 means none, 256 is encoded as 00.
Bytes build_command(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, std::span<const uint8_t> data, uint32_t le = 0);

/// A 256-byte (or any) value as P1 = first byte, data = the rest.
Bytes build_split(uint8_t ins, uint8_t p2, std::span<const uint8_t> value, uint32_t le);

/// Joins P1 and data back into the value.
Bytes join_split(const Command& c);

/// Status word of a response APDU (0 if shorter than 2 bytes).
uint16_t status_of(std::span<const uint8_t> response);
/// Response data without the status word.
Bytes data_of(std::span<const uint8_t> response);
/// "9000", upper case.
std::string sw_hex(uint16_t s);
/// Meaning of a status word ("ok", "signature did not verify", ...).
std::string sw_meaning(uint16_t s);
/// Name of an instruction ("SELECT", "exchange metadata", ...).
std::string ins_name(uint8_t ins);

}  // namespace pairkit::sim
