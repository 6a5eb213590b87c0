// The CRL GET /v1/crl serves, one holder per server shared by the workers.
// Holding the CA key, the gate re-issues the CRL itself; without it, it
// serves the file `pairkit crl issue` wrote and warns as it grows old.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <botan/rng.h>

#include "pairkit/ca/index_store.hpp"
#include "pairkit/core/change_watch.hpp"
#include "pairkit/core/clock.hpp"
#include "pairkit/gate/gate_ca.hpp"
#include "pairkit/gate/gate_config.hpp"
#include "pairkit/gate/handler.hpp"
#include "pairkit/gate/log.hpp"
#include "pairkit/gate/metrics.hpp"

namespace pairkit::gate {

/// One CRL as /v1/crl answers with it, made once per CRL.
struct CrlSnapshot {
  std::string der;  ///< the body
  std::optional<uint64_t> number;
  TimePoint this_update{};
  std::optional<TimePoint> next_update;
  size_t count = 0;     ///< revoked certificates listed
  std::string etag;     ///< "\"crl-12\"", quotes included
  std::string headers;  ///< the Last-Modified, Expires and ETag lines
};

class CrlService {
public:
  /// `clock`, `log` and `metrics` outlive the service; `rng` signs the CRLs.
  CrlService(const Clock& clock, LogSink& log, Metrics& metrics, std::unique_ptr<Botan::RandomNumberGenerator> rng);
  /// Stops the thread start() began.
  ~CrlService();
  CrlService(const CrlService&) = delete;
  CrlService& operator=(const CrlService&) = delete;

  /// What to serve from, at start and at each reload: `ca` null means no CA
  /// folder (503). Throws InputError, keeping the previous configuration,
  /// when the gate holds the key and [crl] refresh_before is not shorter
  /// than the CRLs it issues live (crl.next_update in ca.toml).
  void configure(const GateConfig& config, std::shared_ptr<const GateCa> ca);

  /// One look, one at a time: re-reads the file when it changed (a bad file
  /// is served as none, logged); with the key, issues a CRL into the file
  /// when there is none, when its next update is less than refresh_before
  /// away, or when the index holds revocations it lacks; without, warns from
  /// refresh_before before the next update on, once an hour. Never throws:
  /// a failure is logged and the CRL served stays as it was.
  void refresh() noexcept;

  /// The CRL to serve now, or null when there is none.
  std::shared_ptr<const CrlSnapshot> current() const;

  /// Calls refresh() every `every` on a thread of its own until the service
  /// is destroyed.
  void start(std::chrono::milliseconds every);

private:
  void read_crl_file();
  void issue(TimePoint now, const std::string& why);
  bool index_has_news();
  void watch_age(TimePoint now);
  void publish(std::shared_ptr<const CrlSnapshot> crl);
  void event(Severity severity, const std::string& message);

  const Clock& clock_;
  LogSink& log_;
  Metrics& metrics_;
  std::unique_ptr<Botan::RandomNumberGenerator> rng_;

  mutable std::mutex current_mu_;
  std::shared_ptr<const CrlSnapshot> current_;

  std::mutex refresh_mu_;  ///< one refresh at a time; guards everything below
  GateConfig config_;
  std::shared_ptr<const GateCa> ca_;
  std::string path_;
  std::unique_ptr<ChangeWatch> file_watch_, index_watch_;
  std::unique_ptr<ca::IndexStore> index_;
  std::optional<TimePoint> warned_at_;
  TimePoint retry_issue_at_{};

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

/// The answer to GET /v1/crl from `crl` (null: 503 with Retry-After):
/// 200 application/pkix-crl with Last-Modified (thisUpdate), Expires
/// (nextUpdate), ETag and Cache-Control max-age up to refresh_before before
/// nextUpdate; 304 without a body when If-None-Match names its ETag (or *)
/// or, without If-None-Match, If-Modified-Since is no earlier than thisUpdate.
HttpResponse crl_response(const CrlSnapshot* crl, const HttpRequest& request, TimePoint now,
                          std::chrono::seconds refresh_before);

}  // namespace pairkit::gate
