// Image headers and decoding in pairkit-qr-scan.so (qr/image.cpp): PNG, JPEG,
// PNM, with a smaller pixel limit than `qr scan`'s default so that the fuzzer
// spends its time in the parsers, not in filling large images.
#include "fuzz_target.hpp"
#include "pairkit/qr/decoders.hpp"

PAIRKIT_FUZZ_TARGET(image) {
  (void)pairkit::qr::sniff_image_format(data);
  (void)pairkit::qr::decoders::decode_image(data, "input", uint64_t{1} << 20);
}
