// The renewal daemon's schedule and loop (see est_daemon.hpp).
#include "pairkit/gate/est_daemon.hpp"

#include <algorithm>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/x509.hpp"
#include "pairkit/device/layout.hpp"
#include "pairkit/gate/est_files.hpp"

namespace pairkit::gate {

using std::chrono::seconds;

TimePoint renewal_due(TimePoint not_before, TimePoint not_after, double jitter) {
  const seconds life = std::max(seconds(0), not_after - not_before);
  const auto spread = std::chrono::duration<double>(life) / 20.0 * std::clamp(jitter, 0.0, 1.0);
  return not_before + life * 2 / 3 + std::chrono::duration_cast<seconds>(spread);
}

TimePoint certificate_due(const std::string& device_dir) {
  const std::string path = device_path(device_dir, device::kCertFile);
  const auto cert = crypto::describe_certificate(crypto::load_certificate(read_file(path, limits::kObject), path));
  return renewal_due(cert.not_before, cert.not_after, 0.0);
}

seconds renewal_backoff(int failures) {
  seconds b = kRenewFirstBackoff;
  for (int i = 1; i < failures && b < kRenewMaxBackoff; ++i) b *= 2;
  return std::min(b, kRenewMaxBackoff);
}

namespace {

double random_fraction(Botan::RandomNumberGenerator& rng) {
  uint8_t b[4];
  rng.randomize(b, sizeof b);
  const uint32_t v = uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
  return v / 4294967296.0;
}

}  // namespace

void est_renew_daemon(const EstOptions& opts, const TransportFactory& connect, EstObserver& observer, Waiter& waiter,
                      Botan::RandomNumberGenerator& rng, const Clock& clock, const StopCheck& stop,
                      const RenewedHook& renewed) {
  const std::string cert_path = device_path(opts.device_dir, device::kCertFile);
  std::string jitter_for;
  double jitter = 0;
  TimePoint announced{};
  int failures = 0;
  while (!stop()) {
    const auto cert = crypto::describe_certificate(
        crypto::load_certificate(read_file(cert_path, limits::kObject), cert_path));
    // One jitter per certificate: waking early must not draw a new one.
    if (cert.sha256 != jitter_for) {
      jitter = random_fraction(rng);
      jitter_for = cert.sha256;
    }
    const TimePoint due = renewal_due(cert.not_before, cert.not_after, jitter);
    const TimePoint now = clock.now();
    if (failures == 0 && now < due) {
      if (due != announced) {
        observer.event({EstEvent::sleeping,
                        "certificate " + cert.serial + " valid until " + format_time(cert.not_after) +
                            "; renewing at " + format_time(due),
                        std::chrono::duration_cast<std::chrono::milliseconds>(due - now)});
        announced = due;
      }
      waiter.sleep(std::min<seconds>(due - now, kRenewMaxSleep));
      continue;
    }
    try {
      renewed(est_renew(opts, connect, observer, waiter, rng, clock));
      failures = 0;
    } catch (const CheckFailed&) {
      throw;
    } catch (const UsageError&) {
      throw;
    } catch (const InputError& e) {
      ++failures;
      seconds wait = renewal_backoff(failures);
      const TimePoint after = clock.now();
      if (after < cert.not_after) wait = std::clamp<seconds>(cert.not_after - after, seconds(1), wait);
      observer.event({EstEvent::retrying, std::string("renewal failed: ") + e.what(),
                      std::chrono::duration_cast<std::chrono::milliseconds>(wait)});
      waiter.sleep(wait);
    }
  }
}

}  // namespace pairkit::gate
