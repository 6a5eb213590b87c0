// The clock seam: everything that depends on "now" takes a Clock, so expiry
// and validity periods are testable without waiting or faking the system time.
#pragma once
#include <chrono>

namespace pairkit {

using TimePoint = std::chrono::sys_seconds;

/// Source of the current time.
class Clock {
public:
  virtual ~Clock() = default;
  /// The current time, whole seconds since the UNIX epoch.
  virtual TimePoint now() const = 0;
};

/// The real wall clock.
class SystemClock final : public Clock {
public:
  TimePoint now() const override;
};

/// A clock that always answers the same instant (tests, simulations).
class FixedClock final : public Clock {
public:
  explicit FixedClock(TimePoint t) : t_(t) {}
  TimePoint now() const override { return t_; }
  void set(TimePoint t) { t_ = t; }

private:
  TimePoint t_;
};

}  // namespace pairkit
