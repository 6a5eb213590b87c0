// ChaCha20-Poly1305 through Botan or through libcrypto.so.3, loaded (on a
// second thread) once a stream is large.
#include "pairkit/crypto/chacha20poly1305.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <botan/aead.h>
#include <botan/exceptn.h>
#include <botan/mem_ops.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace pairkit::crypto {

using Engine = ChaCha20Poly1305::Engine;
constexpr size_t kTag = ChaCha20Poly1305::kTagSize;

class ChaCha20Poly1305::Impl {
public:
  virtual ~Impl() = default;
  virtual void seal(const uint8_t* nonce, std::span<const uint8_t> plain, uint8_t* sealed) = 0;
  virtual bool open(const uint8_t* nonce, std::span<const uint8_t> sealed, uint8_t* plain) = 0;
  virtual Engine engine() const = 0;
};

namespace {

// Botan's AEAD works in place on a secure_vector: the message is copied
// through one (this engine handles small streams, or all when libcrypto is missing).
class BotanImpl final : public ChaCha20Poly1305::Impl {
public:
  explicit BotanImpl(std::span<const uint8_t> key) : key_(key.begin(), key.end()) {}

  void seal(const uint8_t* nonce, std::span<const uint8_t> plain, uint8_t* sealed) override {
    auto& m = mode(enc_, Botan::ENCRYPTION);
    buf_.assign(plain.begin(), plain.end());
    m.start(nonce, ChaCha20Poly1305::kNonceSize);
    m.finish(buf_);
    std::copy(buf_.begin(), buf_.end(), sealed);
  }

  bool open(const uint8_t* nonce, std::span<const uint8_t> sealed, uint8_t* plain) override {
    auto& m = mode(dec_, Botan::DECRYPTION);
    buf_.assign(sealed.begin(), sealed.end());
    m.start(nonce, ChaCha20Poly1305::kNonceSize);
    try {
      m.finish(buf_);
    } catch (const Botan::Invalid_Authentication_Tag&) {
      Botan::zeroise(buf_);  // Botan decrypted before it compared the tags
      return false;
    }
    std::copy(buf_.begin(), buf_.end(), plain);
    return true;
  }

  Engine engine() const override { return Engine::botan; }

private:
  Botan::Cipher_Mode& mode(std::unique_ptr<Botan::Cipher_Mode>& m, Botan::Cipher_Dir dir) {
    if (!m) {
      m = Botan::AEAD_Mode::create_or_throw("ChaCha20Poly1305", dir);
      m->set_key(key_);
    }
    return *m;
  }
  Botan::secure_vector<uint8_t> key_, buf_;
  std::unique_ptr<Botan::Cipher_Mode> enc_, dec_;
};

}  // namespace

// The few libcrypto functions used, typed from OpenSSL's own headers.
struct ChaCha20Poly1305::Libcrypto {
  decltype(&OPENSSL_init_crypto) init_crypto;
  decltype(&EVP_chacha20_poly1305) chacha20_poly1305;
  decltype(&EVP_CIPHER_CTX_new) ctx_new;
  decltype(&EVP_CIPHER_CTX_free) ctx_free;
  decltype(&EVP_CIPHER_CTX_ctrl) ctx_ctrl;
  decltype(&EVP_CipherInit_ex) init;
  decltype(&EVP_CipherUpdate) update;
  decltype(&EVP_CipherFinal_ex) final;
};

namespace {

using Libcrypto = ChaCha20Poly1305::Libcrypto;

class LibcryptoImpl final : public ChaCha20Poly1305::Impl {
public:
  LibcryptoImpl(const Libcrypto& lc, std::span<const uint8_t> key) : lc_(lc), ctx_(lc.ctx_new()) {
    if (!ctx_ || lc.init(ctx_, lc.chacha20_poly1305(), nullptr, key.data(), nullptr, 1) != 1) {
      if (ctx_) lc.ctx_free(ctx_);
      throw std::runtime_error("libcrypto refused a ChaCha20-Poly1305 key");
    }
  }
  ~LibcryptoImpl() override { lc_.ctx_free(ctx_); }  // wipes the key schedule
  LibcryptoImpl(const LibcryptoImpl&) = delete;
  LibcryptoImpl& operator=(const LibcryptoImpl&) = delete;

  void seal(const uint8_t* nonce, std::span<const uint8_t> plain, uint8_t* sealed) override {
    const size_t len = plain.size();
    int n = 0;
    if (!start(nonce, 1) || !run(plain.data(), len, sealed) || lc_.final(ctx_, sealed + len, &n) != 1 ||
        lc_.ctx_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTag), sealed + len) != 1)
      throw std::runtime_error("libcrypto failed to encrypt");
  }

  bool open(const uint8_t* nonce, std::span<const uint8_t> sealed, uint8_t* plain) override {
    const size_t len = sealed.size() - kTag;
    uint8_t tag[kTag];
    std::copy_n(sealed.data() + len, kTag, tag);
    if (!start(nonce, 0) || lc_.ctx_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTag), tag) != 1 ||
        !run(sealed.data(), len, plain))
      throw std::runtime_error("libcrypto failed to decrypt");
    int n = 0;
    if (lc_.final(ctx_, plain + len, &n) == 1) return true;
    // libcrypto decrypts while it authenticates: what it decrypted of a
    // forgery is wiped, never returned.
    Botan::secure_scrub_memory(plain, len);
    return false;
  }

  Engine engine() const override { return Engine::libcrypto; }

private:
  bool start(const uint8_t* nonce, int enc) { return lc_.init(ctx_, nullptr, nullptr, nullptr, nonce, enc) == 1; }
  // In pieces an int can count.
  bool run(const uint8_t* in, size_t len, uint8_t* out) {
    while (len > 0) {
      const int piece = static_cast<int>(std::min<size_t>(len, INT_MAX / 2));
      int n = 0;
      if (lc_.update(ctx_, out, &n, in, piece) != 1 || n != piece) return false;
      in += piece;
      out += piece;
      len -= static_cast<size_t>(piece);
    }
    return true;
  }
  const Libcrypto& lc_;
  EVP_CIPHER_CTX* ctx_;
};

template <class F>
bool bind(void* lib, const char* name, F& fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}

// Both engines give the same sealed message, and open each other's.
bool agrees_with_botan(const Libcrypto& lc) {
  try {
    uint8_t key[32], nonce[12];
    for (uint8_t i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(0x80 + i);
    for (uint8_t i = 0; i < 12; ++i) nonce[i] = static_cast<uint8_t>(7 * i);
    std::vector<uint8_t> msg(1000), a(msg.size() + kTag), b(a.size()), back(msg.size());
    for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<uint8_t>(i * 31);
    BotanImpl botan(key);
    LibcryptoImpl fast(lc, key);
    botan.seal(nonce, msg, a.data());
    fast.seal(nonce, msg, b.data());
    if (a != b || !fast.open(nonce, a, back.data()) || back != msg) return false;
    std::fill(back.begin(), back.end(), 0);
    return botan.open(nonce, b, back.data()) && back == msg;
  } catch (const std::exception&) {
    return false;
  }
}

// libcrypto, loaded and checked against Botan once; null when it is missing,
// lacks a function, or disagrees with Botan on a known message.
const Libcrypto* load_libcrypto() {
  void* lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return nullptr;
  auto fail = [lib]() -> const Libcrypto* {
    dlclose(lib);
    return nullptr;
  };
  static Libcrypto lc;
  if (!bind(lib, "OPENSSL_init_crypto", lc.init_crypto) ||
      !bind(lib, "EVP_chacha20_poly1305", lc.chacha20_poly1305) || !bind(lib, "EVP_CIPHER_CTX_new", lc.ctx_new) ||
      !bind(lib, "EVP_CIPHER_CTX_free", lc.ctx_free) || !bind(lib, "EVP_CIPHER_CTX_ctrl", lc.ctx_ctrl) ||
      !bind(lib, "EVP_CipherInit_ex", lc.init) || !bind(lib, "EVP_CipherUpdate", lc.update) ||
      !bind(lib, "EVP_CipherFinal_ex", lc.final))
    return fail();
  // The system's openssl.cnf is not pairkit's configuration: it could
  // select providers (FIPS) that change what EVP does.
  if (lc.init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr) != 1) return fail();
  if (!agrees_with_botan(lc)) return fail();
  return &lc;
}

const Libcrypto* libcrypto() {
  static const Libcrypto* lc = load_libcrypto();
  return lc;
}

}  // namespace

ChaCha20Poly1305::ChaCha20Poly1305(std::span<const uint8_t> key, Engine engine)
    : key_(key.begin(), key.end()), automatic_(engine == Engine::automatic) {
  if (key.size() != kKeySize) throw std::invalid_argument("ChaCha20-Poly1305 needs a 32-byte key");
  if (engine == Engine::libcrypto) {
    const Libcrypto* lc = libcrypto();
    if (!lc) throw std::runtime_error("libcrypto.so.3 with ChaCha20-Poly1305 cannot be loaded");
    impl_ = std::make_unique<LibcryptoImpl>(*lc, key_);
  } else {
    impl_ = std::make_unique<BotanImpl>(key_);
  }
}

ChaCha20Poly1305::~ChaCha20Poly1305() = default;

void ChaCha20Poly1305::seal(std::span<const uint8_t, kNonceSize> nonce, std::span<const uint8_t> plain,
                            uint8_t* sealed) {
  count(plain.size());
  impl_->seal(nonce.data(), plain, sealed);
}

bool ChaCha20Poly1305::open(std::span<const uint8_t, kNonceSize> nonce, std::span<const uint8_t> sealed,
                            uint8_t* plain) {
  count(sealed.size());
  return sealed.size() >= kTagSize && impl_->open(nonce.data(), sealed, plain);
}

ChaCha20Poly1305::Engine ChaCha20Poly1305::engine() const { return impl_->engine(); }

bool ChaCha20Poly1305::libcrypto_available() { return libcrypto() != nullptr; }

void ChaCha20Poly1305::count(size_t bytes) {
  if (!automatic_) return;
  bytes_ += bytes;
  if (!loading_.valid()) {
    if (bytes_ < kLoadAfter) return;
    try {
      loading_ = std::async(std::launch::async, libcrypto);
    } catch (const std::system_error&) {  // no thread to load it on: Botan goes on
      automatic_ = false;
    }
    return;
  }
  if (loading_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
  automatic_ = false;
  if (const Libcrypto* lc = loading_.get()) impl_ = std::make_unique<LibcryptoImpl>(*lc, key_);
}

}  // namespace pairkit::crypto
