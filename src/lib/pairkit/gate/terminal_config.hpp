// CONFIG, what a paired terminal receives (pairkit-gate(1), API): the master
// service from gate.toml and the files of config_dir/SERIAL/ or default/.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "pairkit/gate/gate_config.hpp"

namespace pairkit::gate {

/// At most this many files, and this many bytes in all, per terminal.
inline constexpr size_t kMaxConfigFiles = 64;
inline constexpr size_t kMaxConfigBytes = size_t{1} << 20;

/// The CONFIG document for `serial`. Regular files with plain names only
/// ([A-Za-z0-9._-], no leading dot; others are left out), not recursive;
/// mode "0600" unless the file is world-readable. Throws InputError when
/// the folder is over the limits or a file cannot be read (the gate answers 503).
nlohmann::json terminal_config(const GateConfig& config, const std::string& serial);

}  // namespace pairkit::gate
