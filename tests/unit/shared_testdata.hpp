// The test corpora in ../shared/testdata (the age test kit, ZXing-cpp's QR
// samples) live beside the repository, not in it. A clone elsewhere skips the
// tests that need them, saying so; CI (.ci/run sets
// PAIRKIT_REQUIRE_SHARED_TESTDATA=1) fails instead, so a conformance run is
// never lost quietly.
#pragma once
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace pairkit::test {

inline std::optional<std::filesystem::path> shared_testdata(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(PAIRKIT_SHARED_TESTDATA) / name;
  if (std::filesystem::is_directory(dir)) return dir;
  const char* required = std::getenv("PAIRKIT_REQUIRE_SHARED_TESTDATA");
  if (required && std::string(required) == "1") FAIL(dir.string() << " is missing");
  MESSAGE("skipped: " << dir.string() << " is missing (clone pairkit beside ../shared to run it)");
  return std::nullopt;
}

}  // namespace pairkit::test
