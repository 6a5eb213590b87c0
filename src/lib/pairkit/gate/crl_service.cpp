// The CRL holder (see crl_service.hpp). Workers only read the snapshot; the
// reading, issuing and warning happen on the service's own thread, so a
// CRL of a million entries being signed never holds up a request.
#include "pairkit/gate/crl_service.hpp"

#include "pairkit/ca/crl.hpp"
#include "pairkit/ca/crl_issue.hpp"
#include "pairkit/core/db_location.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/gate/http_date.hpp"

namespace pairkit::gate {

namespace {

constexpr std::chrono::hours kWarnEvery{1};
/// After a failed issue (a full disk, a folder the gate may not write), the
/// next try waits this long, so that the log gets one line a minute, not one a tick.
constexpr std::chrono::seconds kIssueBackoff{60};
/// Retry-After while there is no CRL: the service looks again within seconds.
constexpr int kRetryAfter = 10;

std::shared_ptr<const CrlSnapshot> snapshot_of(const ca::CrlIndex& crl) {
  auto s = std::make_shared<CrlSnapshot>();
  const auto der = crl.der();
  s->der.assign(reinterpret_cast<const char*>(der.data()), der.size());
  s->number = crl.number();
  s->this_update = crl.this_update();
  s->next_update = crl.next_update();
  s->count = crl.size();
  // Without a CRL number (not one of ours), thisUpdate tells CRLs apart as well.
  s->etag = "\"crl-" +
            (s->number ? std::to_string(*s->number)
                       : "t" + std::to_string(s->this_update.time_since_epoch().count())) +
            "\"";
  s->headers = "Last-Modified: " + format_http_date(s->this_update) + "\r\n";
  if (s->next_update) s->headers += "Expires: " + format_http_date(*s->next_update) + "\r\n";
  s->headers += "ETag: " + s->etag + "\r\n";
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// If-None-Match (RFC 9110, 13.1.2): "*" or a list of entity tags, compared
/// weakly (a W/ prefix does not matter).
bool etag_listed(std::string_view header, std::string_view etag) {
  if (trim(header) == "*") return true;
  while (!header.empty()) {
    const auto comma = header.find(',');
    auto tag = trim(header.substr(0, comma));
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

bool not_modified(const CrlSnapshot& crl, const HttpRequest& request) {
  // If-Modified-Since counts only without If-None-Match (RFC 9110, 13.1.3).
  if (!request.if_none_match.empty()) return etag_listed(request.if_none_match, crl.etag);
  if (request.if_modified_since.empty()) return false;
  const auto since = parse_http_date(request.if_modified_since);
  return since && crl.this_update <= *since;
}

}  // namespace

CrlService::CrlService(const Clock& clock, LogSink& log, Metrics& metrics, std::unique_ptr<Botan::RandomNumberGenerator> rng)
    : clock_(clock), log_(log), metrics_(metrics), rng_(std::move(rng)) {}

CrlService::~CrlService() {
  {
    std::lock_guard lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CrlService::configure(const GateConfig& config, std::shared_ptr<const GateCa> ca) {
  if (ca && ca->key() && config.crl.refresh_before >= ca->dir().config().crl_next_update)
    throw InputError("[crl] refresh_before (" + format_duration(config.crl.refresh_before) +
                     ") must be shorter than the CRLs the gate issues live (crl.next_update in " +
                     ca->dir().path(ca::kConfigFile) + ": " + format_duration(ca->dir().config().crl_next_update) + ")");
  std::lock_guard lock(refresh_mu_);
  const std::string path = ca ? crl_path(config) : std::string();
  if (path != path_ || ca != ca_) {
    // Another file or CA: nothing of the old one holds.
    file_watch_.reset();
    index_watch_.reset();
    index_.reset();
    warned_at_.reset();
    retry_issue_at_ = {};
    publish(nullptr);
  }
  config_ = config;
  ca_ = std::move(ca);
  path_ = path;
}

std::shared_ptr<const CrlSnapshot> CrlService::current() const {
  std::lock_guard lock(current_mu_);
  return current_;
}

void CrlService::publish(std::shared_ptr<const CrlSnapshot> crl) {
  metrics_.crl_next_update(crl && crl->next_update ? crl->next_update->time_since_epoch().count() : 0);
  std::lock_guard lock(current_mu_);
  current_ = std::move(crl);
}

void CrlService::event(Severity severity, const std::string& message) {
  log_.line(severity, format_event(clock_.now(), severity, message, config_.log_format));
}

void CrlService::refresh() noexcept {
  std::lock_guard lock(refresh_mu_);
  if (!ca_) return;
  const TimePoint now = clock_.now();
  try {
    if (!file_watch_) file_watch_ = std::make_unique<ChangeWatch>(std::vector<std::string>{path_}, std::vector<std::string>{});
    if (file_watch_->changed()) read_crl_file();
    if (ca_->key() && now >= retry_issue_at_) {
      const auto crl = current();
      if (!crl)
        issue(now, "none to serve");
      else if (crl->next_update && now + config_.crl.refresh_before >= *crl->next_update)
        issue(now, "the next update of CRL " + crl->etag + " is due at " + format_time(*crl->next_update));
      else if (index_has_news())
        issue(now, "the CA index holds revocations CRL " + crl->etag + " lacks");
    }
    watch_age(now);
  } catch (const std::exception& e) {
    // Whatever failed (the index busy or gone) is looked at afresh next time.
    index_.reset();
    index_watch_.reset();
    event(Severity::error, std::string("CRL: ") + e.what());
  }
}

void CrlService::read_crl_file() {
  if (!path_exists(path_)) {
    if (!ca_->key())
      event(Severity::warning, "CRL: no " + path_ + "; /v1/crl answers 503 until `pairkit crl issue --dir " +
                                   ca_->dir().dir() + " -o " + path_ + "` writes it");
    publish(nullptr);
    return;
  }
  try {
    ca::CrlIndex crl(read_file(path_, limits::kCrlDefault), path_);
    const auto& ca_cert = ca_->dir().cert();
    if (crl.issuer() != ca_cert.subject_dn() || !crl.signed_by(ca_cert))
      throw InputError(path_ + " is not a CRL signed by the CA in " + ca_->dir().dir());
    auto read = snapshot_of(crl);
    const auto served = current();
    // The gate's own CRL, seen again through the watch, is no news.
    if (served && served->etag == read->etag && served->this_update == read->this_update) return;
    event(Severity::info, "CRL: serving " + path_ + " (CRL " + read->etag + ", " + std::to_string(read->count) +
                              " revoked)");
    publish(std::move(read));
    warned_at_.reset();
  } catch (const InputError& e) {
    publish(nullptr);
    event(Severity::error, std::string("CRL: ") + e.what() +
                               (ca_->key() ? "; issuing a new one" : "; /v1/crl answers 503 until it is replaced"));
  }
}

bool CrlService::index_has_news() {
  const std::string db = ca_->dir().index_location();
  // An index on PostgreSQL changes on other machines too: no file tells, the count does.
  if (parse_db_location(db).engine == DbEngine::sqlite) {
    if (!index_watch_)
      index_watch_ = std::make_unique<ChangeWatch>(std::vector<std::string>{db, db + "-wal", db + "-journal"},
                                                   std::vector<std::string>{});
    if (!index_watch_->changed()) return false;
  }
  if (!index_) index_ = ca_->dir().open_index();
  const auto crl = current();
  return crl && index_->revoked_count() != crl->count;
}

void CrlService::issue(TimePoint now, const std::string& why) {
  try {
    if (!index_) index_ = ca_->dir().open_index();
    const auto issued = ca::issue_crl(ca_->dir(), *index_, *ca_->key(), now, ca_->dir().config().crl_next_update, *rng_);
    if (ca::crl_file_is_der(path_))
      write_file_atomic(path_, std::span<const uint8_t>(issued.der), {kPublicFileMode, true});
    else
      write_file_atomic(path_, ca::crl_pem(issued.der), {kPublicFileMode, true});
    publish(snapshot_of(ca::CrlIndex(std::span<const uint8_t>(issued.der), path_)));
    event(Severity::info, "CRL: issued number " + std::to_string(issued.spec.number) + " with " +
                              std::to_string(issued.count) + " revoked certificate(s) to " + path_ + " (" + why +
                              "); next update due " + format_time(issued.spec.next_update));
  } catch (const std::exception&) {
    retry_issue_at_ = now + kIssueBackoff;
    throw;
  }
}

void CrlService::watch_age(TimePoint now) {
  const auto crl = current();
  if (ca_->key() || !crl || !crl->next_update) return;
  const TimePoint next = *crl->next_update;
  if (now + config_.crl.refresh_before < next) return;
  if (warned_at_ && now < *warned_at_ + kWarnEvery) return;
  warned_at_ = now;
  event(Severity::warning,
        now >= next ? "CRL: " + path_ + " (CRL " + crl->etag + ") was due for its next update at " + format_time(next) +
                          "; still serving it: run `pairkit crl issue --dir " + ca_->dir().dir() + " -o " + path_ +
                          " --force`"
                    : "CRL: " + path_ + " (CRL " + crl->etag + ") is due for its next update at " + format_time(next) +
                          ": run `pairkit crl issue --dir " + ca_->dir().dir() + " -o " + path_ + " --force` before then");
}

void CrlService::start(std::chrono::milliseconds every) {
  thread_ = std::thread([this, every] {
    std::unique_lock lock(stop_mu_);
    while (!stop_) {
      lock.unlock();
      refresh();
      lock.lock();
      stop_cv_.wait_for(lock, every, [this] { return stop_; });
    }
  });
}

HttpResponse crl_response(const CrlSnapshot* crl, const HttpRequest& request, TimePoint now,
                          std::chrono::seconds refresh_before) {
  if (!crl) {
    auto r = error_response(503, "unavailable", "the gate has no CRL to serve yet; try again later");
    r.retry_after = kRetryAfter;
    return r;
  }
  HttpResponse r;
  long long max_age = 0;
  if (crl->next_update) max_age = std::max<long long>(0, (*crl->next_update - refresh_before - now).count());
  r.cache_control = "public, max-age=" + std::to_string(max_age);
  r.headers = crl->headers;
  if (not_modified(*crl, request)) {
    r.status = 304;
    return r;
  }
  r.content_type = "application/pkix-crl";
  r.body = crl->der;
  return r;
}

}  // namespace pairkit::gate
