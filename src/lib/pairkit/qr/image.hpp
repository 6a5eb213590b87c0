// Image I/O for QR codes: decoding PNG (libpng), JPEG (libjpeg) and PNM
// (parsed here) to 8-bit grey, with a pixel limit checked against the header
// before anything is allocated; encoding 1-bit PNG.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pairkit::qr {

/// Default limit on the pixels an image header may declare (50 Mpx).
inline constexpr uint64_t kDefaultMaxPixels = 50'000'000;

/// An 8-bit grey image, rows top to bottom, no padding.
struct GrayImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;
  uint8_t at(int x, int y) const { return pixels[static_cast<size_t>(y) * width + x]; }
};

/// The negative of an image (light-on-dark codes become dark-on-light).
GrayImage inverted(const GrayImage& in);

/// "png", "jpeg" or "pnm" from the first bytes; empty if none.
std::string sniff_image_format(std::span<const uint8_t> data);

/// Decodes a PNG, JPEG or PGM/PPM/PBM (format from the content, not the
/// name). Transparency is laid over white. Throws InputError naming `name`
/// for an unknown format, a corrupt or truncated file, a zero-size image or
/// one whose header declares more than max_pixels.
GrayImage decode_image(std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels = kDefaultMaxPixels);

/// A 1-bit greyscale PNG; `light(x, y)` says which pixels are white.
template <class F>
std::vector<uint8_t> encode_png_1bit(int width, int height, F light);

/// Implementation behind encode_png_1bit: packed rows, MSB first, 1 = white.
std::vector<uint8_t> encode_png_packed(int width, int height, const std::vector<uint8_t>& rows);

template <class F>
std::vector<uint8_t> encode_png_1bit(int width, int height, F light) {
  const size_t stride = (static_cast<size_t>(width) + 7) / 8;
  std::vector<uint8_t> rows(stride * height, 0);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      if (light(x, y)) rows[y * stride + x / 8] |= static_cast<uint8_t>(0x80 >> (x % 8));
  return encode_png_packed(width, height, rows);
}

}  // namespace pairkit::qr
