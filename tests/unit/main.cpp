// doctest's main for the unit tests. doctest.h comes in first through the
// precompiled header (tests/pch/unit_pch.hpp), so DOCTEST_CONFIG_IMPLEMENT is
// defined here too: WITH_MAIN alone is only read on the header's first pass.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
