// A keystream RNG for batch work: keyed once from the command's generator, a
// batch then draws serials without a syscall per draw, and a seeded test RNG
// still gives the same output.
#pragma once
#include <memory>

#include <botan/rng.h>
#include <botan/stream_cipher.h>

namespace pairkit::crypto {

/// ChaCha20 keystream under a 256-bit key drawn from another generator.
class KeystreamRng final : public Botan::RandomNumberGenerator {
public:
  explicit KeystreamRng(Botan::RandomNumberGenerator& parent);
  void randomize(uint8_t output[], size_t length) override { cipher_->write_keystream(output, length); }
  bool accepts_input() const override { return false; }
  void add_entropy(const uint8_t[], size_t) override {}
  std::string name() const override { return "ChaCha20 keystream"; }
  void clear() override {}
  bool is_seeded() const override { return true; }

private:
  std::unique_ptr<Botan::StreamCipher> cipher_;
};

}  // namespace pairkit::crypto
