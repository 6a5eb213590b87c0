// The boundary between the transport (server.cpp) and the routes: a request
// as the gate read it, with its client certificate, and the answer.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "pairkit/gate/gate_config.hpp"
#include "pairkit/gate/request.hpp"

namespace pairkit::gate {

struct HttpRequest {
  std::string method;
  Route route;
  std::string content_type;
  std::string body;
  std::string remote_address;       ///< "127.0.0.1", "::1" (no port)
  std::vector<uint8_t> client_der;  ///< the peer certificate, empty without one
  std::string client_sha256;        ///< its SHA-256, colon hex, or empty
  std::string client_pem;           ///< its PEM, or empty
  std::string server_sha256;        ///< the gate's certificate as this connection saw it (with a client certificate)
  std::string server_pem;
  std::string if_none_match;      ///< GET /v1/crl only: the conditional headers, as sent
  std::string if_modified_since;
  bool via_proxy = false;      ///< on the [check] listener: a trusted local proxy asks
  std::string forwarded_cert;  ///< GET /v1/check there: the [check] cert_header, as sent
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  int retry_after = 0;      ///< seconds; a Retry-After header when positive
  std::string allow;        ///< an Allow header (405)
  std::string cache_control;  ///< the Cache-Control value; empty: no-store
  std::string headers;      ///< further header lines, each "Name: value\r\n"
  std::string error_code;   ///< the stable code of an error answer (for the log)
  int64_t request_id = 0;   ///< the pairing request concerned (for the log)
};

/// {"error": {"code": ..., "message": ...}} with its status.
HttpResponse error_response(int status, const std::string& code, const std::string& message);

/// Answers requests on one worker thread: a worker's handler is never called
/// concurrently, so it may hold a connection (SQLite's are per thread).
/// handle() must not throw for anything a client sends; the server turns
/// any exception that escapes into a 500 and a log line.
class Handler {
public:
  virtual ~Handler() = default;
  /// `config` is the gate's configuration as of this request (SIGHUP reloads it).
  virtual HttpResponse handle(const HttpRequest& request, const GateConfig& config) = 0;
};

}  // namespace pairkit::gate
