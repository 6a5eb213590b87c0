// The fuzz targets by name, for the unit suite's replay of their corpora
// (the table is generated from tests/fuzz/meson.build).
#pragma once
#include <vector>

#include "fuzz_target.hpp"

namespace pairkit::fuzz {

struct Target {
  const char* name;
  Body body;
};

const std::vector<Target>& targets();

}  // namespace pairkit::fuzz
