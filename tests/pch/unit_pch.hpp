// Precompiled for the unit tests (meson cpp_pch): doctest and the system
// headers most test files share. System headers only: a change in pairkit's
// own headers must not rebuild this. main.cpp defines DOCTEST_CONFIG_IMPLEMENT
// itself, since doctest.h is already included when it is compiled.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <botan/rng.h>
#include <botan/x509cert.h>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
