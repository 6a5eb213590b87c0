// Routing a request to its answer; every failure of the registry becomes a
// 503 (never a hang: the registry's busy timeout is limits.registry_timeout).
#include "pairkit/gate/routes.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/x509.hpp"
#include "pairkit/gate/terminal_config.hpp"

namespace pairkit::gate {

namespace {

HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

HttpResponse refused(int status, const std::string& code, const std::string& reason, const std::string& fallback) {
  return error_response(status, code, reason.empty() ? fallback : reason);
}

}  // namespace

pairing::Registry& Routes::registry(const GateConfig& config) {
  if (!registry_ || registry_location_ != config.registry || registry_keeps_ != config.keep_answers) {
    registry_.reset();
    pairing::RegistryOptions opts;
    opts.if_missing = IfMissing::fail;
    opts.busy_timeout = config.limits.registry_timeout;
    opts.keep_answers = config.keep_answers;
    registry_ = pairing::open_registry(config.registry, opts);
    registry_location_ = config.registry;
    registry_keeps_ = config.keep_answers;
  }
  polls_.watch(config.config_dir);
  return *registry_;
}

HttpResponse Routes::unavailable(const GateConfig& config, const std::string& why) {
  // A connection that failed may be stuck in a broken state: the next request opens a new one.
  registry_.reset();
  metrics_.registry_unavailable();
  log_.line(Severity::error, format_event(clock_.now(), Severity::error, "registry unavailable: " + why, config.log_format));
  auto r = error_response(503, "unavailable", "the gate's registry is unavailable; try again later");
  r.retry_after = static_cast<int>(config.poll_interval.count());
  return r;
}

HttpResponse Routes::healthz(const GateConfig& config) {
  try {
    registry(config).pending_count(clock_);
  } catch (const Error& e) {
    auto r = unavailable(config, e.what());
    r.body = nlohmann::json{{"status", "unavailable"}, {"reason", "the registry cannot be read"}}.dump();
    return r;
  }
  return json_response(200, {{"status", "ok"}});
}

HttpResponse Routes::metrics(const GateConfig& config) {
  int64_t pending = -1;
  try {
    pending = registry(config).pending_count(clock_);
  } catch (const Error& e) {
    unavailable(config, e.what());
  }
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics_.render(pending);
  return r;
}

HttpResponse Routes::row_answer(const pairing::RequestRow& row, const GateConfig& config, int pending_status) {
  const auto id = row.id;
  HttpResponse r;
  switch (row.state) {
    case pairing::State::pending:
      r = json_response(pending_status, {{"id", id},
                                         {"state", "pending"},
                                         {"serial", row.serial},
                                         {"nonce", row.nonce},
                                         {"expires_at", format_time(row.expires_at)},
                                         {"poll", "/v1/pair/" + std::to_string(id)}});
      r.retry_after = static_cast<int>(config.poll_interval.count());
      break;
    case pairing::State::paired:
      r = json_response(200, {{"id", id},
                              {"state", "paired"},
                              {"serial", row.serial},
                              {"approved_by", row.decided_by},
                              {"config", terminal_config(config, row.serial)}});
      break;
    case pairing::State::unpaired:
      r = json_response(200, {{"id", id},
                              {"state", "unpaired"},
                              {"serial", row.serial},
                              {"message", "this terminal's pairing was broken; pair again"}});
      break;
    case pairing::State::rejected:
    case pairing::State::expired:
      // One answer for both: the terminal cannot tell them apart (the audit log can).
      r = json_response(200, {{"id", id},
                              {"state", "closed"},
                              {"serial", row.serial},
                              {"message", "the request was rejected or it expired"}});
      break;
  }
  r.request_id = id;
  return r;
}

HttpResponse Routes::join(const HttpRequest& request, const GateConfig& config) {
  if (!is_json_content_type(request.content_type))
    return error_response(415, "unsupported_media_type", "the body must be application/json");
  JoinBody body;
  try {
    body = parse_join_body(request.body);
  } catch (const BadRequest& e) {
    return error_response(400, "bad_request", e.message);
  }
  if (auto answer = join_by_issued(request, config)) return *answer;
  pairing::JoinRequest req;
  req.serial = body.serial;
  req.terminal = {request.client_sha256, request.client_pem};
  req.server = {request.server_sha256, request.server_pem};
  req.source_address = request.remote_address;
  req.invite = body.invite;
  pairing::JoinPolicy policy;
  policy.require_expected = config.require_expected;
  policy.auto_approve_expected = config.auto_approve_expected;
  policy.max_pending_per_address = config.limits.max_pending_per_address;
  policy.max_pending = config.limits.max_pending;
  policy.lifetime = config.request_lifetime;
  const auto outcome = registry(config).join(req, policy, *rng_, clock_);
  switch (outcome.result) {
    case pairing::JoinResult::pending: return row_answer(outcome.row, config, 202);
    case pairing::JoinResult::paired: return row_answer(outcome.row, config, 200);
    case pairing::JoinResult::denied:
      return refused(403, "denied", outcome.reason, "this address or certificate is denied");
    case pairing::JoinResult::not_expected:
      return refused(403, "not_expected", outcome.reason, "this serial was not pre-registered");
    case pairing::JoinResult::invite_refused:
      return refused(403, "invite_refused", outcome.reason, "the invite is unknown, used or expired");
    case pairing::JoinResult::unpaired:
      return refused(403, "unpaired", outcome.reason, "this certificate's pairing was broken");
    case pairing::JoinResult::too_many_pending: {
      auto r = refused(429, "too_many_pending", outcome.reason, "too many pending requests; try again later");
      r.retry_after = static_cast<int>(config.poll_interval.count());
      return r;
    }
  }
  return error_response(500, "internal", "unknown join result");
}

HttpResponse Routes::status(const HttpRequest& request, const GateConfig& config) {
  auto& reg = registry(config);
  if (config.master_address != answered_master_address_ || config.master_fingerprint != answered_master_fingerprint_ ||
      config.poll_interval != answered_poll_interval_) {
    polls_.clear();
    answered_master_address_ = config.master_address;
    answered_master_fingerprint_ = config.master_fingerprint;
    answered_poll_interval_ = config.poll_interval;
  }
  const db::ChangeStamp stamp = config.keep_answers ? reg.change_stamp() : db::ChangeStamp{};
  if (config.keep_answers)
    if (const HttpResponse* cached = polls_.find(request.route.id, request.client_sha256, stamp)) return *cached;
  const auto row = reg.poll(request.route.id, request.client_sha256, clock_);
  if (!row) return error_response(404, "not_found", "no such request for this certificate");
  auto answer = row_answer(*row, config, 200);
  // A pending answer holds until its request expires at most.
  auto fresh_for = std::chrono::steady_clock::duration(PollCache::kFresh);
  if (row->state == pairing::State::pending)
    fresh_for = std::min<std::chrono::steady_clock::duration>(fresh_for, row->expires_at - clock_.now());
  if (config.keep_answers) polls_.put(request.route.id, request.client_sha256, answer, fresh_for, stamp);
  return answer;
}

std::optional<HttpResponse> Routes::join_by_issued(const HttpRequest& request, const GateConfig& config) {
  const auto ca = ca_.get();
  if (!ca) return std::nullopt;
  auto& reg = registry(config);
  const auto who = est_.terminal_of(request.client_sha256, ca.get(), config, reg);
  // The pairing certificate itself takes the registry's path (answered from reads).
  if (who.serial && who.pairing_fingerprint == request.client_sha256) return std::nullopt;
  if (!who.serial) {
    if (who.code == "not_paired") return std::nullopt;
    return error_response(403, who.code, who.message);
  }
  // Issued to a standing pairing: that pairing's row is the answer.
  const auto row = reg.latest_request(who.pairing_fingerprint, clock_);
  if (!row || row->state != pairing::State::paired) return std::nullopt;
  return row_answer(*row, config, 200);
}

HttpResponse Routes::config_of(const HttpRequest& request, const GateConfig& config) {
  const auto ca = ca_.get();
  const auto who = est_.terminal_of(request.client_sha256, ca.get(), config, registry(config));
  if (!who.serial) return error_response(403, who.code, who.message);
  return json_response(200, terminal_config(config, *who.serial));
}

HttpResponse Routes::est(const HttpRequest& request, const GateConfig& config) {
  const auto ca = ca_.get();
  switch (request.route.kind) {
    case RouteKind::est_cacerts:
      if (!ca) return error_response(404, "not_found", "this gate has no CA ([gate] ca in gate.toml)");
      return est_.cacerts(*ca);
    case RouteKind::est_csrattrs: {
      // RFC 7030 4.5.2: no attributes are required of a request.
      HttpResponse r;
      r.status = 204;
      r.content_type.clear();
      return r;
    }
    default:
      return est_.enroll(request, config, ca, registry(config), request.route.kind == RouteKind::est_simplereenroll);
  }
}

TerminalOf Routes::terminal_of(const std::vector<uint8_t>& cert_der, const std::string& sha256,
                                const GateConfig& config) {
  const auto details = crypto::describe_certificate(crypto::load_certificate(cert_der, "the client certificate"));
  if (details.not_after < clock_.now())
    return {std::nullopt, "", "expired", "this certificate expired on " + format_time(details.not_after)};
  auto& reg = registry(config);
  const auto ca = ca_.get();
  auto who = est_.terminal_of(sha256, ca.get(), config, reg);
  if (!who.serial && who.code == "not_paired")
    // A pairing certificate whose pairing was broken: its newest request says so.
    if (const auto row = reg.latest_request(sha256, clock_); row && row->state == pairing::State::unpaired)
      return {std::nullopt, "", "unpaired", "this certificate's pairing was broken; pair again"};
  return who;
}

HttpResponse Routes::check(const HttpRequest& request, const GateConfig& config) {
  std::vector<uint8_t> forwarded;
  std::string forwarded_sha256;
  if (request.via_proxy) {
    if (request.forwarded_cert.empty())
      return error_response(401, "client_certificate_required",
                            "the proxy passed no client certificate in " + config.check.cert_header);
    try {
      forwarded = forwarded_certificate(request.forwarded_cert);
    } catch (const BadRequest& e) {
      return error_response(400, "bad_request", config.check.cert_header + ": " + e.message);
    }
    forwarded_sha256 = crypto::fingerprint(forwarded, crypto::HashAlg::sha256, crypto::FpFormat::colon);
  } else if (request.client_sha256.empty()) {
    return error_response(401, "client_certificate_required", "present your device certificate (mutual TLS) to use /v1/check");
  }
  // On the TLS port a terminal asks about itself only: it cannot vouch for another.
  const auto& der = request.via_proxy ? forwarded : request.client_der;
  const auto& sha256 = request.via_proxy ? forwarded_sha256 : request.client_sha256;
  const auto who = terminal_of(der, sha256, config);
  if (!who.serial) return error_response(403, who.code, who.message);
  const auto& serial = who.serial;
  auto r = json_response(200, {{"paired", true}, {"serial", *serial}});
  // A serial goes into a header only as visible ASCII: nothing the registry holds may split the answer.
  if (std::all_of(serial->begin(), serial->end(), [](char c) { return c > ' ' && c < 0x7f; }))
    r.headers = "X-Pairkit-Serial: " + *serial + "\r\n";
  return r;
}

HttpResponse Routes::handle(const HttpRequest& request, const GateConfig& config) {
  const Route& route = request.route;
  // The [check] listener serves a trusted proxy its question and its health, nothing else.
  if (route.kind == RouteKind::unknown ||
      (request.via_proxy && route.kind != RouteKind::check && route.kind != RouteKind::healthz))
    return error_response(404, "not_found", "no such resource");
  if (request.method != route.allow) {
    auto r = error_response(405, "method_not_allowed", route.pattern + " takes " + route.allow);
    r.allow = route.allow;
    return r;
  }
  if (route.kind == RouteKind::healthz) return healthz(config);
  if (route.kind == RouteKind::metrics) return metrics(config);
  // A CRL is public: no client certificate needed.
  if (route.kind == RouteKind::crl)
    return crl_response(crl_ ? crl_->current().get() : nullptr, request, clock_.now(), config.crl.refresh_before);
  if (route.kind == RouteKind::check) {
    try {
      return check(request, config);
    } catch (const InputError& e) {
      return unavailable(config, e.what());
    }
  }
  // RFC 7030 4.1.1: the CA certificates are for anyone (a client bootstraps its trust with them).
  if (route.kind == RouteKind::est_cacerts || route.kind == RouteKind::est_csrattrs) return est(request, config);
  if (request.client_sha256.empty())
    return error_response(401, "client_certificate_required",
                          "present your device certificate (mutual TLS) to use " + route.pattern);
  try {
    HttpResponse r = route.kind == RouteKind::pair          ? join(request, config)
                     : route.kind == RouteKind::pair_status ? status(request, config)
                     : route.kind == RouteKind::config      ? config_of(request, config)
                                                            : est(request, config);
    // The first answer from the registry after it was unavailable, whichever
    // worker gives it (a worker whose connection was lost reconnects on its own).
    if (r.status != 503 && metrics_.registry_available())
      log_.line(Severity::info, format_event(clock_.now(), Severity::info, "registry available again", config.log_format));
    return r;
  } catch (const InputError& e) {
    // A busy or full registry, or a configuration folder over its limits: the terminal retries.
    return unavailable(config, e.what());
  }
}

}  // namespace pairkit::gate
