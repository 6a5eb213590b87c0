// The CRL holder on a real CA folder, with a fixed clock: issuing with the
// key (none yet, due, a new revocation), serving and warning without it, a
// corrupt file, and the answer's caching headers and 304s.
#include <doctest/doctest.h>

#include <filesystem>

#include "pairkit/ca/authority.hpp"
#include "pairkit/ca/crl.hpp"
#include "pairkit/ca/crl_issue.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/gate/crl_service.hpp"
#include "pairkit/gate/http_date.hpp"

using namespace pairkit;
using namespace pairkit::gate;
using namespace std::chrono_literals;

namespace {

struct Lines : LogSink {
  std::vector<std::string> lines;
  void line(Severity, std::string_view text) override { lines.emplace_back(text); }
  size_t count(std::string_view part) const {
    size_t n = 0;
    for (const auto& l : lines) n += l.find(part) != std::string::npos;
    return n;
  }
};

const TimePoint kStart{std::chrono::seconds(1'800'000'000)};

struct Fixture {
  TempDir tmp;
  std::unique_ptr<Botan::RandomNumberGenerator> rng = make_seeded_rng(11);
  FixedClock clock{kStart};
  Metrics metrics;
  Lines log;
  std::string ca_dir = tmp.path() + "/ca";
  GateConfig config;
  CrlService crl{clock, log, metrics, make_seeded_rng(12)};

  Fixture() {
    ca::InitOptions o;
    o.subject.common_name = "Fleet CA";
    ca::CaDir::init(ca_dir, o, *rng, clock);
    config = parse_gate_config("[gate]\nca = \"" + ca_dir + "\"\n", "gate.toml", tmp.path());
  }

  std::string crl_file() const { return ca_dir + "/crl.pem"; }

  void revoke(const std::string& serial) {
    auto db = ca::CaDir::open(ca_dir).open_index();
    ca::IndexEntry e;
    e.serial = serial;
    e.subject = "CN=" + serial;
    e.profile = "terminal";
    e.not_before = clock.now();
    e.not_after = clock.now() + std::chrono::days(7);
    e.sha256 = "00";
    db->insert(e);
    db->revoke(serial, clock.now(), 1);
  }

  /// What `crl issue` does, into crl.pem, then the key goes away.
  void issue_by_hand_and_drop_key(std::chrono::seconds next_update) {
    const auto dir = ca::CaDir::open(ca_dir);
    auto db = dir.open_index();
    const auto issued = ca::issue_crl(dir, *db, *dir.load_key(std::nullopt), clock.now(), next_update, *rng);
    write_file_atomic(crl_file(), ca::crl_pem(issued.der), {kPublicFileMode, true});
    std::filesystem::remove(ca_dir + "/" + ca::kKeyFile);
  }
};

}  // namespace

TEST_CASE("CRL holder with the CA key: issues at start, on a revocation and before nextUpdate, not otherwise") {
  Fixture f;
  f.crl.configure(f.config, GateCa::load(f.config));
  CHECK(f.crl.current() == nullptr);
  f.crl.refresh();
  auto first = f.crl.current();
  REQUIRE(first);
  CHECK(first->number == 1u);
  CHECK(first->count == 0);
  CHECK(first->etag == "\"crl-1\"");
  CHECK(first->next_update == kStart + std::chrono::days(7));
  CHECK(path_exists(f.crl_file()));
  CHECK(f.log.count("issued number 1") == 1);
  // The file on disk is what is served.
  ca::CrlIndex on_disk(read_file(f.crl_file(), 1 << 20), "crl.pem");
  CHECK(std::string(reinterpret_cast<const char*>(on_disk.der().data()), on_disk.der().size()) == first->der);

  f.clock.set(kStart + 1h);
  f.crl.refresh();
  CHECK(f.crl.current()->number == 1u);

  f.revoke("0A");
  f.crl.refresh();
  REQUIRE(f.crl.current()->number == 2u);
  CHECK(f.crl.current()->count == 1);
  CHECK(f.log.count("revocations CRL \"crl-1\" lacks") == 1);

  // refresh_before (1d) before nextUpdate: a new one.
  f.clock.set(kStart + std::chrono::days(6) - 1s);
  f.crl.refresh();
  CHECK(f.crl.current()->number == 2u);
  f.clock.set(kStart + std::chrono::days(6) + 1h);
  f.crl.refresh();
  CHECK(f.crl.current()->number == 3u);
  CHECK(f.crl.current()->next_update == f.clock.now() + std::chrono::days(7));
  CHECK(f.metrics.render(0).find("pairkit_gate_crl_next_update_seconds " +
                                 std::to_string(f.crl.current()->next_update->time_since_epoch().count())) !=
        std::string::npos);
}

TEST_CASE("CRL holder with the CA key: a corrupt file is replaced by a new CRL") {
  Fixture f;
  write_file_atomic(f.crl_file(), std::string_view("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"),
                    {kPublicFileMode, true});
  f.crl.configure(f.config, GateCa::load(f.config));
  f.crl.refresh();
  REQUIRE(f.crl.current());
  CHECK(f.log.count("issuing a new one") == 1);
  CHECK(f.log.count("issued number 1") == 1);
}

TEST_CASE("CRL holder with the CA key: refresh_before must be shorter than the CRL's lifetime") {
  Fixture f;
  f.config.crl.refresh_before = std::chrono::days(7);
  CHECK_THROWS_AS(f.crl.configure(f.config, GateCa::load(f.config)), InputError);
}

TEST_CASE("CRL holder without the key: serves the file, warns from refresh_before on once an hour, past nextUpdate too") {
  Fixture f;
  f.issue_by_hand_and_drop_key(std::chrono::days(2));
  const auto ca = GateCa::load(f.config);
  REQUIRE(ca->key() == nullptr);
  f.crl.configure(f.config, ca);
  f.crl.refresh();
  REQUIRE(f.crl.current());
  CHECK(f.crl.current()->number == 1u);
  CHECK(f.log.count("due for its next update") == 0);

  f.clock.set(kStart + std::chrono::days(1) + 1s);
  f.crl.refresh();
  CHECK(f.log.count("is due for its next update") == 1);
  f.clock.set(kStart + std::chrono::days(1) + 30min);
  f.crl.refresh();
  CHECK(f.log.count("is due for its next update") == 1);
  f.clock.set(kStart + std::chrono::days(1) + 61min);
  f.crl.refresh();
  CHECK(f.log.count("is due for its next update") == 2);

  f.clock.set(kStart + std::chrono::days(3));
  f.crl.refresh();
  CHECK(f.log.count("still serving it") == 1);
  CHECK(f.crl.current()->number == 1u);  // never re-issued: no key
}

TEST_CASE("CRL holder without the key: a corrupt or missing file is no CRL (503), and a new file is picked up") {
  Fixture f;
  f.issue_by_hand_and_drop_key(std::chrono::days(2));
  f.crl.configure(f.config, GateCa::load(f.config));
  f.crl.refresh();
  REQUIRE(f.crl.current());

  write_file_atomic(f.crl_file(), std::string_view("not a CRL\n"), {kPublicFileMode, true});
  f.crl.refresh();
  CHECK(f.crl.current() == nullptr);
  CHECK(f.log.count("answers 503 until it is replaced") == 1);
  HttpRequest get;
  const auto r = crl_response(f.crl.current().get(), get, f.clock.now(), 24h);
  CHECK(r.status == 503);
  CHECK(r.retry_after > 0);

  // A CRL from another CA is refused the same way.
  TempDir other;
  ca::InitOptions o;
  o.subject.common_name = "Other CA";
  const auto stranger = ca::CaDir::init(other.path() + "/ca", o, *f.rng, f.clock);
  auto db = stranger.open_index();
  const auto foreign = ca::issue_crl(stranger, *db, *stranger.load_key(std::nullopt), f.clock.now(), 48h, *f.rng);
  write_file_atomic(f.crl_file(), ca::crl_pem(foreign.der), {kPublicFileMode, true});
  f.crl.refresh();
  CHECK(f.crl.current() == nullptr);
  CHECK(f.log.count("is not a CRL signed by the CA") == 1);

  std::filesystem::remove(f.crl_file());
  f.crl.refresh();
  CHECK(f.log.count("CRL: no ") == 1);
}

TEST_CASE("GET /v1/crl: caching headers, 304 for If-None-Match and If-Modified-Since") {
  Fixture f;
  f.crl.configure(f.config, GateCa::load(f.config));
  f.crl.refresh();
  const auto crl = f.crl.current();
  REQUIRE(crl);
  HttpRequest get;
  const auto now = kStart + 1h;
  auto r = crl_response(crl.get(), get, now, 24h);
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/pkix-crl");
  CHECK(r.body == crl->der);
  CHECK(r.cache_control == "public, max-age=" + std::to_string((std::chrono::days(6) - 1h) / 1s));
  CHECK(r.headers == "Last-Modified: " + format_http_date(kStart) + "\r\nExpires: " +
                         format_http_date(kStart + std::chrono::days(7)) + "\r\nETag: \"crl-1\"\r\n");
  // Past nextUpdate - refresh_before: max-age never goes negative.
  CHECK(crl_response(crl.get(), get, kStart + std::chrono::days(8), 24h).cache_control == "public, max-age=0");

  for (const char* tag : {"\"crl-1\"", "W/\"crl-1\"", "\"crl-0\", \"crl-1\"", "*"}) {
    HttpRequest cond;
    cond.if_none_match = tag;
    const auto n = crl_response(crl.get(), cond, now, 24h);
    CHECK_MESSAGE(n.status == 304, tag);
    CHECK(n.body.empty());
    CHECK(n.headers.find("ETag: \"crl-1\"") != std::string::npos);
  }
  HttpRequest stale;
  stale.if_none_match = "\"crl-0\"";
  stale.if_modified_since = format_http_date(kStart + 1h);  // ignored beside If-None-Match
  CHECK(crl_response(crl.get(), stale, now, 24h).status == 200);

  HttpRequest since;
  since.if_modified_since = format_http_date(kStart);
  CHECK(crl_response(crl.get(), since, now, 24h).status == 304);
  since.if_modified_since = format_http_date(kStart - 1s);
  CHECK(crl_response(crl.get(), since, now, 24h).status == 200);
  since.if_modified_since = "yesterday";
  CHECK(crl_response(crl.get(), since, now, 24h).status == 200);
}

TEST_CASE("format_http_date writes IMF-fixdate, which parse_http_date reads back") {
  CHECK(format_http_date(TimePoint(std::chrono::seconds(784111777))) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(parse_http_date(format_http_date(kStart)) == kStart);
}
