// The entry point of pairkit-qr-scan.so: its C table (codec_abi.h) over the
// C++ decoders. Built with hidden visibility, so this is the module's only
// exported symbol; what the decoders throw is caught here, never crosses.
#include <cstdlib>
#include <cstring>
#include <exception>

#include "codec_abi.h"
#include "decoders.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit_config.h"

namespace pairkit::qr {
namespace {

int32_t fail(pkqr_error* err, int32_t status, const char* message) {
  err->status = status;
  std::snprintf(err->message, sizeof err->message, "%s", message);
  return status;
}

// Runs `f`, turning what it throws into a status and message.
template <class F>
int32_t guarded(pkqr_error* err, F&& f) {
  try {
    f();
    return PKQR_OK;
  } catch (const UsageError& e) {
    return fail(err, PKQR_USAGE, e.what());
  } catch (const InputError& e) {
    return fail(err, PKQR_INPUT, e.what());
  } catch (const std::exception& e) {
    return fail(err, PKQR_OTHER, e.what());
  }
}

void* checked_malloc(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  return p;
}

void copy_name(char* to, size_t capacity, const std::string& from) {
  std::snprintf(to, capacity, "%s", from.c_str());
}

int32_t decode_image(const uint8_t* data, uint64_t size, const char* name, uint64_t max_pixels, pkqr_image* out,
                     pkqr_error* err) {
  return guarded(err, [&] {
    const GrayImage img = decoders::decode_image({data, static_cast<size_t>(size)}, name, max_pixels);
    auto* pixels = static_cast<uint8_t*>(checked_malloc(img.pixels.size()));
    std::memcpy(pixels, img.pixels.data(), img.pixels.size());
    *out = {img.width, img.height, pixels};
  });
}

// One block: the array, then every text, so one release() frees it all.
void pack(const std::vector<FoundCode>& found, pkqr_codes* out) {
  size_t texts = 0;
  for (const auto& c : found) texts += c.text.size();
  auto* block = static_cast<char*>(checked_malloc(found.size() * sizeof(pkqr_code) + texts));
  auto* codes = reinterpret_cast<pkqr_code*>(block);
  char* text = block + found.size() * sizeof(pkqr_code);
  for (size_t i = 0; i < found.size(); ++i) {
    const FoundCode& c = found[i];
    pkqr_code& o = codes[i];
    std::memset(&o, 0, sizeof o);
    std::memcpy(text, c.text.data(), c.text.size());
    o.text = text;
    o.text_size = c.text.size();
    text += c.text.size();
    copy_name(o.format, sizeof o.format, c.format);
    copy_name(o.ec_level, sizeof o.ec_level, c.ec_level);
    copy_name(o.pass, sizeof o.pass, c.pass);
    o.version = c.version;
    o.inverted = c.inverted ? 1 : 0;
    for (int k = 0; k < 4; ++k) o.position[k] = {c.position[k].x, c.position[k].y};
  }
  *out = {codes, found.size()};
}

int32_t scan_image(const uint8_t* pixels, int32_t width, int32_t height, pkqr_codes* out, pkqr_error* err) {
  return guarded(err, [&] {
    const GrayImage img{width, height, std::vector<uint8_t>(pixels, pixels + static_cast<size_t>(width) * height)};
    pack(decoders::scan_image(img), out);
  });
}

int32_t decode_and_scan(const uint8_t* data, uint64_t size, const char* name, uint64_t max_pixels, pkqr_codes* out,
                        pkqr_error* err) {
  return guarded(err, [&] {
    pack(decoders::scan_image(decoders::decode_image({data, static_cast<size_t>(size)}, name, max_pixels)), out);
  });
}

void release(void* data) { std::free(data); }

const pkqr_scan_ops kScanOps = {PKQR_ABI, PAIRKIT_VERSION, decode_image, scan_image, decode_and_scan, release};

}  // namespace
}  // namespace pairkit::qr

extern "C" __attribute__((visibility("default"))) const pkqr_scan_ops* pairkit_qr_decoders(void) {
  return &pairkit::qr::kScanOps;
}
