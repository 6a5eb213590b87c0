// The QR operations that need the barcode and image libraries (libqrencode,
// ZXing-cpp, zbar, libpng, libjpeg) live in a module, pairkit-qr.so, that the
// pairkit binary loads on first use. Every other command then starts without
// mapping and relocating those libraries and the twenty more that zbar pulls
// in (X11, D-Bus, v4l, ...): process start-up is what a provisioning script
// calling pairkit thousands of times pays for.
//
// The module exports one C function returning this table; the binary's
// definitions of encode_symbol, encode_png_packed, decode_image and scan_image
// (codec_loader.cpp) forward to it. The unit tests link the module's sources
// directly instead.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "image.hpp"
#include "render.hpp"
#include "scan.hpp"

namespace pairkit::qr {

/// Bumped whenever Codec changes shape; the loader refuses any other value.
inline constexpr int kCodecAbi = 2;

/// An error raised inside the module. Exceptions do not cross the module
/// boundary (the binary may carry its own copy of the C++ runtime): the
/// module catches them and the binary throws them again.
struct CodecError {
  enum Kind { none, usage, input, other } kind = none;
  std::string message;
};

struct Codec {
  int abi;
  const char* pairkit_version;  ///< the module must come from the same build as the binary
  Symbol (*encode_symbol)(std::string_view text, Ecc ecc, CodecError& err);
  std::vector<uint8_t> (*encode_png_packed)(int width, int height, const std::vector<uint8_t>& rows, CodecError& err);
  GrayImage (*decode_image)(std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels,
                            CodecError& err);
  std::vector<FoundCode> (*scan_image)(const GrayImage& img, CodecError& err);
};

/// The name of the function pairkit-qr.so exports.
inline constexpr const char* kCodecSymbol = "pairkit_qr_codec";

}  // namespace pairkit::qr
