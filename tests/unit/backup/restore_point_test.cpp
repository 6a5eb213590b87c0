// ustar, manifest and restore points (create, verify, staged restore).
#include <doctest/doctest.h>

#include <filesystem>

#include <sys/stat.h>

#include "pairkit/backup/manifest.hpp"
#include "pairkit/backup/restore_point.hpp"
#include "pairkit/backup/tar.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/device/identity.hpp"

using namespace pairkit;
using namespace pairkit::backup;
namespace fs = std::filesystem;

namespace {

std::string temp_root() {
  char tmpl[] = "/tmp/pairkit-rp-XXXXXX";
  return mkdtemp(tmpl);
}

std::string root_scratch() { return "/tmp"; }

std::vector<uint8_t> make_restore_point(const std::string& dir) {
  FixedClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  VectorSink out;
  create_restore_point({dir, {}, "pairkit test", root_scratch()}, out, clock);
  return out.bytes;
}

}  // namespace

TEST_CASE("safe_relative_path refuses absolute paths, '..' and empty parts") {
  CHECK(safe_relative_path("key.pem"));
  CHECK(safe_relative_path("sub/notes.txt"));
  for (const char* p : {"", "/etc/passwd", "../x", "a/../b", "a//b", "./a", "a/", "a\\b", "a\nb"})
    CHECK_MESSAGE(!safe_relative_path(p), p);
}

TEST_CASE("ustar: round trip, long paths through the prefix field, checksum") {
  VectorSink out;
  TarWriter w(out);
  const std::string long_path = std::string(120, 'd') + "/" + std::string(90, 'f');
  const std::string data = "hello";
  w.begin({"a.txt", 0600, data.size(), 0, '0'});
  w.write({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
  w.begin({long_path, 0644, 0, 0, '0'});
  w.finish();
  CHECK(out.bytes.size() % 512 == 0);
  SpanSource src(out.bytes);
  TarReader r(src, "t");
  auto e = r.next();
  REQUIRE(e);
  CHECK(e->path == "a.txt");
  CHECK(e->size == 5);
  uint8_t buf[16];
  CHECK(r.read(buf) == 5);
  e = r.next();
  REQUIRE(e);
  CHECK(e->path == long_path);
  CHECK(!r.next());
  auto bad = out.bytes;
  bad[0] ^= 1;
  SpanSource bsrc(bad);
  TarReader br(bsrc, "t");
  CHECK_THROWS_AS(br.next(), InputError);
  TarWriter w2(out);
  CHECK_THROWS_AS(w2.begin({std::string(300, 'x'), 0600, 0, 0, '0'}), UsageError);
}

TEST_CASE("manifest: round trip and refusals") {
  Manifest m;
  m.tool_version = "pairkit test";
  m.serial = "T-1";
  m.role = "terminal";
  m.cert_sha256 = "AA";
  m.spki_pin = "sha256//x";
  m.device_id = "ID";
  m.files.push_back({"key.pem", 0600, 10, std::string(64, 'a'), false});
  m.files.push_back({"pairing.db", 0644, 8192, std::string(64, 'b'), true});
  const auto back = Manifest::parse(m.to_toml(), "m");
  CHECK(back.files.size() == 2);
  CHECK(back.files[1].sqlite_snapshot);
  CHECK(back.find("key.pem")->mode == 0600);
  auto text = m.to_toml();
  CHECK_THROWS_AS(Manifest::parse(text.replace(text.find("'key.pem'"), 9, "'../x.pem'"), "m"), InputError);
  CHECK_THROWS_AS(Manifest::parse("format = 'something-else'\n", "m"), InputError);
}

TEST_CASE("restore points: create, verify, restore, and refusals") {
  const std::string root = temp_root();
  const std::string dir = root + "/dev";
  auto rng = make_seeded_rng(11);
  FixedClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  device::InitOptions o;
  o.serial = "T-9";
  device::init(dir, o, *rng, clock);
  write_file_atomic(dir + "/pins.toml", std::string("# pins\n"), {0600, false});
  const auto rp = make_restore_point(dir);

  SpanSource v(rp);
  const auto report = verify_restore_point(v, "rp");
  CHECK(report.key_checked);
  CHECK(report.manifest.serial == "T-9");
  CHECK(report.manifest.files.size() == 4);

  SpanSource s(rp);
  const auto res = restore_to(s, "rp", root + "/restored", false, clock);
  CHECK(res.previous.empty());
  CHECK(read_file(root + "/restored/key.pem") == read_file(dir + "/key.pem"));
  struct stat st {};
  stat((root + "/restored").c_str(), &st);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(!restore_target_problem(root + "/restored").empty());
  SpanSource again(rp);
  CHECK_THROWS_AS(restore_to(again, "rp", root + "/restored", false, clock), InputError);
  SpanSource forced(rp);
  const auto res2 = restore_to(forced, "rp", root + "/restored", true, clock);
  CHECK(res2.previous == root + "/restored.previous-20270115T080000Z");
  CHECK(fs::exists(res2.previous + "/key.pem"));

  // A flipped payload byte (a hash mismatch) or a truncated archive: nothing restored, no staging left.
  auto bad = rp;
  bad[1024 + 100] ^= 1;
  SpanSource b(bad);
  CHECK_THROWS_AS(restore_to(b, "rp", root + "/bad", false, clock), InputError);
  CHECK(!fs::exists(root + "/bad"));
  auto cut = rp;
  cut.resize(rp.size() / 2);
  SpanSource c(cut);
  CHECK_THROWS_AS(restore_to(c, "rp", root + "/cut", false, clock), InputError);
  CHECK(!fs::exists(root + "/cut"));
  for (const auto& e : fs::directory_iterator(root))
    CHECK_MESSAGE(e.path().filename().string().find(".restore-") == std::string::npos, e.path().string());

  // Not a restore point at all.
  const std::string junk(2048, 'x');
  SpanSource j({reinterpret_cast<const uint8_t*>(junk.data()), junk.size()});
  CHECK_THROWS_WITH_AS(read_manifest(j, "junk"), doctest::Contains("not a pairkit restore point"), InputError);
  fs::remove_all(root);
}
