// ChaCha20-Poly1305 (RFC 8439) for bulk data: the chunks of an age payload.
// Botan 2's Poly1305 has no vectorised code, and the AEAD runs at 1 GB/s
// here; OpenSSL's libcrypto runs it at 4 GB/s (AVX2, AVX-512). So a stream
// switches to libcrypto once it is large, if libcrypto.so.3 can be loaded.
// It is loaded when needed, not linked: linking it costs every pairkit
// command about 2 ms at start-up, the whole run time of a short one; and
// loading it takes about 5 ms, so that happens on a second thread while
// Botan goes on.
#pragma once
#include <cstddef>
#include <cstdint>
#include <future>
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
    automatic,  ///< Botan; past kLoadAfter bytes, libcrypto is loaded and used once it is there

    botan,
    libcrypto,  ///< throws std::runtime_error if libcrypto.so.3 cannot be loaded
  };
  /// Bytes after which an automatic engine starts loading libcrypto: small
  /// streams (a device folder is a few KiB) never load it.
  static constexpr uint64_t kLoadAfter = uint64_t{1} << 20;

  /// `key` must be kKeySize bytes (std::invalid_argument otherwise).
  explicit ChaCha20Poly1305(std::span<const uint8_t> key, Engine engine = Engine::automatic);
  /// Waits for a load still in progress.
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
  struct Libcrypto;

private:
  void count(size_t bytes);
  Botan::secure_vector<uint8_t> key_;
  std::unique_ptr<Impl> impl_;
  bool automatic_;
  uint64_t bytes_ = 0;
  std::future<const Libcrypto*> loading_;
};

}  // namespace pairkit::crypto
