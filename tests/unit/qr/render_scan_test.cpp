// Rendering and scanning meet: what pairkit draws it reads back, with the
// symbol's version and EC level; light-on-dark codes included.
#include <doctest/doctest.h>

#include <string>

#include "pairkit/core/error.hpp"
#include "pairkit/qr/image.hpp"
#include "pairkit/qr/render.hpp"
#include "pairkit/qr/scan.hpp"

using namespace pairkit;

namespace {
qr::GrayImage png_of(const qr::Symbol& s, int scale, bool invert, int margin = 4) {
  const std::string png = qr::render(s, {qr::Format::png, scale, margin, invert});
  return qr::decode_image(std::vector<uint8_t>(png.begin(), png.end()), "t.png");
}
}  // namespace

TEST_CASE("render then scan: text, version and EC level come back") {
  for (qr::Ecc ecc : {qr::Ecc::L, qr::Ecc::M, qr::Ecc::Q, qr::Ecc::H}) {
    for (size_t len : {5, 40, 120, 300, 700}) {
      std::string text;
      for (size_t i = 0; i < len; ++i) text += static_cast<char>('a' + (i * 7) % 26);
      const auto sym = qr::encode_symbol(text, ecc);
      const auto found = qr::scan_image(png_of(sym, 3, false));
      REQUIRE(found.size() == 1);
      CHECK(found[0].text == text);
      CHECK(found[0].ec_level == std::string(1, qr::ecc_name(ecc)));
      CHECK(found[0].version == sym.version);
      CHECK_FALSE(found[0].inverted);
    }
  }
}

TEST_CASE("light-on-dark codes are read from the inverted image") {
  const auto sym = qr::encode_symbol("PK1/INVERTED", qr::Ecc::M);
  const auto found = qr::scan_image(png_of(sym, 4, true));
  REQUIRE(found.size() == 1);
  CHECK(found[0].text == "PK1/INVERTED");
  CHECK(found[0].inverted);
  CHECK(found[0].version == sym.version);
}

TEST_CASE("fit: the largest integer scale, and the needed size when nothing fits") {
  const auto sym = qr::encode_symbol("HELLO", qr::Ecc::M);  // version 1: 21 modules + 8 quiet
  qr::RenderOptions o;
  o.format = qr::Format::png;
  CHECK(qr::fit_scale(sym, o, 128, 64) == 2);
  CHECK(qr::fit_scale(sym, o, 29, 29) == 1);
  CHECK_THROWS_WITH_AS(qr::fit_scale(sym, o, 28, 100), doctest::Contains("needs at least 29x29 pixels"), InputError);
  o.format = qr::Format::utf8;
  CHECK(qr::fit_scale(sym, o, 80, 15) == 1);
  CHECK_THROWS_AS(qr::fit_scale(sym, o, 80, 14), InputError);
  o.format = qr::Format::ansi;
  CHECK_THROWS_WITH_AS(qr::fit_scale(sym, o, 57, 29), doctest::Contains("58x29 characters"), InputError);
}

TEST_CASE("a payload too long for version 40 is refused") {
  CHECK_THROWS_AS(qr::encode_symbol(std::string(3000, 'x'), qr::Ecc::H), InputError);
  CHECK_THROWS_AS(qr::encode_symbol("", qr::Ecc::M), UsageError);
}
