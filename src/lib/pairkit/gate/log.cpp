// The gate's log lines: text for people, JSON for collectors; one line each.
#include "pairkit/gate/log.hpp"

#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "pairkit/core/duration.hpp"

namespace pairkit::gate {

namespace {

/// The first 8 bytes of a fingerprint ("AB:CD:EF:01:23:45:67:89"): enough to
/// find the request in `pair list`, never the whole certificate.
std::string_view short_fingerprint(const std::string& fp) { return std::string_view(fp).substr(0, 23); }

/// Keeps a text log line one line whatever a client sent as its method.
void append_printable(std::string& out, std::string_view s, size_t max) {
  for (const char c : s.substr(0, max)) out += (c > ' ' && c < 127 && c != '"') ? c : '?';
}

std::string printable(std::string_view s, size_t max) {
  std::string out;
  append_printable(out, s, max);
  return out;
}

void append_number(std::string& out, long long n) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

/// format_time, made once a second per thread rather than once a line.
const std::string& time_text(TimePoint at) {
  thread_local TimePoint last{};
  thread_local std::string text = format_time(last);
  if (at != last) {
    last = at;
    text = format_time(at);
  }
  return text;
}

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::info: return "info";
  }
  return "info";
}

}  // namespace

void LogSink::lines(Severity severity, std::string_view block) {
  while (!block.empty()) {
    const auto end = block.find('\n');
    line(severity, block.substr(0, end));
    if (end == std::string_view::npos) break;
    block.remove_prefix(end + 1);
  }
}

std::string format_request(const RequestLog& r, LogFormat format) {
  // Milliseconds with three decimals, by integers (a line per request).
  char took[32];
  const auto us = r.took.count() < 0 ? 0 : r.took.count();
  char* end = std::to_chars(took, took + 20, us / 1000).ptr;
  *end++ = '.';
  for (long long div = 100, rest = us % 1000; div > 0; div /= 10) *end++ = static_cast<char>('0' + rest / div % 10);
  *end = '\0';
  const double ms = static_cast<double>(us) / 1000.0;
  const std::string_view fp = r.fingerprint.empty() ? std::string_view("-") : short_fingerprint(r.fingerprint);
  if (format == LogFormat::json) {
    nlohmann::json j = {{"time", time_text(r.at)}, {"remote", r.remote}, {"method", printable(r.method, 16)},
                        {"route", r.route},          {"status", r.status}, {"duration_ms", ms},
                        {"client", std::string(fp)}};
    if (r.request_id > 0) j["request_id"] = r.request_id;
    if (!r.error.empty()) j["error"] = r.error;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  // One allocation: a line is written for every request.
  std::string line;
  line.reserve(128 + r.remote.size() + r.route.size() + r.error.size());
  line += time_text(r.at);
  line += ' ';
  line += r.remote;
  line += ' ';
  append_printable(line, r.method, 16);
  line += ' ';
  line += r.route;
  line += ' ';
  append_number(line, r.status);
  line += ' ';
  line += took;
  line += "ms client=";
  line += fp;
  if (r.request_id > 0) {
    line += " request=";
    append_number(line, r.request_id);
  }
  if (!r.error.empty()) {
    line += " error=";
    line += r.error;
  }
  return line;
}

std::string format_event(TimePoint at, Severity severity, std::string_view message, LogFormat format) {
  if (format == LogFormat::json)
    return nlohmann::json{{"time", format_time(at)}, {"level", severity_name(severity)}, {"message", message}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string line = format_time(at) + " " + severity_name(severity) + ": ";
  for (const char c : message) line += (c == '\n' || c == '\r') ? ' ' : c;
  return line;
}

}  // namespace pairkit::gate
