// The QR modules' C boundary (codec_abi.h): what a module reports as a status
// and message comes back to C++ as the typed error with the same message.
#include <doctest/doctest.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "pairkit/core/error.hpp"
#include "pairkit/qr/codec_client.hpp"
#include "pairkit_config.h"

using namespace pairkit;

namespace {
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "no error";
}
std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
}  // namespace

TEST_CASE("render errors cross the C table as typed errors with their messages") {
  const pkqr_render_ops& render = *pairkit_qr_render();
  CHECK(message_of<UsageError>([&] { qr::client::encode_symbol(render, "", qr::Ecc::M); }) ==
        "the QR payload is empty");
  CHECK(message_of<UsageError>([&] { qr::client::encode_symbol(render, std::string("a\0b", 3), qr::Ecc::M); }) ==
        "the QR payload contains a NUL byte");
  CHECK(message_of<InputError>([&] { qr::client::encode_symbol(render, std::string(3000, 'x'), qr::Ecc::H); }) ==
        "the payload (3000 bytes) does not fit a QR code at level H (version 40 is the largest)");
}

TEST_CASE("scanning garbage comes back as an InputError naming the file") {
  const pkqr_scan_ops& scan = *pairkit_qr_decoders();
  CHECK(message_of<InputError>([&] { qr::client::decode_image(scan, bytes("not an image"), "junk.bin", 1000); }) ==
        "junk.bin is not a PNG, JPEG or PNM image");
  CHECK(message_of<InputError>([&] { qr::client::decode_image(scan, bytes("P5 1000 1000 255\n"), "big.pgm", 10); }) ==
        "big.pgm: the image is 1000x1000 = 1000000 pixels, more than the limit of 10 (--max-pixels)");
  const qr::GrayImage blank{8, 8, std::vector<uint8_t>(64, 255)};
  CHECK(qr::client::scan_image(scan, blank).empty());
}

TEST_CASE("a status without a known kind is a runtime_error; a module's table is checked against this build") {
  pkqr_error err{};
  err.status = 42;
  std::strcpy(err.message, "the decoder ran out of patience");
  CHECK(message_of<std::runtime_error>([&] { qr::client::raise(err); }) == "the decoder ran out of patience");
  err.status = PKQR_OK;
  CHECK_NOTHROW(qr::client::raise(err));
  CHECK(qr::client::from_this_build(pairkit_qr_render()->abi, pairkit_qr_render()->pairkit_version));
  CHECK(qr::client::from_this_build(pairkit_qr_decoders()->abi, pairkit_qr_decoders()->pairkit_version));
  CHECK_FALSE(qr::client::from_this_build(PKQR_ABI - 1, PAIRKIT_VERSION));
  CHECK_FALSE(qr::client::from_this_build(PKQR_ABI, "0.0.0-other"));
}

TEST_CASE("a found code's fields come through the C table unchanged") {
  const auto sym = qr::encode_symbol("PK1/ABI", qr::Ecc::Q);
  const std::string png = qr::render(sym, {qr::Format::png, 4, 4, false});
  const auto img = qr::client::decode_image(*pairkit_qr_decoders(), bytes(png), "abi.png", qr::kDefaultMaxPixels);
  const auto found = qr::client::scan_image(*pairkit_qr_decoders(), img);
  REQUIRE(found.size() == 1);
  CHECK(found[0].text == "PK1/ABI");
  CHECK(found[0].format == "QRCode");
  CHECK(found[0].ec_level == "Q");
  CHECK(found[0].version == sym.version);
  CHECK(found[0].pass == "default");
  CHECK(found[0].position[0].x == doctest::Approx(16).epsilon(0.1));
}

TEST_CASE("decode_and_scan: the one-call scan finds what decode then scan finds, and refuses garbage alike") {
  const pkqr_scan_ops& scan = *pairkit_qr_decoders();
  const std::string png = qr::render(qr::encode_symbol("PK1/ONE-CALL", qr::Ecc::M), {qr::Format::png, 3, 4, false});
  const auto found = qr::client::decode_and_scan(scan, bytes(png), "one.png", qr::kDefaultMaxPixels);
  const auto two_steps = qr::scan_image(qr::decode_image(bytes(png), "one.png"));
  REQUIRE(found.size() == 1);
  REQUIRE(two_steps.size() == 1);
  CHECK(found[0].text == two_steps[0].text);
  CHECK(found[0].version == two_steps[0].version);
  CHECK(found[0].position[2].x == two_steps[0].position[2].x);
  CHECK(message_of<InputError>([&] { qr::client::decode_and_scan(scan, bytes("GIF89a"), "cat.gif", 1000); }) ==
        "cat.gif is not a PNG, JPEG or PNM image");
}
