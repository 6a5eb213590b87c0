// Opening restore points: plain and armored files decrypt; a wrong identity,
// a tampered payload and a truncated file are input errors naming the file.
#include <doctest/doctest.h>

#include "pairkit/backup/opened.hpp"
#include "pairkit/backup/restore_point.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/core/temp_dir.hpp"

using namespace pairkit;
using namespace pairkit::backup;

namespace {

struct Fixture {
  TempDir tmp;
  std::unique_ptr<Botan::RandomNumberGenerator> rng = make_seeded_rng(21);
  X25519Identity id = X25519Identity::generate(*rng);
  std::string id_file = tmp.path() + "/id.txt";

  Fixture() {
    FixedClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
    device::InitOptions o;
    o.serial = "T-7";
    device::init(tmp.path() + "/dev", o, *rng, clock);
    write_file_atomic(id_file, "# test identity\n" + id.encode() + "\n", {0600, false});
  }

  // A restore point of the device encrypted to `id`, written to `name`.
  std::string write_restore_point(const std::string& name, bool armor) {
    FixedClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
    VectorSink out;
    std::optional<ArmorSink> arm;
    if (armor) arm.emplace(out);
    ByteSink& sink = armor ? static_cast<ByteSink&>(*arm) : out;
    const auto rcpt = id.recipient();
    AgeWriter age(sink, {&rcpt}, *rng);
    create_restore_point({tmp.path() + "/dev", {}, "pairkit test", tmp.path()}, age, clock);
    age.finish();
    return write(name, out.bytes);
  }

  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = tmp.path() + "/" + name;
    write_file_atomic(path, std::string(bytes.begin(), bytes.end()), {0600, true});
    return path;
  }
};

std::function<Identities()> files(const std::vector<std::string>& paths) {
  return [paths] { return read_identity_files(paths); };
}

std::string verify_error(OpenedBackup& b) {
  try {
    b.wrap([&] { return verify_restore_point(b.plain(), b.name()); });
  } catch (const AgeError&) {
    return "an AgeError escaped wrap()";
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("opened restore point: plain and armored files decrypt with the identity file") {
  Fixture f;
  for (const bool armor : {false, true}) {
    OpenedBackup b(f.write_restore_point("rp.age", armor), "rp.age", files({f.id_file}));
    CHECK(b.name() == "rp.age");
    const auto r = b.wrap([&] { return verify_restore_point(b.plain(), b.name()); });
    CHECK(r.manifest.serial == "T-7");
  }
}

TEST_CASE("opened restore point: another identity is refused when the file is opened") {
  Fixture f;
  const auto path = f.write_restore_point("rp.age", false);
  const auto other = X25519Identity::generate(*f.rng);
  write_file_atomic(f.tmp.path() + "/other.txt", other.encode() + "\n", {0600, false});
  CHECK_THROWS_WITH_AS(OpenedBackup(path, "rp.age", files({f.tmp.path() + "/other.txt"})),
                       "rp.age: wrong passphrase, or not encrypted to this identity", InputError);
  CHECK_THROWS_WITH_AS(OpenedBackup(path, "rp.age", [] {
                         Identities ids;
                         ids.push_back(std::make_unique<ScryptIdentity>(Botan::secure_vector<char>{'x'}));
                         return ids;
                       }),
                       doctest::Contains("rp.age: "), InputError);
}

TEST_CASE("opened restore point: a tampered payload or a truncated file fails while reading, naming the file") {
  Fixture f;
  const auto good = read_file(f.write_restore_point("rp.age", false), size_t{64} << 20);
  auto tampered = good;
  tampered[tampered.size() / 2] ^= 0x01;
  OpenedBackup t(f.write("tampered.age", tampered), "tampered.age", files({f.id_file}));
  CHECK(verify_error(t).rfind("tampered.age: ", 0) == 0);

  auto cut = good;
  cut.resize(good.size() - 100);
  OpenedBackup c(f.write("cut.age", cut), "cut.age", files({f.id_file}));
  const auto why = verify_error(c);
  CHECK(why.rfind("cut.age: ", 0) == 0);
  CHECK(why.find("truncated") != std::string::npos);
}

TEST_CASE("opened restore point: a missing file is reported before any key is asked for") {
  Fixture f;
  bool asked = false;
  CHECK_THROWS_WITH_AS(OpenedBackup(f.tmp.path() + "/nope.age", "nope.age",
                                    [&] {
                                      asked = true;
                                      return Identities{};
                                    }),
                       doctest::Contains("cannot open"), InputError);
  CHECK_FALSE(asked);
  CHECK_THROWS_AS(read_identity_files({f.tmp.path() + "/dev/cert.pem"}), InputError);
}
