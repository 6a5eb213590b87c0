// What a terminal parses from a gate: pair answers (with CONFIG), a bare
// CONFIG, error answers, and the request file it keeps between runs.
#include "fuzz_target.hpp"
#include "pairkit/gate/gate_answer.hpp"

PAIRKIT_FUZZ_TARGET(gate_answer) {
  const auto text = pairkit::fuzz::as_text(data);
  (void)pairkit::gate::parse_gate_error(text);
  try {
    (void)pairkit::gate::parse_terminal_config(text);
  } catch (const pairkit::Error&) {
  }
  (void)pairkit::gate::parse_pair_answer(text);
}
