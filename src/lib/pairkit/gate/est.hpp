// EST on the gate (RFC 7030 with RFC 8951; pairkit-gate(1), EST): cacerts,
// simpleenroll and simplereenroll for paired terminals, from the CA of
// [gate] ca, and which terminal a CA-issued certificate belongs to. One per
// worker thread, with its own index connection and signer.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <botan/rng.h>

#include "pairkit/ca/index_store.hpp"
#include "pairkit/core/clock.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/gate/gate_ca.hpp"
#include "pairkit/gate/handler.hpp"
#include "pairkit/gate/log.hpp"
#include "pairkit/gate/metrics.hpp"
#include "pairkit/pairing/registry.hpp"

namespace pairkit::gate {

/// Where the gate's CA comes from: the current one, swapped by a reload.
/// Workers take a reference per request.
class CaHolder {
public:
  std::shared_ptr<const GateCa> get() const;
  void set(std::shared_ptr<const GateCa> ca);

private:
  mutable std::mutex mu_;
  std::shared_ptr<const GateCa> ca_;
};

/// Whom a presented certificate speaks for.
struct TerminalOf {
  std::optional<std::string> serial;  ///< the paired terminal, when it stands
  std::string pairing_fingerprint;    ///< the certificate it is paired with (the one given, or the one it was issued for)
  std::string code;                   ///< otherwise why not: not_paired, unpaired, revoked, expired
  std::string message;
};

class Est {
public:
  /// `after_issue` runs after a certificate is recorded and before it is
  /// answered (tests kill the gate there); may be empty.
  Est(Metrics& metrics, LogSink& log, const Clock& clock, Botan::RandomNumberGenerator& rng,
      std::function<void()> after_issue = {})
      : metrics_(metrics), log_(log), clock_(clock), rng_(rng), after_issue_(std::move(after_issue)) {}
  ~Est();

  /// GET /.well-known/est/cacerts.
  HttpResponse cacerts(const GateCa& ca);
  /// POST simpleenroll (reenroll false) or simplereenroll.
  HttpResponse enroll(const HttpRequest& request, const GateConfig& config, const std::shared_ptr<const GateCa>& ca,
                      pairing::Registry& registry, bool reenroll);
  /// The terminal a certificate (SHA-256, colon hex) speaks for: the one it
  /// is paired with, or, with a CA, the one the CA issued it to over EST
  /// while that pairing stands, unless revoked or expired.
  TerminalOf terminal_of(const std::string& cert_sha256, const GateCa* ca, const GateConfig& config,
                         pairing::Registry& registry);

private:
  ca::IndexStore& index(const GateCa& ca, const GateConfig& config);

  Metrics& metrics_;
  LogSink& log_;
  const Clock& clock_;
  Botan::RandomNumberGenerator& rng_;
  std::function<void()> after_issue_;
  std::unique_ptr<ca::IndexStore> index_;
  std::string index_path_;            ///< what index_ was opened for
  std::shared_ptr<const GateCa> ca_;  ///< what issuer_ signs for (kept alive: it holds the key)
  std::unique_ptr<crypto::Issuer> issuer_;
};

}  // namespace pairkit::gate
