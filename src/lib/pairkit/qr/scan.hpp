// Scanning QR and Micro QR codes with ZXing-cpp: one pass with ZXingReader's
// settings, then (only when it finds nothing) the inverted image, other
// binarizers, a smoothed, a contrast-stretched and a rescaled image, and
// last zbar's decoder.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "image.hpp"

namespace pairkit::qr {

struct PointF {
  double x = 0, y = 0;
};

/// One code found in an image.
struct FoundCode {
  std::string text;
  std::string format;               ///< "QRCode" or "MicroQRCode"
  std::string ec_level;             ///< "L".."H", empty if unknown
  int version = 0;                  ///< 1-40, M1-M4 as 1-4; 0 if not measurable
  std::array<PointF, 4> position;   ///< top-left, top-right, bottom-right, bottom-left, in image pixels
  bool inverted = false;            ///< light modules on a dark background
  std::string pass;                 ///< which pass found it (for --verbose and tests)
};

/// Finds every QR and Micro QR code in the image (never 1D barcodes).
std::vector<FoundCode> scan_image(const GrayImage& img);

/// decode_image (image.hpp) then scan_image in one step, for a caller that
/// needs only the codes: the pixels stay inside the scan module.
std::vector<FoundCode> decode_and_scan(std::span<const uint8_t> data, const std::string& name,
                                       uint64_t max_pixels = kDefaultMaxPixels);

/// The symbol's version (1-40; 1-4 for Micro QR), found by sampling the
/// timing patterns each candidate version implies inside the corners
/// (ZXing-cpp 1.4 does not report it); 0 when none matches well.
int measure_version(const GrayImage& img, const std::array<PointF, 4>& corners, bool micro);

}  // namespace pairkit::qr
