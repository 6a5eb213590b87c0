// The age ASCII armor on its own: line lengths, padding, the footer.
#include <array>

#include "fuzz_target.hpp"
#include "pairkit/backup/armor.hpp"

PAIRKIT_FUZZ_TARGET(armor) {
  pairkit::SpanSource raw(data);
  pairkit::backup::ArmorSource armor(raw);
  std::array<uint8_t, 4096> buf;
  while (armor.read(buf) > 0) {
  }
}
