// Image decoding: PNM by hand, PNG through libpng, and the refusals a
// hostile file must meet before anything large is allocated.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "pairkit/core/error.hpp"
#include "pairkit/qr/image.hpp"

using namespace pairkit;

namespace {
std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
std::string error_of(const std::vector<uint8_t>& d, uint64_t max = qr::kDefaultMaxPixels) {
  try {
    qr::decode_image(d, "x", max);
  } catch (const InputError& e) {
    return e.what();
  }
  return "accepted";
}
}  // namespace

TEST_CASE("PNM: every variant decodes to the same grey") {
  const auto p1 = qr::decode_image(bytes("P1\n# c\n3 1\n1 0 1\n"), "p1");
  CHECK(p1.pixels == std::vector<uint8_t>{0, 255, 0});
  const auto p1tight = qr::decode_image(bytes("P1 3 1 101"), "p1");
  CHECK(p1tight.pixels == p1.pixels);
  const auto p4 = qr::decode_image(bytes(std::string("P4\n3 1\n") + char(0xA0)), "p4");
  CHECK(p4.pixels == p1.pixels);
  const auto p2 = qr::decode_image(bytes("P2 2 1 15 0 15"), "p2");
  CHECK(p2.pixels == std::vector<uint8_t>{0, 255});
  const auto p5 = qr::decode_image(bytes(std::string("P5 2 1 255\n") + char(7) + char(200)), "p5");
  CHECK(p5.pixels == std::vector<uint8_t>{7, 200});
  const auto p5w = qr::decode_image(bytes(std::string("P5 1 1 65535\n") + char(0xFF) + char(0xFF)), "p5");
  CHECK(p5w.pixels == std::vector<uint8_t>{255});
  const auto p6 = qr::decode_image(bytes(std::string("P6 1 1 255\n") + char(255) + char(255) + char(255)), "p6");
  CHECK(p6.pixels == std::vector<uint8_t>{255});
  const auto p3 = qr::decode_image(bytes("P3 1 1 255 0 0 0"), "p3");
  CHECK(p3.pixels == std::vector<uint8_t>{0});
}

TEST_CASE("hostile PNM: zero size, absurd size, truncation, bad samples") {
  CHECK(error_of(bytes("P5 0 0 255\n")).find("zero size") != std::string::npos);
  CHECK(error_of(bytes("P5 100000 100000 255\n")).find("more than the limit") != std::string::npos);
  CHECK(error_of(bytes("P5 99999999999999 1 255\n")).find("absurdly large") != std::string::npos);
  CHECK(error_of(bytes("P5 10 10 255\nabc")).find("truncated") != std::string::npos);
  CHECK(error_of(bytes("P2 2 1 15 0")).find("truncated") != std::string::npos);
  CHECK(error_of(bytes("P2 1 1 15 16")).find("exceeds the maximum") != std::string::npos);
  CHECK(error_of(bytes("P5 2 2 255\n1234"), 3).find("limit of 3") != std::string::npos);
  CHECK(error_of(bytes("GIF89a")).find("not a PNG, JPEG or PNM") != std::string::npos);
  CHECK(error_of({}).find("is empty") != std::string::npos);
}

TEST_CASE("PNG: our 1-bit writer round-trips through libpng, and a huge header is refused unread") {
  const auto png = qr::encode_png_1bit(10, 3, [](int x, int y) { return (x + y) % 2 == 0; });
  const auto img = qr::decode_image(png, "a.png");
  REQUIRE(img.width == 10);
  REQUIRE(img.height == 3);
  CHECK(img.at(0, 0) == 255);
  CHECK(img.at(1, 0) == 0);
  CHECK(img.at(1, 1) == 255);
  // Rewrite the IHDR to 60000x60000 (3.6 Gpx) with a valid CRC: refused
  // before decoding, whatever the rest of the file holds.
  auto huge = png;
  const uint8_t dim[4] = {0, 0, 0xEA, 0x60};
  std::memcpy(&huge[16], dim, 4);
  std::memcpy(&huge[20], dim, 4);
  uint32_t crc = 0xFFFFFFFF;
  for (size_t i = 12; i < 29; ++i) {
    crc ^= huge[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320 & (0 - (crc & 1)));
  }
  crc ^= 0xFFFFFFFF;
  for (int k = 0; k < 4; ++k) huge[29 + k] = static_cast<uint8_t>(crc >> (24 - 8 * k));
  CHECK(error_of(huge).find("60000x60000") != std::string::npos);
  auto cut = png;
  cut.resize(cut.size() - 20);
  CHECK(error_of(cut).find("PNG") != std::string::npos);
  CHECK(error_of(std::vector<uint8_t>(png.begin(), png.begin() + 12)).find("PNG") != std::string::npos);
}
