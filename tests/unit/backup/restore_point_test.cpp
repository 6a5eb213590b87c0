// ustar, manifest and restore points (create, verify, staged restore).
#include <doctest/doctest.h>

#include <filesystem>

#include <sys/stat.h>

#include <botan/hash.h>
#include <botan/hex.h>

#include "pairkit/backup/age.hpp"
#include "pairkit/backup/manifest.hpp"
#include "pairkit/backup/pipeline.hpp"
#include "pairkit/backup/restore_point.hpp"
#include "pairkit/backup/tar.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/device/identity.hpp"

using namespace pairkit;
using namespace pairkit::backup;
namespace fs = std::filesystem;

namespace {

std::string root_scratch() { return "/tmp"; }

// Passes writes on but cannot rewrite: create takes two passes.
struct TwoPassSink final : ByteSink {
  VectorSink inner;
  void write(std::span<const uint8_t> d) override { inner.write(d); }
};

// Appends to `path` once more than `after` bytes went through: a file that
// changes while it is being archived.
struct MutatingSink final : ByteSink {
  ByteSink& out;
  std::string path;
  size_t after;
  bool rewritable;
  size_t seen = 0;
  bool done = false;
  MutatingSink(ByteSink& o, std::string p, size_t a, bool r) : out(o), path(std::move(p)), after(a), rewritable(r) {}
  void write(std::span<const uint8_t> d) override {
    out.write(d);
    seen += d.size();
    if (!done && seen > after) {
      done = true;
      FILE* f = std::fopen(path.c_str(), "ab");
      REQUIRE(f);
      std::fputs("more", f);
      std::fclose(f);
    }
  }
  bool can_rewrite(uint64_t end) override { return rewritable && out.can_rewrite(end); }
  void rewrite(uint64_t offset, std::span<const uint8_t> d) override { out.rewrite(offset, d); }
};

// A device identity in `dir` from a seeded generator, which the test may
// go on drawing from.
std::unique_ptr<Botan::RandomNumberGenerator> init_device(const std::string& dir, const std::string& serial,
                                                          uint64_t seed, const Clock& clock) {
  auto rng = make_seeded_rng(seed);
  device::InitOptions o;
  o.serial = serial;
  device::init(dir, o, *rng, clock);
  return rng;
}

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
  const TempDir tmp;
  const std::string& root = tmp.path();
  const std::string dir = root + "/dev";
  FixedClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  init_device(dir, "T-9", 11, clock);
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
  CHECK(read_file(root + "/restored/key.pem", 1 << 20) == read_file(dir + "/key.pem", 1 << 20));
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
}

TEST_CASE("restore points: one pass into a rewritable output, two passes otherwise, the same bytes") {
  const TempDir tmp;
  const std::string& root = tmp.path();
  const std::string dir = root + "/dev";
  FixedClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  auto rng = init_device(dir, "T-10", 12, clock);
  std::vector<uint8_t> big(300000);
  rng->randomize(big.data(), big.size());
  write_file_atomic(dir + "/big.bin", big, {0600, false});
  const CreateOptions co{dir, {"big.bin"}, "pairkit test", root_scratch()};

  VectorSink one;
  const auto m1 = create_restore_point(co, one, clock);
  TwoPassSink two;
  const auto m2 = create_restore_point(co, two, clock);
  CHECK(one.bytes == two.inner.bytes);
  const auto* f = m1.find("big.bin");
  REQUIRE(f);
  CHECK(f->sha256 == Botan::hex_encode(Botan::HashFunction::create_or_throw("SHA-256")->process(big), false));
  CHECK(m2.find("big.bin")->sha256 == f->sha256);
  SpanSource v(one.bytes);
  CHECK(verify_restore_point(v, "rp").manifest.find("big.bin")->sha256 == f->sha256);

  // As the CLI does: threaded into an age encryption, the manifest's chunk sealed again in place.
  const auto id = X25519Identity::generate(*rng);
  const auto rcpt = id.recipient();
  VectorSink file;
  AgeWriter age(file, {&rcpt}, *rng);
  ThreadedSink pipe(age);
  create_restore_point(co, pipe, clock);
  pipe.finish();
  SpanSource raw(file.bytes);
  AgeReader reader(raw, {&id});
  ThreadedSource ahead(reader);
  CHECK(verify_restore_point(ahead, "rp.age").manifest.find("big.bin")->sha256 == f->sha256);

  // A file that changes while it is read is refused, in one pass or two.
  for (bool rewritable : {true, false}) {
    CAPTURE(rewritable);
    VectorSink inner;
    MutatingSink changing(inner, dir + "/big.bin", 100000, rewritable);
    CHECK_THROWS_WITH_AS(create_restore_point(co, changing, clock),
                         doctest::Contains("big.bin changed while being backed up"), InputError);
  }
}
