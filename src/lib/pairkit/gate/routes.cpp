// Routing a request to its answer; every failure of the registry becomes a
// 503 (never a hang: the registry's busy timeout is limits.registry_timeout).
#include "pairkit/gate/routes.hpp"

#include <nlohmann/json.hpp>

#include "pairkit/core/error.hpp"

namespace pairkit::gate {

namespace {

HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace

pairing::Registry& Routes::registry(const GateConfig& config) {
  if (!registry_ || registry_location_ != config.registry) {
    registry_.reset();
    pairing::RegistryOptions opts;
    opts.if_missing = IfMissing::fail;
    opts.busy_timeout = config.limits.registry_timeout;
    registry_ = pairing::open_registry(config.registry, opts);
    registry_location_ = config.registry;
  }
  return *registry_;
}

HttpResponse Routes::unavailable(const GateConfig& config, const std::string& why) {
  // A connection that failed may be stuck in a broken state: the next request opens a new one.
  registry_.reset();
  log_.line(Severity::error, format_event(clock_.now(), Severity::error, "registry unavailable: " + why, config.log_format));
  auto r = error_response(503, "unavailable", "the gate's registry is unavailable; try again later");
  r.retry_after = static_cast<int>(config.poll_interval.count());
  return r;
}

HttpResponse Routes::healthz(const GateConfig& config) {
  try {
    registry(config).list(pairing::State::pending, clock_);
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
    pending = static_cast<int64_t>(registry(config).list(pairing::State::pending, clock_).size());
  } catch (const Error& e) {
    unavailable(config, e.what());
  }
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics_.render(pending);
  return r;
}

HttpResponse Routes::handle(const HttpRequest& request, const GateConfig& config) {
  const Route& route = request.route;
  if (route.kind == RouteKind::unknown || route.kind == RouteKind::pair || route.kind == RouteKind::pair_status ||
      route.kind == RouteKind::config)
    return error_response(404, "not_found", "no such resource");
  if (request.method != route.allow) {
    auto r = error_response(405, "method_not_allowed", route.pattern + " takes " + route.allow);
    r.allow = route.allow;
    return r;
  }
  if (route.kind == RouteKind::healthz) return healthz(config);
  return metrics(config);
}

}  // namespace pairkit::gate
