// The identities and the fixed header the age targets decrypt with.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace pairkit::fuzz {

/// Opens the bytes as an age file (armored or binary, as `backup restore`
/// does) with the fixed identities, and reads the whole payload.
void decrypt_all(std::span<const uint8_t> file);

/// The header (up to and including the MAC line) of a file encrypted to the
/// fixed X25519 identity.
const std::vector<uint8_t>& age_header_for_fixed_identity();

}  // namespace pairkit::fuzz
