// For commands that handle no secret (pairing registry, pin store): skip
// Botan's mlock'ed pool for secrets, whose mmap + mlock setup costs about
// 30 ms of CPU per process, more than the rest of such a command.
#pragma once
#include <cstdlib>

namespace pairkit::cli {

/// Call before the command touches Botan. A value the user set is kept.
inline void public_material_only() { ::setenv("BOTAN_MLOCK_POOL_SIZE", "0", 0); }

}  // namespace pairkit::cli
