// RFC 4648 base32 (A-Z2-7, upper case, no padding): TOTP secrets in
// otpauth:// URIs and invite tokens in QR codes.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pairkit::crypto {

/// Upper-case base32 without '=' padding.
std::string base32_encode(std::span<const uint8_t> data);

/// Decodes base32 in either case, with or without padding. InputError for
/// any other character or an impossible length.
std::vector<uint8_t> base32_decode(std::string_view text);

}  // namespace pairkit::crypto
