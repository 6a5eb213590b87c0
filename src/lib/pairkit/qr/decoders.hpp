// The implementations inside pairkit-qr-scan.so behind image.hpp's
// decode_image and scan.hpp's scan_image, which reach them through the module's
// C table (scan_module.cpp, codec_abi.h).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "image.hpp"
#include "scan.hpp"

namespace pairkit::qr::decoders {

/// What qr::decode_image promises (image.hpp).
GrayImage decode_image(std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels);

/// What qr::scan_image promises (scan.hpp).
std::vector<FoundCode> scan_image(const GrayImage& img);

}  // namespace pairkit::qr::decoders
