// The gate's counters and its latency histogram, rendered in the Prometheus
// text format (pairkit-gate(1), METRICS). Safe to update from every worker.
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace pairkit::gate {

class Metrics {
public:
  /// Upper bounds of the latency buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,  0.1,    0.25,  1.0,  5.0};

  /// `shards`: one per worker thread, so that workers never wait for each
  /// other to count (render() adds them up).
  explicit Metrics(size_t shards = 1);
  /// One answered request: `endpoint` is the route pattern ("/v1/pair/{id}");
  /// `shard` is the worker's (taken modulo the number of shards).
  void request(const std::string& endpoint, int status, std::chrono::nanoseconds took, size_t shard = 0);
  void handshake_failure() { handshake_failures_.fetch_add(1, std::memory_order_relaxed); }
  void connection_opened() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() { connections_.fetch_sub(1, std::memory_order_relaxed); }
  void connection_refused() { refused_.fetch_add(1, std::memory_order_relaxed); }
  /// A certificate issued over EST: a first enrollment or a renewal (a
  /// retry answered with the certificate already issued is not counted).
  void certificate_issued(bool renewal) { (renewal ? renewed_ : enrolled_).fetch_add(1, std::memory_order_relaxed); }
  int64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  /// When the CRL /v1/crl serves is due for its next update, in seconds
  /// since the epoch; 0 while there is none (the gauge is then left out).
  void crl_next_update(int64_t unix_seconds) { crl_next_update_.store(unix_seconds, std::memory_order_relaxed); }
  /// A request found the registry unavailable (a lost database, a busy one).
  void registry_unavailable() {
    registry_failures_.fetch_add(1, std::memory_order_relaxed);
    registry_down_.store(true, std::memory_order_relaxed);
  }
  /// The registry answered: true for the one worker that saw it first after
  /// a failure (it logs so). A plain load while nothing failed.
  bool registry_available() {
    return registry_down_.load(std::memory_order_relaxed) && registry_down_.exchange(false, std::memory_order_relaxed);
  }

  /// The exposition text; `pending` is the registry's pending count, or
  /// negative when it could not be read (the gauge is then left out).
  std::string render(int64_t pending) const;

private:
  struct alignas(64) Shard {
    mutable std::mutex mu;
    std::map<std::pair<std::string, int>, uint64_t> requests;
    std::array<uint64_t, kBuckets.size() + 1> buckets{};
    double sum_seconds = 0;
    uint64_t count = 0;
  };
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> handshake_failures_{0};
  std::atomic<int64_t> connections_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> enrolled_{0}, renewed_{0};
  std::atomic<int64_t> crl_next_update_{0};
  std::atomic<uint64_t> registry_failures_{0};
  std::atomic<bool> registry_down_{false};
};

}  // namespace pairkit::gate
