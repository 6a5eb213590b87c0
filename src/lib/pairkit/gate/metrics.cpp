// Prometheus text format 0.0.4: one HELP and TYPE line per family.
#include "pairkit/gate/metrics.hpp"

#include <algorithm>
#include <cstdio>

namespace pairkit::gate {

namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

Metrics::Metrics(size_t shards) {
  for (size_t i = 0; i < std::max<size_t>(1, shards); ++i) shards_.push_back(std::make_unique<Shard>());
}

void Metrics::request(const std::string& endpoint, int status, std::chrono::nanoseconds took, size_t shard) {
  const double seconds = std::chrono::duration<double>(took).count();
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  Shard& s = *shards_[shard % shards_.size()];
  std::lock_guard lock(s.mu);
  ++s.requests[{endpoint, status}];
  ++s.buckets[bucket];
  s.sum_seconds += seconds;
  ++s.count;
}

std::string Metrics::render(int64_t pending) const {
  std::string out;
  out += "# HELP pairkit_gate_requests_total Requests answered, by route and status.\n";
  out += "# TYPE pairkit_gate_requests_total counter\n";
  std::map<std::pair<std::string, int>, uint64_t> requests;
  std::array<uint64_t, kBuckets.size() + 1> buckets{};
  double sum_seconds = 0;
  uint64_t count = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    for (const auto& [key, n] : shard->requests) requests[key] += n;
    for (size_t i = 0; i < buckets.size(); ++i) buckets[i] += shard->buckets[i];
    sum_seconds += shard->sum_seconds;
    count += shard->count;
  }
  for (const auto& [key, n] : requests)
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
  out += "# HELP pairkit_gate_certificates_issued_total Certificates issued over EST, first enrollments and renewals.\n";
  out += "# TYPE pairkit_gate_certificates_issued_total counter\n";
  out += "pairkit_gate_certificates_issued_total{kind=\"enroll\"} " + std::to_string(enrolled_.load()) + "\n";
  out += "pairkit_gate_certificates_issued_total{kind=\"renew\"} " + std::to_string(renewed_.load()) + "\n";
  out += "# HELP pairkit_gate_registry_unavailable_total Requests answered 503 because the registry was unavailable.\n";
  out += "# TYPE pairkit_gate_registry_unavailable_total counter\n";
  out += "pairkit_gate_registry_unavailable_total " + std::to_string(registry_failures_.load()) + "\n";
  if (const int64_t next = crl_next_update_.load(); next != 0) {
    out += "# HELP pairkit_gate_crl_next_update_seconds When the CRL served at /v1/crl is due for renewal (Unix time).\n";
    out += "# TYPE pairkit_gate_crl_next_update_seconds gauge\n";
    out += "pairkit_gate_crl_next_update_seconds " + std::to_string(next) + "\n";
  }
  out += "# HELP pairkit_gate_request_duration_seconds Time from the request's headers to its answer.\n";
  out += "# TYPE pairkit_gate_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets[i];
    out += "pairkit_gate_request_duration_seconds_bucket{le=\"" + number(kBuckets[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  cumulative += buckets.back();
  out += "pairkit_gate_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  out += "pairkit_gate_request_duration_seconds_sum " + number(sum_seconds) + "\n";
  out += "pairkit_gate_request_duration_seconds_count " + std::to_string(count) + "\n";
  return out;
}

}  // namespace pairkit::gate
