// zbar's QR decoder as scan_image's last pass (internal to pairkit::qr).
#pragma once
#include <vector>

#include "image.hpp"
#include "scan.hpp"

namespace pairkit::qr {

/// QR codes zbar finds (dark-on-light or inverted); positions in image
/// pixels, version measured like scan_image's, no EC level.
std::vector<FoundCode> zbar_scan(const GrayImage& img);

}  // namespace pairkit::qr
