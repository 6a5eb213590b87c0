// `gate renew --daemon`: renew whenever the certificate is two thirds
// through its life (plus jitter), retry with backoff, stop when refused
// (pairkit-gate(1), THE RENEWAL DAEMON).
#pragma once
#include <chrono>
#include <functional>
#include <string>

#include <botan/rng.h>

#include "pairkit/core/clock.hpp"
#include "pairkit/gate/est_client.hpp"

namespace pairkit::gate {

/// The first retry after a failed renewal, and the most it backs off to.
inline constexpr std::chrono::seconds kRenewFirstBackoff{30};
inline constexpr std::chrono::seconds kRenewMaxBackoff{3600};
/// The longest single sleep: a suspended device's monotonic clock stands
/// still, so the due time is looked at again at least this often.
inline constexpr std::chrono::seconds kRenewMaxSleep{3600};

/// When a certificate valid from `not_before` to `not_after` is renewed:
/// two thirds into its lifetime, plus `jitter` (in [0, 1)) times a
/// twentieth of it, so that a fleet enrolled together spreads its renewals.
TimePoint renewal_due(TimePoint not_before, TimePoint not_after, double jitter);

/// When DEVICE_DIR's cert.pem is due (renewal_due without jitter: a timer
/// spreads its own runs). Throws InputError when it cannot be read.
TimePoint certificate_due(const std::string& device_dir);

/// The wait before retry number `failures` (1, 2, ...): 30 s doubling, at most 1 h.
std::chrono::seconds renewal_backoff(int failures);

/// Asked after every sleep: true once the daemon should stop (SIGTERM).
using StopCheck = std::function<bool()>;
/// Hears each renewal done.
using RenewedHook = std::function<void(const EstResult&)>;

/// Renews DEVICE_DIR's certificate each time it is due (est_renew, with
/// opts), sleeping through `waiter` in between, until `stop` says so (then it
/// returns). A NetworkError or InputError is retried with renewal_backoff,
/// never sleeping past the certificate's notAfter; a refusal (CheckFailed)
/// or a UsageError ends it, thrown to the caller.
void est_renew_daemon(const EstOptions& opts, const TransportFactory& connect, EstObserver& observer, Waiter& waiter,
                      Botan::RandomNumberGenerator& rng, const Clock& clock, const StopCheck& stop,
                      const RenewedHook& renewed);

}  // namespace pairkit::gate
