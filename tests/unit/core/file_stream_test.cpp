// AtomicFileSink: a large stream arrives whole at commit, written bytes can be
// rewritten, and an abandoned stream leaves nothing (AtomicFile's own
// guarantees are tested in atomic_file_test.cpp).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "pairkit/core/error.hpp"
#include "pairkit/core/file_stream.hpp"
#include "pairkit/core/temp_dir.hpp"

using namespace pairkit;
namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

size_t entries(const std::string& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("AtomicFileSink: small and large pieces past the flush step arrive in order, whole at commit") {
  TempDir d;
  const std::string p = d.path() + "/rp.age";
  std::vector<uint8_t> expect;
  {
    AtomicFileSink sink(p, kPrivateFileMode, false);
    REQUIRE(sink.can_rewrite(16));
    std::vector<uint8_t> piece;
    for (size_t i = 0; expect.size() < Writeback::kFlushStep + (3 << 20); ++i) {
      piece.assign(i % 3 == 0 ? (1 << 19) : 1000 + i, static_cast<uint8_t>(i));
      sink.write(piece);
      expect.insert(expect.end(), piece.begin(), piece.end());
    }
    const std::vector<uint8_t> head(16, 0xAB);
    sink.rewrite(0, head);
    std::copy(head.begin(), head.end(), expect.begin());
    CHECK_THROWS_AS(sink.rewrite(expect.size() - 8, head), std::logic_error);
    CHECK_FALSE(fs::exists(p));
    sink.finish();
    sink.commit();
  }
  CHECK(slurp(p) == expect);
  CHECK((fs::status(p).permissions() & fs::perms::all) == fs::perms(0600));
  CHECK(entries(d.path()) == 1);
}

TEST_CASE("AtomicFileSink: abandoned, it leaves nothing; an existing file is refused") {
  TempDir d;
  const std::string p = d.path() + "/rp.age";
  {
    AtomicFileSink sink(p, kPrivateFileMode, false);
    sink.write(std::vector<uint8_t>(100, 1));
  }
  CHECK(entries(d.path()) == 0);
  std::ofstream(p) << "theirs";
  CHECK_THROWS_WITH_AS(AtomicFileSink(p, kPrivateFileMode, false), (p + " exists (use --force to replace it)").c_str(),
                       InputError);
}

TEST_CASE("AtomicFileSink: standard output cannot be rewritten") {
  AtomicFileSink out("-", kPrivateFileMode, false);
  CHECK_FALSE(out.can_rewrite(16));
  CHECK_THROWS_AS(out.rewrite(0, std::vector<uint8_t>(1)), std::logic_error);
}
