// PAIRKIT_FUZZ_TARGET(name) { ... }: one parser's fuzz target, a body over
// `data`. Built two ways from the same file: a libFuzzer program (the
// sanitizer build, -Dfuzz=true, PAIRKIT_LIBFUZZER) and a function the unit
// suite replays the regression corpus through (tests/unit/fuzz_replay_test.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pairkit/core/error.hpp"

namespace pairkit::fuzz {

using Input = std::span<const uint8_t>;
using Body = void (*)(Input);

/// Runs a body on one input. The library's typed errors are answers, not
/// findings; any other exception escapes, and libFuzzer or the replay test
/// reports it (so does a crash, a sanitizer report or a hang).
inline void run(Body body, Input data) {
  try {
    body(data);
  } catch (const pairkit::Error&) {
  }
}

inline std::string_view as_text(Input data) { return {reinterpret_cast<const char*>(data.data()), data.size()}; }
inline std::vector<uint8_t> as_vector(Input data) { return {data.begin(), data.end()}; }

}  // namespace pairkit::fuzz

#ifdef PAIRKIT_LIBFUZZER
#define PAIRKIT_FUZZ_TARGET(name)                                               \
  static void pairkit_fuzz_##name(pairkit::fuzz::Input data);                  \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {   \
    pairkit::fuzz::run(pairkit_fuzz_##name, pairkit::fuzz::Input(bytes, size)); \
    return 0;                                                                   \
  }                                                                             \
  static void pairkit_fuzz_##name(pairkit::fuzz::Input data)
#else
#define PAIRKIT_FUZZ_TARGET(name) void pairkit_fuzz_##name(pairkit::fuzz::Input data)
#endif
