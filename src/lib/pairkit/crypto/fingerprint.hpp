// Fingerprints: digests of DER certificates or SubjectPublicKeyInfo, in the
// textual forms people and tools compare (openssl colon hex, RFC 7469 pins,
// Syncthing-style base32 device IDs).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pairkit::crypto {

enum class HashAlg { sha256, sha1, sha384, sha512 };
enum class FpFormat { colon, hex, base64, pin, base32 };

HashAlg parse_hash(std::string_view name);
std::string hash_name(HashAlg h);  ///< "sha256"
FpFormat parse_fp_format(std::string_view name);

std::vector<uint8_t> digest(HashAlg h, std::span<const uint8_t> data);

/// A digest of data that arrives in pieces (rows of a table, a stream).
class Hasher {
public:
  explicit Hasher(HashAlg h);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  void update(std::string_view bytes);
  /// The digest of everything given so far; the hasher starts again empty.
  std::vector<uint8_t> final();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Upper-case hex with colons: "AB:CD:..." (as openssl x509 -fingerprint).
std::string colon_hex(std::span<const uint8_t> digest);

/// Syncthing device-ID form of a 32-byte digest: base32 without padding, a
/// check character after every 13, groups of 7 joined by '-'.
std::string base32_device_id(std::span<const uint8_t> digest32);

/// The digest of `data` under `hash`, rendered in `format`. `pin` and
/// `base32` need sha256 (throws UsageError otherwise).
std::string fingerprint(std::span<const uint8_t> data, HashAlg hash, FpFormat format);

/// "sha256//BASE64" of the SHA-256 of a DER SubjectPublicKeyInfo (RFC 7469,
/// curl --pinnedpubkey, OkHttp).
std::string spki_pin(std::span<const uint8_t> spki_der);

/// Normalises a user-typed fingerprint to lower-case hex without separators.
/// Accepts colon/plain hex (any case, optional "SHA256:" prefix) of a SHA-256.
/// Returns empty if the text is not such a fingerprint.
std::string normalize_sha256_hex(std::string_view text);

/// The same, in the form the registry and pin stores keep: upper-case colon
/// hex ("AB:CD:..."). Returns empty if the text is not such a fingerprint.
std::string normalize_sha256_colon(std::string_view text);

}  // namespace pairkit::crypto
