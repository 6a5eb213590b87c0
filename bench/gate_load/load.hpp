// The gate load generator's options and the modes it runs; each mode returns
// one JSON object (printed on stdout by main.cpp).
#pragma once
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "tls_conn.hpp"

namespace gate_load {

/// A terminal identity folder (`pairkit device init`): cert.pem, key.pem; its
/// name is the serial the POST body carries.
struct Terminal {
  std::string serial;
  std::unique_ptr<Identity> identity;
  std::string dir;  ///< its folder (enroll and renew --save-certs write cert.pem there)
};

struct Options {
  std::string mode;
  uint16_t port = 0;
  std::vector<Terminal> terminals;  ///< round-robin over clients and requests
  std::string method = "POST";
  std::string path = "/v1/pair";
  std::string body;                 ///< empty: {"serial": SERIAL} for a POST
  int concurrency = 1;
  long requests = 1000;             ///< a bound on the count...
  double seconds = 10;              ///< ...and on the time, whichever comes first
  int connections = 100;            ///< idle, slowdrip
  double hold = 5;                  ///< idle: seconds to hold the connections
  int sources = 1;                  ///< client addresses 127.0.0.1 .. 127.0.0.N
  std::vector<int> server_pids;     ///< the server's processes: CPU time (and RSS when idle) summed
  std::chrono::milliseconds timeout{10'000};  ///< per socket read or write
  bool once = false;                ///< renew: each terminal once, then stop
  bool save_certs = false;          ///< enroll, renew: write each terminal's newest certificate to its cert.pem
};

/// The request a client sends for `t` (keep_alive: without Connection: close).
std::string make_request(const Options& o, const Terminal& t, bool keep_alive);
/// A POST of `body` to o.path with Connection: close.
std::string make_post(const Options& o, const std::string& content_type, const std::string& body);
/// The client address of client number `i`.
std::string source_for(const Options& o, long i);
/// Sum of VmRSS (kB) of `pids`, 0 when none could be read.
long rss_kb(const std::vector<int>& pids);
/// Sum of the user and system CPU seconds `pids` have used (all their threads).
double cpu_seconds(const std::vector<int>& pids);

/// Tallies of one run, merged from the client threads.
struct Tally {
  std::vector<double> latency_ms;         ///< of complete responses
  std::map<int, long> status;             ///< per HTTP status
  std::map<std::string, long> errors;     ///< per Outcome other than ok
  long refusals_without_retry_after = 0;  ///< 429 or 503 lacking Retry-After
  long reconnects = 0;                    ///< keepalive: the server closed a kept-alive connection
  void add(const Tally& o);
  /// rps, p50, p99, status and error counts as JSON.
  nlohmann::json summary(double elapsed_s) const;
};

/// Milliseconds since `t0`.
double ms_since(std::chrono::steady_clock::time_point t0);
/// Counts a complete response and its latency.
void note_response(Tally& t, const Response& r, double ms);

/// Runs `worker(client, tally)` on o.concurrency threads; returns the merged
/// tally's summary with the wall time the threads took (and the server's CPU
/// time per answer when o.server_pids names it).
template <class Worker>
nlohmann::json run_clients(const Options& o, Worker worker) {
  std::vector<Tally> tallies(static_cast<size_t>(o.concurrency));
  std::vector<std::thread> threads;
  const double cpu0 = cpu_seconds(o.server_pids);
  const double own0 = cpu_seconds({static_cast<int>(::getpid())});
  const auto t0 = std::chrono::steady_clock::now();
  for (int c = 0; c < o.concurrency; ++c) threads.emplace_back([&, c] { worker(c, tallies[static_cast<size_t>(c)]); });
  for (auto& t : threads) t.join();
  const double elapsed = ms_since(t0) / 1000;
  Tally all;
  for (const auto& t : tallies) all.add(t);
  nlohmann::json j = all.summary(elapsed);
  j["mode"] = o.mode;
  j["concurrency"] = o.concurrency;
  j["method"] = o.method;
  j["path"] = o.path;
  if (!o.server_pids.empty()) {
    // Server CPU per answer holds still on a machine busy with other work,
    // where rates and latencies do not.
    const double cpu = cpu_seconds(o.server_pids) - cpu0;
    j["server_cpu_s"] = cpu;
    j["server_cpu_ms_per_response"] = all.latency_ms.empty() ? 0.0 : cpu * 1000 / static_cast<double>(all.latency_ms.size());
  }
  // The client's own share of the machine (its handshakes run on the same cores).
  const double own = cpu_seconds({static_cast<int>(::getpid())}) - own0;
  j["client_cpu_ms_per_response"] = all.latency_ms.empty() ? 0.0 : own * 1000 / static_cast<double>(all.latency_ms.size());
  return j;
}

nlohmann::json run_newconn(const Options& o);
nlohmann::json run_keepalive(const Options& o);
nlohmann::json run_idle(const Options& o);
nlohmann::json run_slowdrip(const Options& o);
nlohmann::json run_garbage(const Options& o);
/// EST: `enroll` (simpleenroll, each terminal once) or `renew`
/// (simplereenroll, each renewal from the previous one's certificate).
nlohmann::json run_est(const Options& o, bool reenroll);

}  // namespace gate_load
