// Keystream RNG (see keystream_rng.hpp).
#include "pairkit/crypto/keystream_rng.hpp"

namespace pairkit::crypto {

KeystreamRng::KeystreamRng(Botan::RandomNumberGenerator& parent)
    : cipher_(Botan::StreamCipher::create_or_throw("ChaCha(20)")) {
  cipher_->set_key(parent.random_vec(32));
  const uint8_t nonce[8] = {};
  cipher_->set_iv(nonce, sizeof nonce);
}

}  // namespace pairkit::crypto
