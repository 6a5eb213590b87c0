// Random generators: the system's, and a seeded one for reproducible runs.
#include "pairkit/core/rng.hpp"

#include <botan/chacha_rng.h>
#include <botan/system_rng.h>

namespace pairkit {

std::unique_ptr<Botan::RandomNumberGenerator> make_system_rng() {
  return std::make_unique<Botan::System_RNG>();
}

std::unique_ptr<Botan::RandomNumberGenerator> make_seeded_rng(uint64_t seed) {
  Botan::secure_vector<uint8_t> key(32, 0);
  for (int i = 0; i < 8; ++i) key[i] = static_cast<uint8_t>(seed >> (8 * i));
  const char label[] = "pairkit deterministic rng v1";
  for (size_t i = 0; i + 1 < sizeof label && 8 + i < key.size(); ++i) key[8 + i] = static_cast<uint8_t>(label[i]);
  return std::make_unique<Botan::ChaCha_RNG>(key);
}

}  // namespace pairkit
