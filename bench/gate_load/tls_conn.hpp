// One client TLS connection for the gate load generator: connect to
// 127.0.0.1, handshake with a client certificate, write a request, read one
// HTTP/1.1 response; every failure is classified rather than thrown.
#pragma once
#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace gate_load {

/// A client identity: the SSL_CTX holding one certificate and key. The server's
/// certificate is not verified: the load generator measures, it does not trust.
class Identity {
 public:
  Identity(const std::string& cert_file, const std::string& key_file);
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;
  ~Identity();
  SSL_CTX* ctx() const { return ctx_; }

 private:
  SSL_CTX* ctx_ = nullptr;
};

/// How an exchange ended. `ok` means a whole response was read.
enum class Outcome { ok, connect, handshake, reset, closed_early, timeout, bad_response };
const char* outcome_name(Outcome o);

struct Response {
  int status = 0;
  bool retry_after = false;  ///< a Retry-After header was present
  bool close = false;        ///< the server said Connection: close
  size_t body_bytes = 0;
  std::string body;          ///< kept up to 4 KiB
};

/// A TCP connection to 127.0.0.1:port, optionally with TLS on it.
class Conn {
 public:
  Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  Conn(Conn&& o) noexcept;
  Conn& operator=(Conn&& o) noexcept;
  ~Conn();

  /// TCP connect from `source` (an address of 127.0.0.0/8, or "" for the
  /// kernel's choice) with send and receive timeouts.
  Outcome connect_tcp(uint16_t port, const std::string& source, std::chrono::milliseconds timeout);
  /// The TLS handshake on a connected socket.
  Outcome handshake(const Identity& id);
  /// Writes all of `data` (through TLS once the handshake is done).
  Outcome write_all(const std::string& data);
  /// Reads one response: headers, then Content-Length bytes (or to EOF).
  Outcome read_response(Response& r);
  /// True when the peer has closed (or reset) the connection; never blocks.
  bool peer_closed();
  /// Sends close_notify if TLS is up, then closes the socket.
  void close();
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }

 private:
  Outcome read_some(char* buf, size_t cap, size_t& got);
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool failed_ = false;  ///< a fatal read or write error: no close_notify
  std::string pending_;  ///< bytes read past the end of the previous response
};

}  // namespace gate_load
