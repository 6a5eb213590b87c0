// toml++'s implementation, compiled once into pairkit (every other file
// includes it with TOML_HEADER_ONLY=0) instead of linking libtomlplusplus.so:
// the pairkit binary carries its own C++ runtime (meson.build, static_cxx),
// and a shared toml++ would bring libstdc++.so back into every process.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
