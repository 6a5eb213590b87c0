// The gate's routes (pairkit-gate(1), API): what each answers, on top of the
// registry. One Routes per worker thread, with its own registry connection.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <botan/rng.h>

#include "pairkit/core/clock.hpp"
#include "pairkit/gate/crl_service.hpp"
#include "pairkit/gate/est.hpp"
#include "pairkit/gate/handler.hpp"
#include "pairkit/gate/log.hpp"
#include "pairkit/gate/metrics.hpp"
#include "pairkit/gate/poll_cache.hpp"
#include "pairkit/pairing/registry.hpp"

namespace pairkit::gate {

class Routes : public Handler {
public:
  /// `metrics`, `log`, `clock`, `ca` and `crl` outlive the routes; `rng` is
  /// this worker's; `after_issue` as in Est. Without `crl`, GET /v1/crl
  /// answers 503.
  Routes(Metrics& metrics, LogSink& log, const Clock& clock, std::unique_ptr<Botan::RandomNumberGenerator> rng,
         const CaHolder& ca, std::function<void()> after_issue = {}, const CrlService* crl = nullptr)
      : metrics_(metrics), log_(log), clock_(clock), rng_(std::move(rng)), ca_(ca),
        est_(metrics, log, clock, *rng_, std::move(after_issue)), crl_(crl) {}
  HttpResponse handle(const HttpRequest& request, const GateConfig& config) override;

private:
  /// The worker's registry connection, (re)opened for config.registry; throws
  /// InputError when it cannot be opened.
  pairing::Registry& registry(const GateConfig& config);
  /// Whom a certificate speaks for, the one place GET /v1/check asks:
  /// Est::terminal_of (paired, or issued here over EST to a pairing that
  /// stands, not revoked), and besides, any certificate past its notAfter is
  /// expired and a pairing certificate whose pairing was broken is unpaired.
  TerminalOf terminal_of(const std::vector<uint8_t>& cert_der, const std::string& sha256, const GateConfig& config);
  /// GET /v1/check: about the connection's certificate, or on the [check]
  /// listener the one the proxy passed.
  HttpResponse check(const HttpRequest& request, const GateConfig& config);
  HttpResponse healthz(const GateConfig& config);
  HttpResponse metrics(const GateConfig& config);
  HttpResponse join(const HttpRequest& request, const GateConfig& config);
  HttpResponse status(const HttpRequest& request, const GateConfig& config);
  HttpResponse config_of(const HttpRequest& request, const GateConfig& config);
  /// Everything under /.well-known/est/.
  HttpResponse est(const HttpRequest& request, const GateConfig& config);
  /// POST /v1/pair from a certificate the CA issued over EST to a paired
  /// terminal: that pairing's answer; nullopt for any other certificate.
  std::optional<HttpResponse> join_by_issued(const HttpRequest& request, const GateConfig& config);
  /// The answer for a request row as its terminal sees it (POST and GET /v1/pair/{id}).
  HttpResponse row_answer(const pairing::RequestRow& row, const GateConfig& config, int pending_status);
  /// 503 with Retry-After and a log line, for a registry that is busy, full or gone.
  HttpResponse unavailable(const GateConfig& config, const std::string& why);

  Metrics& metrics_;
  LogSink& log_;
  const Clock& clock_;
  std::unique_ptr<Botan::RandomNumberGenerator> rng_;
  const CaHolder& ca_;
  Est est_;
  const CrlService* crl_;
  std::unique_ptr<pairing::Registry> registry_;
  std::string registry_location_;
  bool registry_keeps_ = true;  ///< the open registry's RegistryOptions::keep_answers
  PollCache polls_;
  /// What of gate.toml the cached answers hold: a reload that changes it drops them.
  std::string answered_master_address_, answered_master_fingerprint_;
  std::chrono::seconds answered_poll_interval_{0};
};

}  // namespace pairkit::gate
