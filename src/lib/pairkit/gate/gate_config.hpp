// gate.toml: how a gate serves (pairkit-gate(1), "THE SERVER FOLDER"). It
// lives in SERVER_DIR next to the server identity (key.pem, cert.pem) that
// `device init --role server` wrote; relative paths in it are relative to
// SERVER_DIR. Every key is optional; the defaults are those below.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace pairkit::gate {

/// The file's name in SERVER_DIR.
inline constexpr const char* kGateConfigFile = "gate.toml";
/// The gate's TCP port.
inline constexpr uint16_t kDefaultPort = 7741;

enum class LogFormat { text, json };

struct Limits {
  std::chrono::milliseconds handshake_timeout{10'000};  ///< TLS handshake plus request headers
  std::chrono::milliseconds idle_timeout{15'000};       ///< an idle keep-alive connection
  std::chrono::milliseconds body_timeout{10'000};       ///< the body, once the headers are in
  std::chrono::milliseconds shutdown_grace{10'000};     ///< in-flight requests after SIGTERM
  std::chrono::milliseconds registry_timeout{2'000};    ///< a busy registry, then 503
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 64 * 1024;
  int max_pending_per_address = 3;
  int max_pending = 100;
  int max_connections = 2048;  ///< past it, new connections wait in the kernel's backlog
};

/// [est]: enrollment from the CA folder ([gate] ca).
struct EstConfig {
  std::string passphrase_file;                    ///< the CA key's passphrase, when it is encrypted
  std::optional<std::chrono::seconds> valid_for;  ///< default: ca.toml's terminal lifetime
  bool revoke_on_renew = false;                   ///< revoke the certificate a renewal replaces (superseded)
  std::chrono::seconds expired_grace{0};          ///< how long after notAfter a certificate may still renew
};

/// [crl]: the CRL GET /v1/crl serves.
struct CrlConfig {
  std::string file = "crl.pem";                      ///< in the CA folder unless absolute
  std::chrono::seconds refresh_before{24 * 60 * 60};  ///< key held: re-issue this long before nextUpdate; else warn
};

/// [check]: the plain-HTTP listener where a trusted local proxy asks GET /v1/check.
struct CheckConfig {
  std::string listen;  ///< "127.0.0.1:7742", "[::1]:7742" or "unix:/path"; empty: no listener
  std::string cert_header = "X-SSL-Client-Cert";  ///< where the proxy puts the client certificate
};

struct GateConfig {
  std::string server_dir;                  ///< absolute or as given
  std::string listen = "[::]:7741";        ///< [gate] listen
  std::string public_address;              ///< [gate] public_address: what invites tell terminals to dial
  std::string registry;                    ///< [gate] registry: a path (SERVER_DIR/pairing.db) or URL
  std::string config_dir;                  ///< [gate] config_dir: SERIAL/ or default/ files (SERVER_DIR/config)
  bool require_expected = false;           ///< [gate] require_expected
  bool auto_approve_expected = false;      ///< [gate] auto_approve_expected (EST issue: fleet pre-registration)
  bool keep_answers = true;                ///< [gate] keep_answers: between requests, until the registry changes
  LogFormat log_format = LogFormat::text;  ///< [gate] log_format = "text" | "json"
  std::chrono::seconds request_lifetime{15 * 60};  ///< [gate] request_lifetime: a pending request
  std::chrono::seconds poll_interval{5};           ///< [gate] poll_interval: Retry-After while pending
  std::chrono::seconds invite_valid_for{10 * 60};  ///< [invites] valid_for: gate invite's default
  std::string master_address;                      ///< [master] address: the service terminals use
  std::string master_fingerprint;                  ///< [master] fingerprint, or of [master] cert (colon hex)
  std::string ca_dir;                              ///< [gate] ca: the CA folder EST issues from
  EstConfig est;                                   ///< [est] ...
  CrlConfig crl;                                   ///< [crl] ...
  CheckConfig check;                               ///< [check] ...
  Limits limits;                                   ///< [limits] ...
};

/// The CRL file: [crl] file, in [gate] ca unless absolute; empty without a CA folder.
std::string crl_path(const GateConfig& config);

/// Reads SERVER_DIR/gate.toml; a missing file gives the defaults. Throws
/// InputError naming the file and key for an unknown key, a wrong type or a
/// value out of range (durations as pairkit(1) spells them).
GateConfig read_gate_config(const std::string& server_dir);

/// Parses gate.toml text (for tests and the fuzz target); `name` is used in messages.
GateConfig parse_gate_config(std::string_view text, const std::string& name, const std::string& server_dir);

}  // namespace pairkit::gate
