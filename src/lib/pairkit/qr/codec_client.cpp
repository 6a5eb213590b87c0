// From the QR modules' C structs and statuses back to C++ (codec_client.hpp).
#include "codec_client.hpp"

#include <cstring>
#include <memory>
#include <stdexcept>

#include "pairkit/core/error.hpp"
#include "pairkit_config.h"

namespace pairkit::qr::client {

namespace {

// Owns what a module allocated until it is copied out; freed by that module.
template <class Ops>
auto owned(const Ops& ops, void* data) {
  return std::unique_ptr<void, void (*)(void*)>(data, ops.release);
}

// A status the module returned must come with a message in err; a module
// that forgot one still fails loudly.
template <class F>
void call(F&& op) {
  pkqr_error err{};
  const int32_t status = op(&err);
  if (status == PKQR_OK) return;
  if (err.status == PKQR_OK) err.status = status;
  raise(err);
}

// A fixed-size field the module filled, NUL-terminated or not.
template <size_t N>
std::string field(const char (&chars)[N]) {
  return std::string(chars, strnlen(chars, N));
}

}  // namespace

bool from_this_build(uint32_t abi, const char* pairkit_version) {
  return abi == PKQR_ABI && pairkit_version && std::strcmp(pairkit_version, PAIRKIT_VERSION) == 0;
}

void raise(const pkqr_error& err) {
  const std::string message = field(err.message);
  switch (err.status) {
    case PKQR_OK: return;
    case PKQR_USAGE: throw UsageError(message);
    case PKQR_INPUT: throw InputError(message);
    default: throw std::runtime_error(message);
  }
}

Symbol encode_symbol(const pkqr_render_ops& ops, std::string_view text, Ecc ecc) {
  auto out = std::make_unique<pkqr_symbol>();
  call([&](pkqr_error* err) {
    return ops.encode_symbol(text.data(), text.size(), static_cast<int32_t>(ecc), out.get(), err);
  });
  Symbol sym;
  sym.version = out->version;
  sym.size = out->size;
  sym.ecc = ecc;
  sym.dark.resize(static_cast<size_t>(sym.size) * sym.size);
  for (size_t i = 0; i < sym.dark.size(); ++i) sym.dark[i] = out->dark[i] != 0;
  return sym;
}

std::vector<uint8_t> encode_png_packed(const pkqr_render_ops& ops, int width, int height,
                                       const std::vector<uint8_t>& rows) {
  pkqr_bytes out{};
  call([&](pkqr_error* err) { return ops.encode_png(width, height, rows.data(), &out, err); });
  const auto hold = owned(ops, out.data);
  return std::vector<uint8_t>(out.data, out.data + out.size);
}

GrayImage decode_image(const pkqr_scan_ops& ops, std::span<const uint8_t> data, const std::string& name,
                       uint64_t max_pixels) {
  pkqr_image out{};
  call([&](pkqr_error* err) {
    return ops.decode_image(data.data(), data.size(), name.c_str(), max_pixels, &out, err);
  });
  const auto hold = owned(ops, out.pixels);
  GrayImage img;
  img.width = out.width;
  img.height = out.height;
  img.pixels.assign(out.pixels, out.pixels + static_cast<size_t>(out.width) * out.height);
  return img;
}

namespace {

std::vector<FoundCode> unpack(const pkqr_scan_ops& ops, const pkqr_codes& out) {
  const auto hold = owned(ops, out.codes);
  std::vector<FoundCode> found;
  found.reserve(out.count);
  for (uint64_t i = 0; i < out.count; ++i) {
    const pkqr_code& c = out.codes[i];
    FoundCode f;
    f.text.assign(c.text, c.text_size);
    f.format = field(c.format);
    f.ec_level = field(c.ec_level);
    f.version = c.version;
    f.inverted = c.inverted != 0;
    f.pass = field(c.pass);
    for (int k = 0; k < 4; ++k) f.position[k] = {c.position[k].x, c.position[k].y};
    found.push_back(std::move(f));
  }
  return found;
}

}  // namespace

std::vector<FoundCode> scan_image(const pkqr_scan_ops& ops, const GrayImage& img) {
  pkqr_codes out{};
  call([&](pkqr_error* err) { return ops.scan_image(img.pixels.data(), img.width, img.height, &out, err); });
  return unpack(ops, out);
}

std::vector<FoundCode> decode_and_scan(const pkqr_scan_ops& ops, std::span<const uint8_t> data, const std::string& name,
                                       uint64_t max_pixels) {
  pkqr_codes out{};
  call([&](pkqr_error* err) {
    return ops.decode_and_scan(data.data(), data.size(), name.c_str(), max_pixels, &out, err);
  });
  return unpack(ops, out);
}

}  // namespace pairkit::qr::client
