// The unit tests' QR codec: both modules' operations linked in (meson's
// qr_codec_dep), reached through the same C tables and client as the pairkit
// binary reaches the loaded modules, so the tests cover the boundary too.
#include "pairkit/qr/codec_client.hpp"

namespace pairkit::qr {

Symbol encode_symbol(std::string_view text, Ecc ecc) { return client::encode_symbol(*pairkit_qr_render(), text, ecc); }

std::vector<uint8_t> encode_png_packed(int width, int height, const std::vector<uint8_t>& rows) {
  return client::encode_png_packed(*pairkit_qr_render(), width, height, rows);
}

GrayImage decode_image(std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels) {
  return client::decode_image(*pairkit_qr_decoders(), data, name, max_pixels);
}

std::vector<FoundCode> scan_image(const GrayImage& img) { return client::scan_image(*pairkit_qr_decoders(), img); }

std::vector<FoundCode> decode_and_scan(std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels) {
  return client::decode_and_scan(*pairkit_qr_decoders(), data, name, max_pixels);
}

}  // namespace pairkit::qr
