// The well-formed load: `newconn` (connect, full mTLS handshake, one request,
// close) and `keepalive` (one kept-alive connection per client, polling).
#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <iterator>
#include <thread>

#include <unistd.h>

#include "load.hpp"

namespace gate_load {

using Clock = std::chrono::steady_clock;

std::string make_request(const Options& o, const Terminal& t, bool keep_alive) {
  std::string body = o.body;
  if (body.empty() && o.method == "POST") body = nlohmann::json{{"serial", t.serial}}.dump();
  std::ostringstream r;
  r << o.method << ' ' << o.path << " HTTP/1.1\r\nHost: 127.0.0.1:" << o.port << "\r\n";
  if (o.method == "POST") r << "Content-Type: application/json\r\nContent-Length: " << body.size() << "\r\n";
  if (!keep_alive) r << "Connection: close\r\n";
  r << "\r\n" << body;
  return r.str();
}

std::string make_post(const Options& o, const std::string& content_type, const std::string& body) {
  std::ostringstream r;
  r << "POST " << o.path << " HTTP/1.1\r\nHost: 127.0.0.1:" << o.port << "\r\nContent-Type: " << content_type
    << "\r\nContent-Length: " << body.size() << "\r\nConnection: close\r\n\r\n" << body;
  return r.str();
}

std::string source_for(const Options& o, long i) {
  if (o.sources <= 1) return "";
  const long n = 1 + i % o.sources;  // 127.0.0.1 .. 127.0.0.N, then 127.0.1.x
  return "127.0." + std::to_string(n / 250) + "." + std::to_string(1 + n % 250);
}

long rss_kb(const std::vector<int>& pids) {
  long total = 0;
  for (const int pid : pids) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
      if (line.rfind("VmRSS:", 0) == 0) total += std::atol(line.c_str() + 6);
  }
  return total;
}

double cpu_seconds(const std::vector<int>& pids) {
  double ticks = 0;
  for (const int pid : pids) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    // The command name may hold spaces: fields are counted after its ')'.
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));
    std::string field;
    for (int i = 3; i <= 15 && fields >> field; ++i)
      if (i == 14 || i == 15) ticks += std::atof(field.c_str());
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

void Tally::add(const Tally& o) {
  latency_ms.insert(latency_ms.end(), o.latency_ms.begin(), o.latency_ms.end());
  for (const auto& [k, v] : o.status) status[k] += v;
  for (const auto& [k, v] : o.errors) errors[k] += v;
  refusals_without_retry_after += o.refusals_without_retry_after;
  reconnects += o.reconnects;
}

nlohmann::json Tally::summary(double elapsed_s) const {
  std::vector<double> l = latency_ms;
  std::sort(l.begin(), l.end());
  const auto pct = [&](double p) {
    if (l.empty()) return 0.0;
    return l[std::min(l.size() - 1, static_cast<size_t>(p * static_cast<double>(l.size())))];
  };
  nlohmann::json st = nlohmann::json::object(), er = nlohmann::json::object();
  for (const auto& [k, v] : status) st[std::to_string(k)] = v;
  for (const auto& [k, v] : errors) er[k] = v;
  long non2xx = 0;
  for (const auto& [k, v] : status)
    if (k < 200 || k > 299) non2xx += v;
  long errs = 0;
  for (const auto& [k, v] : errors) errs += v;
  return {{"responses", l.size()},
          {"elapsed_s", elapsed_s},
          {"rps", elapsed_s > 0 ? static_cast<double>(l.size()) / elapsed_s : 0.0},
          {"p50_ms", pct(0.50)},
          {"p99_ms", pct(0.99)},
          {"max_ms", l.empty() ? 0.0 : l.back()},
          {"status", st},
          {"non_2xx", non2xx},
          {"errors", er},
          {"error_count", errs},
          {"refusals_without_retry_after", refusals_without_retry_after},
          {"reconnects", reconnects}};
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void note_response(Tally& t, const Response& r, double ms) {
  t.latency_ms.push_back(ms);
  ++t.status[r.status];
  if ((r.status == 429 || r.status == 503) && !r.retry_after) ++t.refusals_without_retry_after;
}

nlohmann::json run_newconn(const Options& o) {
  std::atomic<long> issued{0};
  const auto deadline = Clock::now() + std::chrono::duration<double>(o.seconds);
  return run_clients(o, [&](int, Tally& t) {
    for (long i; Clock::now() < deadline && (i = issued.fetch_add(1)) < o.requests;) {
      const Terminal& term = o.terminals[static_cast<size_t>(i) % o.terminals.size()];
      const std::string req = make_request(o, term, false);
      const auto t0 = Clock::now();
      Conn c;
      Response r;
      Outcome out = c.connect_tcp(o.port, source_for(o, i), o.timeout);
      if (out == Outcome::ok) out = c.handshake(*term.identity);
      if (out == Outcome::ok) out = c.write_all(req);
      if (out == Outcome::ok) out = c.read_response(r);
      if (out == Outcome::ok) note_response(t, r, ms_since(t0));
      else ++t.errors[outcome_name(out)];
    }
  });
}

nlohmann::json run_keepalive(const Options& o) {
  std::atomic<long> issued{0};
  const auto deadline = Clock::now() + std::chrono::duration<double>(o.seconds);
  return run_clients(o, [&](int client, Tally& t) {
    const Terminal& term = o.terminals[static_cast<size_t>(client) % o.terminals.size()];
    const std::string req = make_request(o, term, true);
    Conn c;
    bool fresh = true;
    for (; Clock::now() < deadline && issued.fetch_add(1) < o.requests;) {
      if (!c.is_open()) {
        if (!fresh) ++t.reconnects;
        fresh = false;
        Outcome out = c.connect_tcp(o.port, source_for(o, client), o.timeout);
        if (out == Outcome::ok) out = c.handshake(*term.identity);
        if (out != Outcome::ok) {
          ++t.errors[outcome_name(out)];
          c.close();
          continue;
        }
      }
      const auto t0 = Clock::now();
      Response r;
      Outcome out = c.write_all(req);
      if (out == Outcome::ok) out = c.read_response(r);
      if (out == Outcome::ok) {
        note_response(t, r, ms_since(t0));
        if (r.close) c.close();
      } else {
        ++t.errors[outcome_name(out)];
        c.close();
      }
    }
  });
}

}  // namespace gate_load
