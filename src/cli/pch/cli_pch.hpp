// Precompiled for the CLI targets (meson cpp_pch): the system headers every
// command file parses through cli.hpp and the library's headers. CLI11 2.1
// is header-only with no precompiled mode, and with nlohmann/json and Botan
// it was most of each file's compile time. System headers only: a change in
// pairkit's own headers must not rebuild this.
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <botan/rng.h>
#include <botan/secmem.h>
#include <botan/x509cert.h>
#include <nlohmann/json.hpp>
