// The randomness seam: production code draws from the operating system; test
// builds can ask for a seeded, reproducible generator.
#pragma once
#include <cstdint>
#include <memory>

#include <botan/rng.h>

namespace pairkit {

/// The operating system's generator (getrandom), cheap to create.
std::unique_ptr<Botan::RandomNumberGenerator> make_system_rng();

/// A deterministic generator (ChaCha20 keyed from the seed): same seed, same
/// bytes. For tests and simulations only; never for real keys.
std::unique_ptr<Botan::RandomNumberGenerator> make_seeded_rng(uint64_t seed);

}  // namespace pairkit
