// EST on the gate (see est.hpp).
#include "pairkit/gate/est.hpp"

#include <nlohmann/json.hpp>

#include "pairkit/ca/enrollment.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/pkcs7.hpp"
#include "pairkit/gate/request.hpp"

namespace pairkit::gate {

namespace {

constexpr const char* kCertsOnly = "application/pkcs7-mime; smime-type=certs-only";

HttpResponse pkcs7_response(const std::vector<uint8_t>& cert_der, const char* content_type) {
  HttpResponse r;
  r.content_type = content_type;
  const std::vector<std::vector<uint8_t>> certs{cert_der};
  r.body = crypto::est_base64(crypto::certs_only_pkcs7(certs));
  // RFC 7030 4.1.3 names it; RFC 8951 tells clients to ignore it. Said for the older clients.
  r.headers = "Content-Transfer-Encoding: base64\r\n";
  return r;
}

}  // namespace

std::shared_ptr<const GateCa> CaHolder::get() const {
  std::lock_guard lock(mu_);
  return ca_;
}

void CaHolder::set(std::shared_ptr<const GateCa> ca) {
  std::lock_guard lock(mu_);
  ca_ = std::move(ca);
}

Est::~Est() = default;

ca::IndexStore& Est::index(const GateCa& ca, const GateConfig& config) {
  const std::string path = ca.dir().index_location();
  if (!index_ || index_path_ != path) {
    index_.reset();
    index_ = ca::open_index(path, config.limits.registry_timeout);
    index_path_ = path;
  }
  return *index_;
}

HttpResponse Est::cacerts(const GateCa& ca) { return pkcs7_response(ca.cert_der(), "application/pkcs7-mime"); }

TerminalOf Est::terminal_of(const std::string& cert_sha256, const GateCa* ca, const GateConfig& config,
                            pairing::Registry& registry) {
  if (auto serial = registry.paired_serial(cert_sha256)) return {serial, cert_sha256, "", ""};
  const auto entry = ca ? index(*ca, config).find_by_sha256(cert_sha256) : std::nullopt;
  if (!entry || entry->pairing_fingerprint.empty())
    return {std::nullopt, "", "not_paired", "this certificate is not paired"};
  if (registry.paired_serial(entry->pairing_fingerprint) != entry->terminal)
    return {std::nullopt, "", "unpaired", "the pairing this certificate was issued for was broken; pair again"};
  if (entry->status == "revoked")
    return {std::nullopt, "", "revoked", "certificate " + entry->serial + " is revoked"};
  if (entry->not_after < clock_.now())
    return {std::nullopt, "", "expired", "certificate " + entry->serial + " expired on " + format_time(entry->not_after)};
  return {entry->terminal, entry->pairing_fingerprint, "", ""};
}

HttpResponse Est::enroll(const HttpRequest& request, const GateConfig& config, const std::shared_ptr<const GateCa>& ca,
                         pairing::Registry& registry, bool reenroll) {
  if (!ca) return error_response(404, "not_found", "this gate does not enroll: it has no CA ([gate] ca in gate.toml)");
  if (!is_content_type(request.content_type, "application/pkcs10"))
    return error_response(415, "unsupported_media_type", "the body must be application/pkcs10 (base64 DER, RFC 7030 4.2.1)");
  if (!ca->key()) {
    auto r = error_response(503, "unavailable", "this gate does not hold the CA key: it serves cacerts and the CRL only");
    r.retry_after = 3600;
    return r;
  }
  ca::EnrollSpec spec;
  spec.client_der = request.client_der;
  spec.valid_for = config.est.valid_for;
  spec.revoke_on_renew = config.est.revoke_on_renew;
  spec.expired_grace = config.est.expired_grace;
  spec.now = clock_.now();
  const std::string& fp = request.client_sha256;
  auto& idx = index(*ca, config);
  if (!reenroll) {
    if (auto serial = registry.paired_serial(fp)) {
      spec.terminal = *serial;
      spec.pairing_fingerprint = fp;
    } else if (const auto row = registry.latest_request(fp, clock_)) {
      if (row->state == pairing::State::pending) {
        HttpResponse r;
        r.status = 202;
        r.body = nlohmann::json{{"state", "pending"},
                                {"id", row->id},
                                {"serial", row->serial},
                                {"message", "the pairing is waiting for an operator"}}
                     .dump();
        r.retry_after = static_cast<int>(config.poll_interval.count());
        r.request_id = row->id;
        return r;
      }
      if (row->state == pairing::State::unpaired || row->state == pairing::State::paired)
        return error_response(403, "unpaired", "this certificate's pairing was broken; pair again");
      return error_response(403, "rejected", "this certificate's pairing request was rejected or it expired");
    } else if (idx.find_by_sha256(fp)) {
      return error_response(403, "not_paired",
                            "this is a certificate the CA issued: renew it with simplereenroll (gate renew)");
    } else {
      return error_response(403, "not_paired", "this certificate is not paired: pair with gate join first");
    }
  } else {
    auto entry = idx.find_by_sha256(fp);
    if (!entry || entry->pairing_fingerprint.empty()) {
      if (registry.paired_serial(fp))
        return error_response(403, "not_issued_here",
                              "this is the pairing certificate: enroll first with simpleenroll (gate enroll)");
      return error_response(403, "not_issued_here", "this certificate was not issued over EST by this gate's CA");
    }
    if (registry.paired_serial(entry->pairing_fingerprint) != entry->terminal)
      return error_response(403, "unpaired", "the pairing this certificate was issued for was broken; pair again");
    spec.terminal = entry->terminal;
    spec.pairing_fingerprint = entry->pairing_fingerprint;
    spec.current = std::move(entry);
  }
  try {
    spec.csr_der = crypto::read_est_base64(request.body, "the request body");
  } catch (const InputError& e) {
    return error_response(400, "bad_request", e.what());
  }
  if (!issuer_ || ca_ != ca) {
    issuer_ = std::make_unique<crypto::Issuer>(*ca->key(), ca->dir().cert(), rng_);
    ca_ = ca;
  }
  ca::EnrollResult result;
  try {
    result = ca::enroll(idx, *issuer_, ca->dir(), spec, rng_);
  } catch (const InputError&) {
    index_.reset();  // a connection that failed may be stuck: the next request opens a new one
    throw;
  }
  if (result.status == ca::EnrollResult::refused)
    return error_response(result.code == "bad_request" ? 400 : 403, result.code, result.message);
  if (result.status == ca::EnrollResult::issued) {
    metrics_.certificate_issued(spec.current.has_value());
    log_.line(Severity::info,
              format_event(spec.now, Severity::info,
                           "issued certificate " + result.entry.serial + " to terminal " + spec.terminal +
                               (spec.current ? " (renews " + spec.current->serial + ")" : "") + ", valid until " +
                               format_time(result.entry.not_after),
                           config.log_format));
    if (after_issue_) after_issue_();
  }
  return pkcs7_response(result.cert_der, kCertsOnly);
}

}  // namespace pairkit::gate
