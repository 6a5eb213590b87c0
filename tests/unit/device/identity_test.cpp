// Device identity folders.
#include <doctest/doctest.h>

#include <filesystem>

#include <sys/stat.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/device/identity.hpp"

using namespace pairkit;
namespace fs = std::filesystem;

TEST_CASE("device init writes a complete identity once") {
  char tmpl[] = "/tmp/pairkit-dev-XXXXXX";
  const std::string root = mkdtemp(tmpl);
  const std::string dir = root + "/id";
  auto rng = make_seeded_rng(9);
  FixedClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  device::InitOptions o;
  o.serial = "TERM-0042";
  o.valid_for = std::chrono::days(30);
  const auto id = device::init(dir, o, *rng, clock);
  struct stat st {};
  stat(dir.c_str(), &st);
  CHECK((st.st_mode & 0777) == 0700);
  stat((dir + "/key.pem").c_str(), &st);
  CHECK((st.st_mode & 0777) == 0600);
  const auto cert = crypto::load_certificate(read_file(dir + "/cert.pem", 1 << 20), "cert.pem");
  CHECK(cert.subject_dn().get_first_attribute("X520.SerialNumber") == "TERM-0042");
  const auto back = device::read_identity(dir);
  CHECK(back.serial == "TERM-0042");
  CHECK(back.cert_sha256 == id.cert_sha256);
  CHECK(back.not_after - back.created == std::chrono::days(30));
  CHECK_THROWS_AS(device::init(dir, o, *rng, clock), InputError);
  o.force = true;
  CHECK(device::init(dir, o, *rng, clock).cert_sha256 != id.cert_sha256);
  o.serial = "bad serial";
  CHECK_THROWS_AS(device::init(root + "/x", o, *rng, clock), UsageError);
  fs::remove_all(root);
}
