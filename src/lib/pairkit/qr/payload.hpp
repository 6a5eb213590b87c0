// The pairing payload a device shows in its QR code: address, certificate
// fingerprint and device ID, in a grammar that fits QR alphanumeric mode.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pairkit::qr {

/// The payload version this build writes and reads.
inline constexpr int kPayloadVersion = 1;
/// Longest host (DNS name, IPv4 or IPv6 address; IPv6 needs 39).
inline constexpr size_t kMaxHostLength = 40;
/// Longest device ID.
inline constexpr size_t kMaxIdLength = 18;
/// Alphanumeric capacity of a version 5 symbol at EC level M (86 data
/// codewords): 4 + 52 + 1 + 40 + 1 + 5 + 1 + 18 = 122, so no payload is longer.
inline constexpr size_t kMaxPayloadLength = 122;
/// Characters of a SHA-256 in base32 without padding.
inline constexpr size_t kFingerprintChars = 52;

/// What a pairing code carries.
struct PairingPayload {
  int version = kPayloadVersion;
  std::string host;                  ///< upper case; IPv6 without brackets
  uint16_t port = 0;
  std::vector<uint8_t> cert_sha256;  ///< 32 bytes: SHA-256 of the DER certificate
  std::string id;                    ///< may be empty

  /// "GATE.LOCAL:8443", or "[FE80::1]:8443" for IPv6, in lower case for people.
  std::string address() const;
};

/// Writes the payload: "PK1/" FP52 "/" HOST ":" PORT ["/" ID]. Throws
/// UsageError naming the field that breaks the grammar.
std::string encode_payload(const PairingPayload& p);

/// True if text claims to be a pairkit payload (starts "PK", digits, "/"),
/// whatever its version; parse_payload then says what is wrong with it.
bool is_pairkit_payload(std::string_view text);

/// Parses a scanned payload strictly. Throws InputError with the reason:
/// not a pairkit payload, too long, unsupported version, bad character, bad
/// fingerprint length, bad host, port or ID.
PairingPayload parse_payload(std::string_view text);

/// Parses "host:port", "[v6]:port" as a person types it, into the payload's
/// upper-case form. Throws UsageError.
void parse_address(std::string_view text, std::string& host, uint16_t& port);

/// Checks (and upper-cases) a device ID for the payload. Throws UsageError.
std::string normalize_id(std::string_view id);

}  // namespace pairkit::qr
