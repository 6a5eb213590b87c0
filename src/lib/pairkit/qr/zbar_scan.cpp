// The zbar fallback, in its own file: zbar.h's C++ wrappers clash with
// ZXing-cpp's macros.
#include "zbar_scan.hpp"

#include <memory>

#include <zbar.h>

namespace pairkit::qr {

// The last resort: zbar's QR decoder (QR only; it also tries the inverted
// image). Its detector reads some perspective-distorted photos that
// ZXing-cpp 1.4's misses, and the reverse; it reports no EC level.
std::vector<FoundCode> zbar_scan(const GrayImage& img) {
  using namespace zbar;  // zbar.h puts its C API in namespace zbar under C++
  std::unique_ptr<zbar_image_scanner_t, void (*)(zbar_image_scanner_t*)> scanner(zbar_image_scanner_create(),
                                                                                 zbar_image_scanner_destroy);
  zbar_image_scanner_set_config(scanner.get(), ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
  zbar_image_scanner_set_config(scanner.get(), ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
  zbar_image_scanner_set_config(scanner.get(), ZBAR_NONE, ZBAR_CFG_TEST_INVERTED, 1);
  std::unique_ptr<zbar_image_t, void (*)(zbar_image_t*)> zimg(zbar_image_create(), zbar_image_destroy);
  zbar_image_set_format(zimg.get(), zbar_fourcc('Y', '8', '0', '0'));
  zbar_image_set_size(zimg.get(), static_cast<unsigned>(img.width), static_cast<unsigned>(img.height));
  zbar_image_set_data(zimg.get(), img.pixels.data(), img.pixels.size(), nullptr);
  std::vector<FoundCode> out;
  if (zbar_scan_image(scanner.get(), zimg.get()) <= 0) return out;
  for (auto* sym = zbar_image_first_symbol(zimg.get()); sym; sym = zbar_symbol_next(sym)) {
    if (zbar_symbol_get_type(sym) != ZBAR_QRCODE || zbar_symbol_get_loc_size(sym) != 4) continue;
    FoundCode c;
    c.text.assign(zbar_symbol_get_data(sym), zbar_symbol_get_data_length(sym));
    c.format = "QRCode";
    c.pass = "zbar";
    // zbar lists the corners top-left, bottom-left, bottom-right, top-right.
    static constexpr int order[4] = {0, 3, 2, 1};
    for (int k = 0; k < 4; ++k)
      c.position[k] = {static_cast<double>(zbar_symbol_get_loc_x(sym, order[k])),
                       static_cast<double>(zbar_symbol_get_loc_y(sym, order[k]))};
    c.version = measure_version(img, c.position, false);
    if (c.version == 0) {
      c.inverted = true;  // a light-on-dark code shows its timing pattern only inverted
      c.version = measure_version(inverted(img), c.position, false);
      if (c.version == 0) c.inverted = false;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace pairkit::qr
