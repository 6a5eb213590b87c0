// A restore point's manifest.toml (anyone who knows the recipient can write one).
#include "fuzz_target.hpp"
#include "pairkit/backup/manifest.hpp"

PAIRKIT_FUZZ_TARGET(manifest) {
  const auto manifest = pairkit::backup::Manifest::parse(std::string(pairkit::fuzz::as_text(data)), "manifest.toml");
  (void)manifest.to_toml();
}
