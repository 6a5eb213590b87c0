// The real wall clock.
#include "pairkit/core/clock.hpp"

namespace pairkit {

TimePoint SystemClock::now() const {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace pairkit
