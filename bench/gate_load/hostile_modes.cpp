// The connections a server must survive rather than serve: `idle` (many
// open connections doing nothing), `slowdrip` (a request header one byte a
// second) and `garbage` (random bytes or plaintext HTTP on the TLS port).
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "load.hpp"

namespace gate_load {

using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

nlohmann::json run_idle(const Options& o) {
  // Opened by o.concurrency threads; each connection makes one kept-alive
  // request, then does nothing while the server's RSS is sampled.
  std::vector<Conn> conns(static_cast<size_t>(o.connections));
  std::atomic<long> next{0};
  std::mutex m;
  Tally tally;
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::duration<double>(o.seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < o.concurrency; ++c)
    threads.emplace_back([&] {
      Tally t;
      for (long i; Clock::now() < deadline && (i = next.fetch_add(1)) < o.connections;) {
        const Terminal& term = o.terminals[static_cast<size_t>(i) % o.terminals.size()];
        Conn& conn = conns[static_cast<size_t>(i)];
        Response r;
        Outcome out = conn.connect_tcp(o.port, source_for(o, i), o.timeout);
        if (out == Outcome::ok) out = conn.handshake(*term.identity);
        if (out == Outcome::ok) out = conn.write_all(make_request(o, term, true));
        if (out == Outcome::ok) out = conn.read_response(r);
        if (out == Outcome::ok) {
          ++t.status[r.status];
          if (r.close) conn.close();
        } else {
          ++t.errors[outcome_name(out)];
          conn.close();
        }
      }
      std::lock_guard lock(m);
      tally.add(t);
    });
  for (auto& t : threads) t.join();
  const double open_s = seconds_since(t0);
  const auto count_open = [&] {
    return std::count_if(conns.begin(), conns.end(), [](Conn& c) { return c.is_open() && !c.peer_closed(); });
  };
  const long opened = count_open();
  long rss_max = 0, rss_last = 0;
  const auto hold_end = Clock::now() + std::chrono::duration<double>(o.hold);
  while (Clock::now() < hold_end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    rss_last = rss_kb(o.server_pids);
    rss_max = std::max(rss_max, rss_last);
  }
  nlohmann::json st = nlohmann::json::object(), er = nlohmann::json::object();
  for (const auto& [k, v] : tally.status) st[std::to_string(k)] = v;
  for (const auto& [k, v] : tally.errors) er[k] = v;
  return {{"mode", "idle"},
          {"connections", o.connections},
          {"opened", opened},
          {"open_s", open_s},
          {"hold_s", o.hold},
          {"open_after_hold", count_open()},
          {"status", st},
          {"errors", er},
          {"server_rss_kb_max", rss_max},
          {"server_rss_kb_last", rss_last}};
}

nlohmann::json run_slowdrip(const Options& o) {
  // Each connection completes its handshake, then sends a request header one
  // byte a second; the server should answer 408 or close once its header
  // timeout passes. One thread drives them all.
  struct Drip {
    Conn conn;
    size_t sent = 0;
    bool done = false;
    double closed_after_s = 0;
    int status = 0;
  };
  const std::string header = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(4096, 'a') + "\r\n\r\n";
  std::vector<Drip> drips(static_cast<size_t>(o.connections));
  Tally setup;
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::duration<double>(o.seconds);
  long started = 0;
  for (size_t i = 0; i < drips.size() && Clock::now() < deadline; ++i) {
    const Terminal& term = o.terminals[i % o.terminals.size()];
    Outcome out = drips[i].conn.connect_tcp(o.port, source_for(o, static_cast<long>(i)), o.timeout);
    if (out == Outcome::ok) out = drips[i].conn.handshake(*term.identity);
    if (out != Outcome::ok) {
      ++setup.errors[outcome_name(out)];
      drips[i].done = true;
      drips[i].conn.close();
      continue;
    }
    ++started;
  }
  const auto drip_start = Clock::now();
  while (Clock::now() < deadline) {
    bool any = false;
    for (auto& d : drips) {
      if (d.done) continue;
      any = true;
      // The server may have answered (408) and closed since the last byte.
      // Readable alone is no sign: TLS 1.3 session tickets arrive unasked.
      if (d.conn.peer_closed()) {
        Response r;
        if (d.conn.read_response(r) == Outcome::ok) d.status = r.status;
        d.done = true;
      } else if (d.sent < header.size()) {
        if (d.conn.write_all(header.substr(d.sent, 1)) != Outcome::ok) d.done = true;
        else ++d.sent;
      }
      if (d.done) {
        d.closed_after_s = seconds_since(drip_start);
        d.conn.close();
      }
    }
    if (!any) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::vector<double> closed_after;
  std::map<int, long> statuses;
  long still_open = 0, completed = 0;
  for (const auto& d : drips) {
    if (!d.conn.is_open() && d.done && d.closed_after_s > 0) {
      closed_after.push_back(d.closed_after_s);
      if (d.status != 0) ++statuses[d.status];
    }
    if (d.conn.is_open()) ++still_open;
    if (d.sent == header.size()) ++completed;
  }
  nlohmann::json st = nlohmann::json::object(), er = nlohmann::json::object();
  for (const auto& [k, v] : statuses) st[std::to_string(k)] = v;
  for (const auto& [k, v] : setup.errors) er[k] = v;
  return {{"mode", "slowdrip"},
          {"connections", o.connections},
          {"started", started},
          {"closed_by_server", closed_after.size()},
          {"closed_after_s_median", median(closed_after)},
          {"closed_after_s_max", closed_after.empty() ? 0.0 : *std::max_element(closed_after.begin(), closed_after.end())},
          {"still_open", still_open},
          {"headers_completed", completed},
          {"status", st},
          {"errors", er},
          {"elapsed_s", seconds_since(t0)}};
}

nlohmann::json run_garbage(const Options& o) {
  // Alternately random bytes and a plaintext HTTP request; then wait for the
  // server to close. Closing (with or without an alert or a plaintext
  // answer, even with a reset) is clean; holding past o.timeout is not.
  std::atomic<long> issued{0};
  std::mutex m;
  std::map<std::string, long> ends;
  std::vector<double> close_ms;
  const auto deadline = Clock::now() + std::chrono::duration<double>(o.seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < o.concurrency; ++c)
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(0x9a7e + static_cast<unsigned>(c));
      std::map<std::string, long> mine;
      std::vector<double> ms;
      for (long i; Clock::now() < deadline && (i = issued.fetch_add(1)) < o.requests;) {
        std::string payload;
        const bool plaintext = i % 2 == 1;
        if (plaintext) {
          payload = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        } else {
          payload.resize(1 + rng() % 4096);
          for (auto& ch : payload) ch = static_cast<char>(rng());
        }
        const std::string kind = plaintext ? "plaintext_" : "random_";
        const auto t0 = Clock::now();
        Conn conn;
        Outcome out = conn.connect_tcp(o.port, source_for(o, i), o.timeout);
        if (out != Outcome::ok) {
          ++mine[kind + "connect_failed"];
          continue;
        }
        // A write refused mid-way means the server closed already: clean.
        conn.write_all(payload);
        char buf[4096];
        size_t answered = 0;
        std::string end = "timeout";
        for (;;) {
          pollfd p{conn.fd(), POLLIN | POLLRDHUP, static_cast<short>(0)};
          const auto left = o.timeout - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
          if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
          const ssize_t n = ::recv(conn.fd(), buf, sizeof buf, 0);
          if (n > 0) {
            answered += static_cast<size_t>(n);
            continue;
          }
          end = n == 0 ? (answered ? "answered_closed" : "closed") : "reset";
          break;
        }
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        ++mine[kind + end];
      }
      std::lock_guard lock(m);
      for (const auto& [k, v] : mine) ends[k] += v;
      close_ms.insert(close_ms.end(), ms.begin(), ms.end());
    });
  for (auto& t : threads) t.join();
  long held = 0, total = 0;
  nlohmann::json e = nlohmann::json::object();
  for (const auto& [k, v] : ends) {
    e[k] = v;
    total += v;
    if (k.ends_with("timeout") || k.ends_with("connect_failed")) held += v;
  }
  return {{"mode", "garbage"},
          {"connections", total},
          {"ends", e},
          {"unclean", held},
          {"close_ms_median", median(close_ms)},
          {"close_ms_max", close_ms.empty() ? 0.0 : *std::max_element(close_ms.begin(), close_ms.end())}};
}

}  // namespace gate_load
