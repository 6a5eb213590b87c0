// Stands in for the simulator's make_simulated_card until the purse card is
// merged in (branch sim); that merge deletes this file.
#include "pairkit/core/error.hpp"
#include "pairkit/sim/apdu_card.hpp"

namespace pairkit::sim {

std::unique_ptr<ApduCard> make_simulated_card(const CardSetup&) {
  throw InputError("this pairkit was built without the simulated purse card");
}

}  // namespace pairkit::sim
