// Pairing codes: what a terminal shows on its display and an operator reads
// aloud over the phone, bound to the server's per-request nonce and to both
// certificates, in Crockford base32 groups that each carry a check character.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pairkit::pairing {

/// Number of groups in a full code, data characters per group, bits per group.
inline constexpr int kCodeGroups = 5;
inline constexpr int kGroupDataChars = 4;
inline constexpr int kBitsPerGroup = kGroupDataChars * 5;  // 20
/// Bytes of the server's random per-request nonce.
inline constexpr size_t kNonceBytes = 16;

/// The full code "ABCD-E FGHJ-K ..." shown as kCodeGroups groups of
/// kGroupDataChars data characters plus one check character, joined by '-'.
/// digest = SHA-256("pairkit/pairing-code/v1" || 0x00 || nonce || terminal_sha256 || server_sha256);
/// the first 100 bits of digest, 20 per group, in Crockford base32.
/// terminal_sha256 and server_sha256 are the 32-byte SHA-256 digests of the DER certificates.
std::string pairing_code(std::span<const uint8_t> nonce, std::span<const uint8_t> terminal_sha256,
                         std::span<const uint8_t> server_sha256);

/// The check character of group `index` (1-based): Luhn mod 32 over the
/// group's position character followed by its data characters, so a
/// mistyped, swapped-adjacent or misplaced group is caught.
char group_check(int index, std::string_view data);

/// One group the operator typed: its position (1-based) and the 5 characters
/// normalised to upper-case Crockford (O->0, I/L->1).
struct CodeGroup {
  int index = 0;
  std::string text;
};

/// Parses what an operator typed: a full code ("ABCDE-FGHJK-..."; separators
/// '-', ' ' or ','), or some groups, each "N:GROUP", or the full code with '?'
/// for unread groups. Throws UsageError for malformed text, and UsageError
/// "group N ('XXXXX') was misread: its check character does not match" when
/// a group fails its own check (a misread, not a mismatch).
std::vector<CodeGroup> parse_code(std::string_view typed);

/// True when every typed group equals the same group of `full_code`.
bool groups_match(const std::vector<CodeGroup>& typed, std::string_view full_code);

/// Random nonce as lower-case hex, and back (throws UsageError).
std::string nonce_hex(std::span<const uint8_t> nonce);
std::vector<uint8_t> parse_nonce(std::string_view hex);

}  // namespace pairkit::pairing
