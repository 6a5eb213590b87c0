// ChaCha20-Poly1305: libcrypto and Botan agree byte for byte, forgeries are
// refused (and leave no plaintext), and a large stream switches engines.
#include <algorithm>
#include <cstring>
#include <vector>

#include <doctest/doctest.h>

#include <botan/aead.h>
#include <botan/auto_rng.h>

#include "pairkit/crypto/chacha20poly1305.hpp"

using namespace pairkit::crypto;
using Engine = ChaCha20Poly1305::Engine;

namespace {

std::vector<Engine> engines() {
  std::vector<Engine> e{Engine::botan};
  if (ChaCha20Poly1305::libcrypto_available()) e.push_back(Engine::libcrypto);
  return e;
}

std::vector<uint8_t> random_bytes(Botan::RandomNumberGenerator& rng, size_t n) {
  std::vector<uint8_t> v(n);
  rng.randomize(v.data(), n);
  return v;
}

// Botan's own AEAD, as the reference both engines must match.
std::vector<uint8_t> reference_seal(const std::vector<uint8_t>& key, const uint8_t* nonce, const std::vector<uint8_t>& plain) {
  auto m = Botan::AEAD_Mode::create_or_throw("ChaCha20Poly1305", Botan::ENCRYPTION);
  m->set_key(key);
  m->start(nonce, 12);
  Botan::secure_vector<uint8_t> buf(plain.begin(), plain.end());
  m->finish(buf);
  return {buf.begin(), buf.end()};
}

}  // namespace

TEST_CASE("ChaCha20-Poly1305: libcrypto is there on Debian 12 (libssl3)") {
  // pairkit still works without it (Botan does the work), but the test
  // machines have it: if this fails, the fast engine is silently unused.
  CHECK(ChaCha20Poly1305::libcrypto_available());
}

TEST_CASE("ChaCha20-Poly1305: every engine matches Botan's AEAD and opens its own output") {
  Botan::AutoSeeded_RNG rng;
  for (const Engine e : engines()) {
    CAPTURE(static_cast<int>(e));
    for (const size_t n : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{63}, size_t{64}, size_t{65},
                           size_t{1000}, size_t{65536}, size_t{100003}}) {
      CAPTURE(n);
      const auto key = random_bytes(rng, 32), nonce = random_bytes(rng, 12), plain = random_bytes(rng, n);
      ChaCha20Poly1305 aead(key, e);
      CHECK(aead.engine() == e);
      std::vector<uint8_t> sealed(n + ChaCha20Poly1305::kTagSize);
      aead.seal(std::span<const uint8_t, 12>(nonce.data(), 12), plain, sealed.data());
      CHECK(sealed == reference_seal(key, nonce.data(), plain));
      std::vector<uint8_t> back(n);
      REQUIRE(aead.open(std::span<const uint8_t, 12>(nonce.data(), 12), sealed, back.data()));
      CHECK(back == plain);
    }
  }
}

TEST_CASE("ChaCha20-Poly1305: a flipped bit, a wrong nonce or a short message is refused, with nothing decrypted") {
  Botan::AutoSeeded_RNG rng;
  for (const Engine e : engines()) {
    CAPTURE(static_cast<int>(e));
    const auto key = random_bytes(rng, 32), plain = random_bytes(rng, 5000);
    uint8_t nonce[12] = {1, 2, 3};
    ChaCha20Poly1305 aead(key, e);
    std::vector<uint8_t> sealed(plain.size() + 16);
    aead.seal(nonce, plain, sealed.data());
    for (const size_t at : {size_t{0}, size_t{2500}, plain.size() + 3}) {
      auto bad = sealed;
      bad[at] ^= 0x20;
      std::vector<uint8_t> out(plain.size(), 0xAA);
      CHECK_FALSE(aead.open(nonce, bad, out.data()));
      // Nothing of the plaintext is left where it was asked for.
      CHECK(std::memcmp(out.data(), plain.data(), 64) != 0);
      CHECK(std::count(out.begin(), out.end(), 0xAA) + std::count(out.begin(), out.end(), 0) == static_cast<long>(out.size()));
    }
    uint8_t other[12] = {1, 2, 4};
    std::vector<uint8_t> out(plain.size());
    CHECK_FALSE(aead.open(other, sealed, out.data()));
    CHECK_FALSE(aead.open(nonce, std::span(sealed).first(15), out.data()));
    CHECK(aead.open(nonce, sealed, out.data()));  // the context still works after failures
    CHECK(out == plain);
  }
}

TEST_CASE("ChaCha20-Poly1305: an automatic engine starts with Botan and moves to libcrypto once loaded") {
  Botan::AutoSeeded_RNG rng;
  const auto key = random_bytes(rng, 32);
  const auto chunk = random_bytes(rng, 1 << 16);
  ChaCha20Poly1305 aead(key);
  CHECK(aead.engine() == Engine::botan);
  std::vector<uint8_t> sealed(chunk.size() + 16), back(chunk.size());
  uint64_t counted = 0;  // as the engine counts: what it sealed and what it opened
  uint8_t nonce[12] = {};
  const auto want = ChaCha20Poly1305::libcrypto_available() ? Engine::libcrypto : Engine::botan;
  // Loading takes milliseconds, while Botan goes on: a bound, not a timing.
  while (counted < (uint64_t{1} << 30) && (counted < ChaCha20Poly1305::kLoadAfter || aead.engine() != want)) {
    if (counted < ChaCha20Poly1305::kLoadAfter) REQUIRE(aead.engine() == Engine::botan);  // small streams never load it
    ++nonce[11];
    if (nonce[11] == 0) ++nonce[10];
    aead.seal(nonce, chunk, sealed.data());
    REQUIRE(sealed == reference_seal(key, nonce, chunk));
    REQUIRE(aead.open(nonce, sealed, back.data()));
    counted += chunk.size() + sealed.size();
  }
  CHECK(aead.engine() == want);
  // Still the same AEAD after the move.
  ++nonce[11];
  aead.seal(nonce, chunk, sealed.data());
  CHECK(sealed == reference_seal(key, nonce, chunk));
  CHECK(back == chunk);
}

TEST_CASE("ChaCha20-Poly1305: a key of the wrong size is refused") {
  const std::vector<uint8_t> short_key(31);
  CHECK_THROWS_AS(ChaCha20Poly1305(short_key, Engine::botan), std::invalid_argument);
}
