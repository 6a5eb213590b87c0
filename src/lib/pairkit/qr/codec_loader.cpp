// The binary's side of the pairkit-qr module (codec.hpp): find and load it on
// first use, check it belongs to this build, and forward the codec calls.
#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <stdexcept>
#include <string>

#include "codec.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit_config.h"

namespace pairkit::qr {
namespace {

constexpr const char* kModuleName = "pairkit-qr.so";

std::string executable_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

const Codec& load() {
  // Next to the binary (a build tree, a relocated bundle), then where meson installs it.
  const std::string candidates[] = {executable_dir() + "/" + kModuleName, PAIRKIT_QR_MODULE_INSTALLED};
  std::string why;
  for (const auto& path : candidates) {
    if (access(path.c_str(), F_OK) != 0) continue;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      why = dlerror();
      break;
    }
    auto entry = reinterpret_cast<const Codec* (*)()>(dlsym(handle, kCodecSymbol));
    const Codec* table = entry ? entry() : nullptr;
    if (!table || table->abi != kCodecAbi || std::string(table->pairkit_version) != PAIRKIT_VERSION)
      throw InputError("QR support: " + path + " is not the module of this pairkit " PAIRKIT_VERSION " build");
    return *table;
  }
  throw InputError(std::string("QR support is not installed: ") +
                   (why.empty() ? "no " + std::string(kModuleName) + " next to pairkit or at " PAIRKIT_QR_MODULE_INSTALLED
                                : "cannot load it: " + why));
}

const Codec& codec() {
  static const Codec& table = load();
  return table;
}

// Runs one module operation and throws in the binary what the module caught
// (codec.hpp says why).
template <class F>
auto call(F&& op) {
  CodecError err;
  auto out = op(codec(), err);
  switch (err.kind) {
    case CodecError::none: break;
    case CodecError::usage: throw UsageError(err.message);
    case CodecError::input: throw InputError(err.message);
    case CodecError::other: throw std::runtime_error(err.message);
  }
  return out;
}

}  // namespace

Symbol encode_symbol(std::string_view text, Ecc ecc) {
  return call([&](const Codec& c, CodecError& err) { return c.encode_symbol(text, ecc, err); });
}

std::vector<uint8_t> encode_png_packed(int width, int height, const std::vector<uint8_t>& rows) {
  return call([&](const Codec& c, CodecError& err) { return c.encode_png_packed(width, height, rows, err); });
}

GrayImage decode_image(std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels) {
  return call([&](const Codec& c, CodecError& err) { return c.decode_image(data, name, max_pixels, err); });
}

std::vector<FoundCode> scan_image(const GrayImage& img) {
  return call([&](const Codec& c, CodecError& err) { return c.scan_image(img, err); });
}

}  // namespace pairkit::qr
