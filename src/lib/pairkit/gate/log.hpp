// The gate's log: one line per request and per event, formatted here and
// written by whoever implements LogSink (the CLI: stderr, fit for journald).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "pairkit/core/clock.hpp"
#include "pairkit/gate/gate_config.hpp"

namespace pairkit::gate {

/// syslog severities, as journald reads a "<N>" prefix.
enum class Severity { error = 3, warning = 4, info = 6 };

/// Where the gate's lines go; called from every worker thread, so an
/// implementation writes each line whole (one write).
class LogSink {
public:
  virtual ~LogSink() = default;
  virtual void line(Severity severity, std::string_view text) = 0;
  /// Several lines at once, each ending in a newline (a worker's request
  /// lines, gathered while it was busy); by default one line() each.
  virtual void lines(Severity severity, std::string_view block);
};

/// What one request leaves in the log. Never a secret (no nonce, no invite,
/// no body) and never a whole certificate: a short fingerprint.
struct RequestLog {
  TimePoint at{};
  std::string remote;       ///< "127.0.0.1:53412"
  std::string method;       ///< as sent, cut to 16 characters
  std::string route;        ///< the route pattern, not the path
  int status = 0;
  std::chrono::microseconds took{0};
  std::string fingerprint;  ///< the client certificate's SHA-256, colon hex, or empty
  int64_t request_id = 0;   ///< the pairing request concerned, 0 if none
  std::string error;        ///< the error code of an error answer
};

/// One line, without a newline: "key=value ..." or a JSON object.
std::string format_request(const RequestLog& r, LogFormat format);
/// An event ("listening on ...", "reload failed: ..."): one line.
std::string format_event(TimePoint at, Severity severity, std::string_view message, LogFormat format);

}  // namespace pairkit::gate
