// The entry point of pairkit-qr.so: the table of its operations (codec.hpp).
// Built with hidden visibility, so this is the module's only exported symbol.
#include <exception>

#include "codec.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit_config.h"

namespace pairkit::qr {
namespace {

// Runs `f`, turning what it throws into `err` (and a default result).
template <class F>
auto guarded(CodecError& err, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const UsageError& e) {
    err = {CodecError::usage, e.what()};
  } catch (const InputError& e) {
    err = {CodecError::input, e.what()};
  } catch (const std::exception& e) {
    err = {CodecError::other, e.what()};
  }
  return {};
}

}  // namespace
}  // namespace pairkit::qr

extern "C" __attribute__((visibility("default"))) const pairkit::qr::Codec* pairkit_qr_codec() {
  using namespace pairkit::qr;
  static const Codec table{
      kCodecAbi,
      PAIRKIT_VERSION,
      [](std::string_view text, Ecc ecc, CodecError& err) {
        return guarded(err, [&] { return encode_symbol(text, ecc); });
      },
      [](int width, int height, const std::vector<uint8_t>& rows, CodecError& err) {
        return guarded(err, [&] { return encode_png_packed(width, height, rows); });
      },
      [](std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels, CodecError& err) {
        return guarded(err, [&] { return decode_image(data, name, max_pixels); });
      },
      [](const GrayImage& img, CodecError& err) { return guarded(err, [&] { return scan_image(img); }); },
  };
  return &table;
}
