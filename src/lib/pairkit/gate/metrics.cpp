// Prometheus text format 0.0.4: one HELP and TYPE line per family.
#include "pairkit/gate/metrics.hpp"

#include <cstdio>

namespace pairkit::gate {

namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void Metrics::request(const std::string& endpoint, int status, std::chrono::nanoseconds took) {
  const double seconds = std::chrono::duration<double>(took).count();
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  std::lock_guard lock(mu_);
  ++requests_[{endpoint, status}];
  ++buckets_[bucket];
  sum_seconds_ += seconds;
  ++count_;
}

std::string Metrics::render(int64_t pending) const {
  std::string out;
  out += "# HELP pairkit_gate_requests_total Requests answered, by route and status.\n";
  out += "# TYPE pairkit_gate_requests_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, n] : requests_)
    out += "pairkit_gate_requests_total{endpoint=\"" + key.first + "\",status=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  if (pending >= 0) {
    out += "# HELP pairkit_gate_pending_requests Pairing requests waiting for an operator.\n";
    out += "# TYPE pairkit_gate_pending_requests gauge\n";
    out += "pairkit_gate_pending_requests " + std::to_string(pending) + "\n";
  }
  out += "# HELP pairkit_gate_tls_handshake_failures_total TLS handshakes that failed (plaintext, garbage, old TLS).\n";
  out += "# TYPE pairkit_gate_tls_handshake_failures_total counter\n";
  out += "pairkit_gate_tls_handshake_failures_total " + std::to_string(handshake_failures_.load()) + "\n";
  out += "# HELP pairkit_gate_connections Open client connections.\n";
  out += "# TYPE pairkit_gate_connections gauge\n";
  out += "pairkit_gate_connections " + std::to_string(connections_.load()) + "\n";
  out += "# HELP pairkit_gate_connections_refused_total Connections the gate could not take (out of file descriptors).\n";
  out += "# TYPE pairkit_gate_connections_refused_total counter\n";
  out += "pairkit_gate_connections_refused_total " + std::to_string(refused_.load()) + "\n";
  out += "# HELP pairkit_gate_request_duration_seconds Time from the request's headers to its answer.\n";
  out += "# TYPE pairkit_gate_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets_[i];
    out += "pairkit_gate_request_duration_seconds_bucket{le=\"" + number(kBuckets[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  cumulative += buckets_.back();
  out += "pairkit_gate_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  out += "pairkit_gate_request_duration_seconds_sum " + number(sum_seconds_) + "\n";
  out += "pairkit_gate_request_duration_seconds_count " + std::to_string(count_) + "\n";
  return out;
}

}  // namespace pairkit::gate
