// RFC 6238 time-based one-time passwords (HMAC-SHA-1, 30 s steps), the
// second factor of operators, and their otpauth:// enrolment URI.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "pairkit/core/clock.hpp"

namespace pairkit::crypto {

inline constexpr int kTotpPeriod = 30;       ///< seconds per time step
inline constexpr int kTotpDigits = 6;        ///< digits of an operator's code
inline constexpr int kTotpSecretBytes = 20;  ///< 160 bits, RFC 4226's recommendation

/// The time step of t: seconds since the epoch divided by 30 (RFC 6238's T).
int64_t totp_step(TimePoint t);

/// The code of one step: HOTP (RFC 4226) dynamic truncation to `digits`
/// (6 to 8) decimal digits, zero-padded.
std::string totp_code(std::span<const uint8_t> secret, int64_t step, int digits = kTotpDigits);

/// Whether `typed` is a well-formed code: exactly kTotpDigits ASCII digits.
bool is_totp_code(std::string_view typed);

/// The step within now_step +- window whose code is `typed` (compared in
/// constant time), or nullopt. A malformed code matches nothing.
std::optional<int64_t> totp_match(std::span<const uint8_t> secret, std::string_view typed, int64_t now_step,
                                  int window = 1);

/// otpauth://totp/pairkit:NAME?secret=BASE32&issuer=pairkit&algorithm=SHA1&digits=6&period=30
/// (NAME as the registry allows it: A-Z a-z 0-9 . _ -, nothing to escape).
std::string totp_uri(std::string_view name, std::span<const uint8_t> secret);

}  // namespace pairkit::crypto
