// The gate load generator's options and the modes it runs; each mode returns
// one JSON object (printed on stdout by main.cpp).
#pragma once
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tls_conn.hpp"

namespace gate_load {

/// A terminal identity folder (`pairkit device init`): cert.pem, key.pem; its
/// name is the serial the POST body carries.
struct Terminal {
  std::string serial;
  std::unique_ptr<Identity> identity;
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
};

/// The request a client sends for `t` (keep_alive: without Connection: close).
std::string make_request(const Options& o, const Terminal& t, bool keep_alive);
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

nlohmann::json run_newconn(const Options& o);
nlohmann::json run_keepalive(const Options& o);
nlohmann::json run_idle(const Options& o);
nlohmann::json run_slowdrip(const Options& o);
nlohmann::json run_garbage(const Options& o);

}  // namespace gate_load
