// The ustar reader of restore points: headers, sizes, padding, the end marker.
#include <array>

#include "fuzz_target.hpp"
#include "pairkit/backup/manifest.hpp"
#include "pairkit/backup/tar.hpp"

PAIRKIT_FUZZ_TARGET(tar) {
  pairkit::SpanSource raw(data);
  pairkit::backup::TarReader tar(raw, "input");
  std::array<uint8_t, 4096> buf;
  while (const auto entry = tar.next()) {
    (void)pairkit::backup::safe_relative_path(entry->path);
    while (tar.read(buf) > 0) {
    }
  }
}
