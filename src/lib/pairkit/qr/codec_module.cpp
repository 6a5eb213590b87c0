// The entry point of pairkit-qr.so: the table of its operations (codec.hpp).
// Built with hidden visibility, so this is the module's only exported symbol.
#include "codec.hpp"

#include "pairkit_config.h"

extern "C" __attribute__((visibility("default"))) const pairkit::qr::Codec* pairkit_qr_codec() {
  using namespace pairkit::qr;
  static const Codec table{kCodecAbi, PAIRKIT_VERSION, &encode_symbol, &encode_png_packed, &decode_image, &scan_image};
  return &table;
}
