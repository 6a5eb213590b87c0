// Writing many small files (a batch of certificates) with the guarantees of
// write_file_atomic - never a partial file, never an overwrite without force -
// but one filesystem sync for the whole batch instead of one fsync per file.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "pairkit/core/files.hpp"

namespace pairkit::ca {

/// Writes every (path, content) pair: temporary files beside their targets,
/// one syncfs, then rename (force) or link (no force). Throws InputError
/// naming the first failing path; temporary files never stay behind.
void write_files_batch(const std::vector<std::pair<std::string, std::string>>& files, const WriteOptions& opts);

}  // namespace pairkit::ca
