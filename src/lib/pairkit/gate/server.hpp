// The gate's server: HTTP/1.1 over TLS (Boost.Beast over OpenSSL), a small
// pool of worker threads, the limits of gate.toml, graceful stop and reload.
#pragma once
#include <functional>

#include <botan/pk_keys.h>
#include <memory>
#include <string>

#include "pairkit/core/clock.hpp"
#include "pairkit/gate/gate_config.hpp"
#include "pairkit/gate/handler.hpp"
#include "pairkit/gate/log.hpp"
#include "pairkit/gate/metrics.hpp"

namespace pairkit::gate {

struct ServerHooks {
  /// One handler per worker thread, made on that thread's behalf before it
  /// serves (a worker's handler is never called concurrently).
  std::function<std::unique_ptr<Handler>(int worker)> make_handler;
  /// SIGHUP: the new configuration (the caller re-reads gate.toml and applies
  /// its flags). A throw keeps the old configuration and is logged.
  std::function<GateConfig()> reload;
  /// The gate's TLS key when SERVER_DIR's device.toml names a key in a
  /// token (its pkcs11: URI): the caller holds the module and the PIN.
  std::function<std::shared_ptr<const Botan::Private_Key>(const std::string& uri)> token_key;
  LogSink* log = nullptr;
  Metrics* metrics = nullptr;
  const Clock* clock = nullptr;
  int threads = 2;
};

class Server {
public:
  /// Loads the TLS identity (SERVER_DIR/key.pem, cert.pem) and binds
  /// config.listen ("[::]:7741", "127.0.0.1:0") and config.check.listen
  /// when set (plain HTTP: GET /v1/check and /healthz for a local proxy). Throws InputError for an
  /// identity that does not load or an address that cannot be bound,
  /// UsageError for a malformed address.
  Server(const GateConfig& config, ServerHooks hooks);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// The address and port actually bound ("127.0.0.1:40123", "[::]:7741").
  std::string endpoint() const;
  /// The [check] listener's ("127.0.0.1:40124", "unix:/run/..."), or empty.
  std::string check_endpoint() const;

  /// Serves until SIGTERM or SIGINT (or stop()): then it stops accepting,
  /// lets in-flight requests finish within limits.shutdown_grace, closes
  /// idle connections and returns. SIGHUP reloads (ServerHooks::reload) and
  /// reloads the certificate and key. The signals are the server's own
  /// while run() lasts.
  void run();

  /// Begins the graceful stop; safe from any thread.
  void stop();

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

/// Splits "HOST:PORT", "[V6]:PORT": UsageError unless HOST is an IP
/// address and PORT is 0..65535.
std::pair<std::string, uint16_t> parse_listen_address(const std::string& text);

}  // namespace pairkit::gate
