// parse_toml on input that reaches toml++ 3.3.0's undefined behaviour
// (subprojects/tomlplusplus-3.3.0-unreachable.patch): each must end in a
// clean InputError, or parse as TOML says. The sanitizer build (UBSan,
// toml++'s assertions on) fails these without the patch.
#include <doctest/doctest.h>

#include <string>

#include "pairkit/core/error.hpp"
#include "pairkit/core/toml_file.hpp"

using pairkit::InputError;
using pairkit::parse_toml;

// Evaluated by the compiler: TOML_UNREACHABLE is not a constant expression,
// so an unpatched toml++ 3.3.0 fails the build here whatever the build type.
static_assert(!toml::impl::is_non_ascii_horizontal_whitespace(U'\u00A1'));
static_assert(!toml::impl::is_non_ascii_horizontal_whitespace(U'\u3001'));
static_assert(toml::impl::is_non_ascii_horizontal_whitespace(U'\u3000'));

TEST_CASE("a non-whitespace code point where whitespace may be is a parse error, not TOML_UNREACHABLE") {
  for (const std::string text : {"\xc2\xa1", "a = 1 \xc2\xa1", "a = [1, \xc2\xa1]", "a = 1\n\xe3\x80\x81\n", "[t]\xc2\xa7\n"}) {
    INFO(text);
    CHECK_THROWS_AS(parse_toml(text, "x.toml"), InputError);
  }
}

TEST_CASE("a multi-line string's line-ending backslash before a non-ASCII letter keeps the letter (#190)") {
  const auto t = parse_toml("s = \"\"\"\\\n\xc2\xa7\"\"\"\n", "x.toml");
  CHECK(t["s"].value<std::string>() == "\xc2\xa7");
}

TEST_CASE("a date-time whose time starts with a letter is a parse error, not an assertion") {
  CHECK_THROWS_WITH_AS(parse_toml("a = 2026-06-01ti0:00:01Z\n", "x.toml"), doctest::Contains("x.toml:1: "), InputError);
}

TEST_CASE("an array holding a closing brace is a parse error, not an assertion") {
  CHECK_THROWS_WITH_AS(parse_toml("s = [}\n", "x.toml"), doctest::Contains("x.toml:1: "), InputError);
}

TEST_CASE("a table header that starts with neither a bare key nor a quote is a parse error, not an assertion") {
  for (const std::string text : {"[=]", "[ =]", "[\xc2\xa7]", "[ \xc2\xa7]", "[[#]]"}) {
    INFO(text);
    CHECK_THROWS_WITH_AS(parse_toml(text, "x.toml"), doctest::Contains("x.toml:1: "), InputError);
  }
}

TEST_CASE("a key of more than 32 dotted segments is a parse error, not half a million nested tables") {
  std::string key = "k";
  for (int i = 1; i < 32; ++i) key += ".k";
  CHECK(parse_toml("[" + key + "]\n", "x.toml").size() == 1);
  CHECK(parse_toml(key + " = 1\n", "x.toml").size() == 1);
  CHECK_THROWS_WITH_AS(parse_toml("[" + key + ".k]\n", "x.toml"), doctest::Contains("dotted key depth of 32"),
                       InputError);
  std::string deep = "k";
  for (int i = 1; i < 500000; ++i) deep += ".k";
  CHECK_THROWS_WITH_AS(parse_toml(deep + " = 1\n", "x.toml"), doctest::Contains("x.toml:1: "), InputError);
}
