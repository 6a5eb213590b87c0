// RFC 6238 TOTP over Botan's HMAC-SHA-1; codes are compared in constant time.
#include "pairkit/crypto/totp.hpp"

#include <botan/mac.h>
#include <botan/mem_ops.h>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/base32.hpp"

namespace pairkit::crypto {

int64_t totp_step(TimePoint t) {
  const int64_t s = t.time_since_epoch().count();
  return s >= 0 ? s / kTotpPeriod : -((-s + kTotpPeriod - 1) / kTotpPeriod);
}

std::string totp_code(std::span<const uint8_t> secret, int64_t step, int digits) {
  if (digits < 6 || digits > 8) throw UsageError("a TOTP code has 6 to 8 digits");
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-1)");
  mac->set_key(secret.data(), secret.size());
  uint8_t counter[8];
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<uint8_t>(static_cast<uint64_t>(step) & 0xFF);
    step = static_cast<int64_t>(static_cast<uint64_t>(step) >> 8);
  }
  mac->update(counter, sizeof counter);
  const auto h = mac->final();
  const size_t off = h[h.size() - 1] & 0x0F;
  const uint32_t bin = (static_cast<uint32_t>(h[off] & 0x7F) << 24) | (static_cast<uint32_t>(h[off + 1]) << 16) |
                       (static_cast<uint32_t>(h[off + 2]) << 8) | static_cast<uint32_t>(h[off + 3]);
  uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::string code = std::to_string(bin % mod);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

bool is_totp_code(std::string_view typed) {
  if (typed.size() != static_cast<size_t>(kTotpDigits)) return false;
  for (char c : typed)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<int64_t> totp_match(std::span<const uint8_t> secret, std::string_view typed, int64_t now_step,
                                  int window) {
  if (!is_totp_code(typed)) return std::nullopt;
  std::optional<int64_t> found;
  // Every step in the window is computed and compared, so the time taken
  // does not tell which one matched.
  for (int64_t s = now_step - window; s <= now_step + window; ++s) {
    const std::string code = totp_code(secret, s);
    const bool same = Botan::constant_time_compare(reinterpret_cast<const uint8_t*>(code.data()),
                                                   reinterpret_cast<const uint8_t*>(typed.data()), code.size());
    if (same && !found) found = s;
  }
  return found;
}

std::string totp_uri(std::string_view name, std::span<const uint8_t> secret) {
  return "otpauth://totp/pairkit:" + std::string(name) + "?secret=" + base32_encode(secret) +
         "&issuer=pairkit&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpPeriod);
}

}  // namespace pairkit::crypto
