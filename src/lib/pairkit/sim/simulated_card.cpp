// make_simulated_card: the faithful card for `sim card` (PC/SC through vpcd),
// optionally personalized by a fresh back end over its own APDUs.
#include <memory>

#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/sim/apdu_card.hpp"
#include "pairkit/sim/card.hpp"
#include "pairkit/sim/terminal.hpp"

namespace pairkit::sim {

namespace {
/// Card expiry when `sim card` personalizes: 2100-01-01T00:00:00Z.
constexpr uint32_t kServedCardExpiry = 4102444800u;
}  // namespace

std::unique_ptr<ApduCard> make_simulated_card(const CardSetup& setup) {
  const ProfileKind profile = parse_profile(setup.profile);
  // Seed 0 means system randomness; keys then come from a random seed.
  uint64_t seed = setup.seed;
  if (seed == 0) {
    const auto rng = make_system_rng();
    rng->randomize(reinterpret_cast<uint8_t*>(&seed), sizeof seed);
  }
  auto pool = std::make_shared<KeyPool>();
  auto card = std::make_unique<PurseCard>(
      profile, [pool, profile, seed, id = setup.card_id] { return pool->key(profile, seed, 1000 + (id & 0xFFFF)); });
  if (setup.personalize) {
    const Backend backend(profile, pool->key(profile, seed, 0));
    PurseCard* raw = card.get();
    card->power_on();
    const auto result = personalize([raw](const Bytes& c) { return std::optional<Bytes>(raw->transmit(c)); },
                                    backend, backend.key(), setup.card_id, kServedCardExpiry);
    card->power_off();
    if (result.outcome != Outcome::ok) throw InputError("personalizing the simulated card failed: " + result.reason);
  }
  return card;
}

}  // namespace pairkit::sim
