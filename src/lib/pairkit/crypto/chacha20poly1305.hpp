// ChaCha20-Poly1305 (RFC 8439) for bulk data: the chunks of an age payload.
// Botan 2's Poly1305 has no vectorised code, and the AEAD runs at 1 GB/s
// here; OpenSSL's libcrypto runs it at 4 GB/s (AVX2, AVX-512). So a stream
// switches to libcrypto once it is large, if libcrypto.so.3 can be loaded.
// It is loaded on first use, not linked: linking it costs every pairkit
// command about 2 ms at start-up, the whole run time of a short one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include <botan/secmem.h>

namespace pairkit::crypto {

class ChaCha20Poly1305 {
public:
  static constexpr size_t kKeySize = 32;
  static constexpr size_t kNonceSize = 12;
  static constexpr size_t kTagSize = 16;

  enum class Engine {
    automatic,  ///< Botan, then libcrypto once kSwitchAfter bytes have passed (if it loads)
    botan,
    libcrypto,  ///< throws std::runtime_error if libcrypto.so.3 cannot be loaded
  };
  /// Bytes after which an automatic engine tries libcrypto: loading it takes
  /// about 3 ms, as long as Botan takes for 3 MB, so small streams never load it.
  static constexpr uint64_t kSwitchAfter = uint64_t{4} << 20;

  /// `key` must be kKeySize bytes (std::invalid_argument otherwise).
  explicit ChaCha20Poly1305(std::span<const uint8_t> key, Engine engine = Engine::automatic);
  ~ChaCha20Poly1305();
  ChaCha20Poly1305(const ChaCha20Poly1305&) = delete;
  ChaCha20Poly1305& operator=(const ChaCha20Poly1305&) = delete;

  /// Encrypts `plain` to `sealed`, which receives plain.size() + kTagSize
  /// bytes (ciphertext, then tag; no associated data). The two may not overlap.
  void seal(std::span<const uint8_t, kNonceSize> nonce, std::span<const uint8_t> plain, uint8_t* sealed);
  /// Checks and decrypts `sealed` (ciphertext, then tag) to `plain`, which
  /// receives sealed.size() - kTagSize bytes. False if it does not
  /// authenticate or is shorter than a tag: `plain` then holds nothing of
  /// the plaintext, and `sealed` is untouched either way.
  bool open(std::span<const uint8_t, kNonceSize> nonce, std::span<const uint8_t> sealed, uint8_t* plain);

  /// The engine doing the work now (never `automatic`).
  Engine engine() const;
  /// True when libcrypto.so.3 loads here and offers ChaCha20-Poly1305.
  static bool libcrypto_available();

  class Impl;

private:
  void count(size_t bytes);
  Botan::secure_vector<uint8_t> key_;
  std::unique_ptr<Impl> impl_;
  bool automatic_;
  uint64_t bytes_ = 0;
};

}  // namespace pairkit::crypto
