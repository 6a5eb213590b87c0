// The gate's metrics text and log lines: counts, the histogram's buckets, no secrets.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "pairkit/gate/log.hpp"
#include "pairkit/gate/metrics.hpp"

using namespace pairkit;
using namespace pairkit::gate;
using namespace std::chrono_literals;

TEST_CASE("metrics: counters by route and status, a cumulative histogram") {
  Metrics m;
  m.request("/v1/pair", 202, 2ms);
  m.request("/v1/pair", 202, 30ms);
  m.request("/healthz", 200, 10s);
  m.handshake_failure();
  m.connection_opened();
  const auto text = m.render(4);
  CHECK(text.find("pairkit_gate_requests_total{endpoint=\"/v1/pair\",status=\"202\"} 2\n") != std::string::npos);
  CHECK(text.find("pairkit_gate_requests_total{endpoint=\"/healthz\",status=\"200\"} 1\n") != std::string::npos);
  CHECK(text.find("pairkit_gate_pending_requests 4\n") != std::string::npos);
  CHECK(text.find("pairkit_gate_tls_handshake_failures_total 1\n") != std::string::npos);
  CHECK(text.find("pairkit_gate_connections 1\n") != std::string::npos);
  CHECK(text.find("_bucket{le=\"0.001\"} 0\n") != std::string::npos);
  CHECK(text.find("_bucket{le=\"0.0025\"} 1\n") != std::string::npos);
  CHECK(text.find("_bucket{le=\"0.05\"} 2\n") != std::string::npos);
  CHECK(text.find("_bucket{le=\"5\"} 2\n") != std::string::npos);
  CHECK(text.find("_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("pairkit_gate_request_duration_seconds_count 3\n") != std::string::npos);
  CHECK(m.render(-1).find("pairkit_gate_pending_requests") == std::string::npos);
}

TEST_CASE("a request's log line: one line, a short fingerprint, the method made printable") {
  RequestLog r;
  r.at = TimePoint(std::chrono::seconds(1'800'000'000));
  r.remote = "127.0.0.1:5000";
  r.method = "GE\nT \"x";
  r.route = "/v1/pair/{id}";
  r.status = 200;
  r.took = 1500us;
  r.fingerprint = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
  r.request_id = 17;
  const auto text = format_request(r, LogFormat::text);
  CHECK(text == "2027-01-15T08:00:00Z 127.0.0.1:5000 GE?T??x /v1/pair/{id} 200 1.500ms client=AB:CD:EF:01:23:45:67:89 request=17");
  const auto j = nlohmann::json::parse(format_request(r, LogFormat::json));
  CHECK(j["client"] == "AB:CD:EF:01:23:45:67:89");
  CHECK(j["request_id"] == 17);
  CHECK(j["duration_ms"] == 1.5);
  CHECK(format_request(r, LogFormat::json).find('\n') == std::string::npos);
  CHECK(format_event(r.at, Severity::error, "a\nb", LogFormat::text) == "2027-01-15T08:00:00Z error: a b");
}
