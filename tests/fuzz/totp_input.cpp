// What an operator types for a decision and the gate's rules take as
// arguments: a TOTP code, a serial, a fingerprint, an address, an invite or
// secret in base32 (one per line). What is accepted must be consistent:
// a matching code is well formed and is the code of its step; normalised
// values normalise to themselves; base32 round-trips.
#include <stdexcept>

#include "fuzz_target.hpp"
#include "pairkit/crypto/base32.hpp"
#include "pairkit/crypto/totp.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/pairing/registry.hpp"

namespace {

std::string_view field(std::string_view& text) {
  const auto nl = text.find('\n');
  const auto f = text.substr(0, nl);
  text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  return f;
}

void require(bool ok, const char* what) {
  if (!ok) throw std::logic_error(what);
}

template <typename F>
void typed_errors_only(F f) {
  try {
    f();
  } catch (const pairkit::Error&) {
  }
}

}  // namespace

PAIRKIT_FUZZ_TARGET(totp_input) {
  using namespace pairkit;
  std::string_view text = fuzz::as_text(data);
  const auto code = field(text), serial = field(text), fp = field(text), address = field(text), b32 = field(text);

  static const uint8_t secret[crypto::kTotpSecretBytes] = {'1', '2', '3', '4', '5', '6', '7', '8', '9', '0',
                                                           '1', '2', '3', '4', '5', '6', '7', '8', '9', '0'};
  const int64_t now = crypto::totp_step(TimePoint(std::chrono::seconds(1'800'000'000)));
  if (const auto step = crypto::totp_match(secret, code, now)) {
    require(crypto::is_totp_code(code), "a matching code is well formed");
    require(*step >= now - 1 && *step <= now + 1, "a match lies in the window");
    require(crypto::totp_code(secret, *step) == code, "a match is the code of its step");
  }

  typed_errors_only([&] { device::check_serial(std::string(serial)); });
  typed_errors_only([&] {
    const auto n = pairing::normalize_fingerprint(fp);
    require(n.size() == 95 && pairing::normalize_fingerprint(n) == n, "a fingerprint normalises to itself");
  });
  typed_errors_only([&] {
    const auto n = pairing::normalize_address(address);
    require(pairing::normalize_address(n) == n, "an address normalises to itself");
  });
  typed_errors_only([&] {
    const auto bytes = crypto::base32_decode(b32);
    require(crypto::base32_decode(crypto::base32_encode(bytes)) == bytes, "base32 round-trips");
  });
}
