// The binary's side of the QR modules' C contract (codec_abi.h): their
// operations as pairkit's C++ types, their errors as pairkit's typed errors.
// The library declares encode_symbol, encode_png_packed, decode_image,
// scan_image and decode_and_scan; each program defines them over these functions: the binary over
// the loaded modules (src/cli/qr_module.cpp), the unit tests over the same
// modules linked in (tests/unit/qr/linked_codec.cpp).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec_abi.h"
#include "image.hpp"
#include "render.hpp"
#include "scan.hpp"

namespace pairkit::qr::client {

/// Whether a module table of this ABI version and pairkit version belongs to this build.
bool from_this_build(uint32_t abi, const char* pairkit_version);

/// Throws what `err` holds: UsageError, InputError or std::runtime_error with
/// its message; returns when the status is PKQR_OK.
void raise(const pkqr_error& err);

/// encode_symbol (render.hpp) through a module's table.
Symbol encode_symbol(const pkqr_render_ops& ops, std::string_view text, Ecc ecc);
/// encode_png_packed (image.hpp) through a module's table.
std::vector<uint8_t> encode_png_packed(const pkqr_render_ops& ops, int width, int height,
                                       const std::vector<uint8_t>& rows);
/// decode_image (image.hpp) through a module's table.
GrayImage decode_image(const pkqr_scan_ops& ops, std::span<const uint8_t> data, const std::string& name,
                       uint64_t max_pixels);
/// scan_image (scan.hpp) through a module's table.
std::vector<FoundCode> scan_image(const pkqr_scan_ops& ops, const GrayImage& img);
/// decode_and_scan (scan.hpp) through a module's table.
std::vector<FoundCode> decode_and_scan(const pkqr_scan_ops& ops, std::span<const uint8_t> data, const std::string& name,
                                       uint64_t max_pixels);

}  // namespace pairkit::qr::client
