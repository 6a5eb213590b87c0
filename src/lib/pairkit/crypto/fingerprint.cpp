// Digest computation and the textual fingerprint formats.
#include "pairkit/crypto/fingerprint.hpp"

#include <cctype>

#include <botan/base32.h>
#include <botan/base64.h>
#include <botan/hash.h>
#include <botan/hex.h>

#include "pairkit/core/error.hpp"

namespace pairkit::crypto {

HashAlg parse_hash(std::string_view name) {
  if (name == "sha256") return HashAlg::sha256;
  if (name == "sha1") return HashAlg::sha1;
  if (name == "sha384") return HashAlg::sha384;
  if (name == "sha512") return HashAlg::sha512;
  throw UsageError("unknown hash '" + std::string(name) + "' (expected sha256, sha1, sha384 or sha512)");
}

std::string hash_name(HashAlg h) {
  switch (h) {
    case HashAlg::sha256: return "sha256";
    case HashAlg::sha1: return "sha1";
    case HashAlg::sha384: return "sha384";
    case HashAlg::sha512: return "sha512";
  }
  return "?";
}

FpFormat parse_fp_format(std::string_view name) {
  if (name == "colon") return FpFormat::colon;
  if (name == "hex") return FpFormat::hex;
  if (name == "base64") return FpFormat::base64;
  if (name == "pin") return FpFormat::pin;
  if (name == "base32") return FpFormat::base32;
  throw UsageError("unknown fingerprint format '" + std::string(name) +
                   "' (expected colon, hex, base64, pin, base32 or all)");
}

std::vector<uint8_t> digest(HashAlg h, std::span<const uint8_t> data) {
  static const char* const names[] = {"SHA-256", "SHA-1", "SHA-384", "SHA-512"};
  auto fn = Botan::HashFunction::create_or_throw(names[static_cast<int>(h)]);
  fn->update(data.data(), data.size());
  const auto out = fn->final();
  return std::vector<uint8_t>(out.begin(), out.end());
}

struct Hasher::Impl {
  std::unique_ptr<Botan::HashFunction> fn;
};

Hasher::Hasher(HashAlg h) : impl_(std::make_unique<Impl>()) {
  static const char* const names[] = {"SHA-256", "SHA-1", "SHA-384", "SHA-512"};
  impl_->fn = Botan::HashFunction::create_or_throw(names[static_cast<int>(h)]);
}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;

void Hasher::update(std::string_view bytes) {
  impl_->fn->update(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

std::vector<uint8_t> Hasher::final() {
  const auto out = impl_->fn->final();
  return std::vector<uint8_t>(out.begin(), out.end());
}

std::string colon_hex(std::span<const uint8_t> d) {
  static const char hex[] = "0123456789ABCDEF";
  std::string s;
  s.reserve(d.size() * 3);
  for (size_t i = 0; i < d.size(); ++i) {
    if (i) s += ':';
    s += hex[d[i] >> 4];
    s += hex[d[i] & 15];
  }
  return s;
}

namespace {

// Syncthing's check character: factors 1,2,1,2,... from the left, each
// product folded as a/32 + a%32 (not textbook Luhn mod N).
char luhn_base32(std::string_view s) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  int factor = 1, sum = 0;
  for (char c : s) {
    const int cp = (c >= 'A' && c <= 'Z') ? c - 'A' : c - '2' + 26;
    int addend = factor * cp;
    factor = factor == 2 ? 1 : 2;
    addend = addend / 32 + addend % 32;
    sum += addend;
  }
  return alphabet[(32 - sum % 32) % 32];
}

}  // namespace

std::string base32_device_id(std::span<const uint8_t> d) {
  if (d.size() != 32) throw UsageError("base32 device IDs need a SHA-256 digest");
  std::string b32 = Botan::base32_encode(d.data(), d.size());
  while (!b32.empty() && b32.back() == '=') b32.pop_back();  // 52 characters
  std::string with_checks;
  for (size_t i = 0; i < b32.size(); i += 13) {
    const std::string_view chunk(b32.data() + i, 13);
    with_checks += chunk;
    with_checks += luhn_base32(chunk);
  }
  std::string out;
  for (size_t i = 0; i < with_checks.size(); i += 7) {
    if (i) out += '-';
    out += with_checks.substr(i, 7);
  }
  return out;
}

std::string fingerprint(std::span<const uint8_t> data, HashAlg hash, FpFormat format) {
  const auto d = digest(hash, data);
  switch (format) {
    case FpFormat::colon: return colon_hex(d);
    case FpFormat::hex: return Botan::hex_encode(d, false);
    case FpFormat::base64: return Botan::base64_encode(d);
    case FpFormat::pin:
      if (hash != HashAlg::sha256) throw UsageError("--format pin needs --hash sha256");
      return "sha256//" + Botan::base64_encode(d);
    case FpFormat::base32:
      if (hash != HashAlg::sha256) throw UsageError("--format base32 needs --hash sha256");
      return base32_device_id(d);
  }
  return {};
}

std::string spki_pin(std::span<const uint8_t> spki_der) {
  return fingerprint(spki_der, HashAlg::sha256, FpFormat::pin);
}

std::string normalize_sha256_hex(std::string_view text) {
  for (std::string_view prefix : {"SHA256:", "sha256:", "SHA256 Fingerprint=", "sha256 Fingerprint="})
    if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
  std::string out;
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out.size() == 64 ? out : std::string();
}

std::string normalize_sha256_colon(std::string_view text) {
  const std::string hex = normalize_sha256_hex(text);
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i) out += ':';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1])));
  }
  return out;
}

}  // namespace pairkit::crypto
