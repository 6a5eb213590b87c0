// Command APDUs: the parser, then a session of them against a personalized
// simulated card (each APDU is a length byte and that many bytes), so that
// the fuzzer reaches the card's later states.
#include <memory>

#include "fuzz_target.hpp"
#include "pairkit/sim/apdu.hpp"
#include "pairkit/sim/apdu_card.hpp"

PAIRKIT_FUZZ_TARGET(apdu) {
  (void)pairkit::sim::parse_command(data);
  static const auto card = pairkit::sim::make_simulated_card({"modern", 1, true, 1});
  card->power_on();
  for (size_t at = 0; at < data.size();) {
    const size_t n = std::min<size_t>(data[at], data.size() - at - 1);
    const auto response = card->transmit(data.subspan(at + 1, n));
    (void)pairkit::sim::status_of(response);
    at += 1 + n;
  }
  card->power_off();
}
