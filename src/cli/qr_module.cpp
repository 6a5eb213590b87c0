// The pairkit binary's QR codec: finds and loads pairkit-qr.so on first use,
// checks it belongs to this build, and defines the library's module-backed
// operations (encode_symbol, encode_png_packed, decode_image, scan_image,
// decode_and_scan) through its C tables (qr/codec_abi.h says why a module).
#include <dlfcn.h>
#include <unistd.h>

#include <string>

#include "companion.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/qr/codec_client.hpp"
#include "pairkit_config.h"

namespace pairkit::qr {
namespace {

constexpr const char* kModuleName = "pairkit-qr.so";

struct Module {
  void* handle;
  const pkqr_render_ops* render;
};

Module load() {
  // Next to the binary (a build tree, a relocated bundle), then where meson installs it.
  const std::string candidates[] = {cli::executable_dir() + "/" + kModuleName, PAIRKIT_QR_MODULE_INSTALLED};
  std::string why;
  for (const auto& path : candidates) {
    if (access(path.c_str(), F_OK) != 0) continue;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      why = dlerror();
      break;
    }
    auto entry = reinterpret_cast<const pkqr_render_ops* (*)()>(dlsym(handle, PKQR_RENDER_ENTRY));
    const pkqr_render_ops* ops = entry ? entry() : nullptr;
    if (!ops || !client::from_this_build(ops->abi, ops->pairkit_version) || !dlsym(handle, PKQR_SCAN_ENTRY))
      throw InputError("QR support: " + path + " is not the module of this pairkit " PAIRKIT_VERSION " build");
    return {handle, ops};
  }
  throw InputError(std::string("QR support is not installed: ") +
                   (why.empty() ? "no " + std::string(kModuleName) + " next to pairkit or at " PAIRKIT_QR_MODULE_INSTALLED
                                : "cannot load it: " + why));
}

const Module& module() {
  static const Module loaded = load();
  return loaded;
}

// The decoders are a second module that pairkit-qr.so loads on the first scan.
const pkqr_scan_ops& scanner() {
  static const pkqr_scan_ops& ops = []() -> const pkqr_scan_ops& {
    auto entry = reinterpret_cast<const pkqr_scan_ops* (*)(pkqr_error*)>(dlsym(module().handle, PKQR_SCAN_ENTRY));
    pkqr_error err{};
    const pkqr_scan_ops* scan = entry(&err);
    if (!scan) {
      client::raise(err);
      throw InputError("QR scanning is not installed");
    }
    return *scan;
  }();
  return ops;
}

}  // namespace

Symbol encode_symbol(std::string_view text, Ecc ecc) { return client::encode_symbol(*module().render, text, ecc); }

std::vector<uint8_t> encode_png_packed(int width, int height, const std::vector<uint8_t>& rows) {
  return client::encode_png_packed(*module().render, width, height, rows);
}

GrayImage decode_image(std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels) {
  return client::decode_image(scanner(), data, name, max_pixels);
}

std::vector<FoundCode> scan_image(const GrayImage& img) { return client::scan_image(scanner(), img); }

std::vector<FoundCode> decode_and_scan(std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels) {
  return client::decode_and_scan(scanner(), data, name, max_pixels);
}

}  // namespace pairkit::qr
