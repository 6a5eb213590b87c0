// pairkit-qr.so's rendering operations (codec_abi.h): the symbol for a text
// (libqrencode, picking the smallest encoding) and 1-bit PNG (libpng).
// Written against libc only, without exceptions or the C++ library, so that
// loading the module maps no libstdc++ either: `qr render` pays for
// libqrencode, libpng and zlib and nothing else.
#include <errno.h>
#include <png.h>
#include <qrencode.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_abi.h"
#include "pairkit_config.h"

namespace {

int32_t fail(pkqr_error* err, int32_t status, const char* format, ...) __attribute__((format(printf, 3, 4)));
int32_t fail(pkqr_error* err, int32_t status, const char* format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(err->message, sizeof err->message, format, args);
  va_end(args);
  err->status = status;
  return status;
}

bool qr_alphanumeric(const char* s, uint64_t size) {
  for (uint64_t i = 0; i < size; ++i) {
    const char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c != '\0' && strchr(" $%*+-./:", c))))
      return false;
  }
  return true;
}

int32_t encode_symbol(const char* text, uint64_t size, int32_t ecc, pkqr_symbol* out, pkqr_error* err) {
  if (size == 0) return fail(err, PKQR_USAGE, "the QR payload is empty");
  if (memchr(text, '\0', size)) return fail(err, PKQR_USAGE, "the QR payload contains a NUL byte");
  if (ecc < 0 || ecc > 3) return fail(err, PKQR_USAGE, "unknown error-correction level %d", ecc);
  static const QRecLevel levels[] = {QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q, QR_ECLEVEL_H};
  const QRecLevel level = levels[ecc];
  // libqrencode wants a C string.
  char* s = static_cast<char*>(malloc(size + 1));
  if (!s) return fail(err, PKQR_OTHER, "out of memory for a %llu-byte payload", static_cast<unsigned long long>(size));
  memcpy(s, text, size);
  s[size] = '\0';
  errno = 0;
  QRcode* code = QRcode_encodeString(s, 0, level, QR_MODE_8, 1);
  const int saved_errno = errno;
  // libqrencode's mode optimiser splits digit runs into numeric segments,
  // whose headers can cost a version: a pairing payload is smallest as one
  // alphanumeric segment, so try that too and keep the smaller symbol.
  if (qr_alphanumeric(s, size)) {
    if (QRinput* in = QRinput_new2(0, level)) {
      if (QRinput_append(in, QR_MODE_AN, static_cast<int>(size), reinterpret_cast<const unsigned char*>(s)) == 0) {
        if (QRcode* an = QRcode_encodeInput(in)) {
          if (!code || an->version <= code->version) {
            QRcode_free(code);
            code = an;
          } else {
            QRcode_free(an);
          }
        }
      }
      QRinput_free(in);
    }
  }
  free(s);
  if (!code) {
    if (saved_errno == ERANGE)
      return fail(err, PKQR_INPUT, "the payload (%llu bytes) does not fit a QR code at level %c (version 40 is the largest)",
                  static_cast<unsigned long long>(size), "LMQH"[ecc]);
    return fail(err, PKQR_INPUT, "libqrencode could not encode the payload");
  }
  out->version = code->version;
  out->size = code->width;
  const int n = code->width * code->width;
  for (int i = 0; i < n; ++i) out->dark[i] = code->data[i] & 1;
  QRcode_free(code);
  return PKQR_OK;
}

struct Growing {
  uint8_t* data;
  size_t size;
  size_t capacity;
  bool failed;
};

void append(png_structp png, png_bytep bytes, png_size_t n) {
  auto* g = static_cast<Growing*>(png_get_io_ptr(png));
  if (g->failed) return;
  if (g->size + n > g->capacity) {
    size_t cap = g->capacity ? g->capacity * 2 : 4096;
    while (cap < g->size + n) cap *= 2;
    auto* grown = static_cast<uint8_t*>(realloc(g->data, cap));
    if (!grown) {
      g->failed = true;
      return;
    }
    g->data = grown;
    g->capacity = cap;
  }
  memcpy(g->data + g->size, bytes, n);
  g->size += n;
}

int32_t encode_png(int32_t width, int32_t height, const uint8_t* rows, pkqr_bytes* out, pkqr_error* err) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    return fail(err, PKQR_INPUT, "libpng could not start a PNG");
  }
  // Reached through png's io pointer only, so the longjmp below cannot leave it stale.
  Growing* g = static_cast<Growing*>(calloc(1, sizeof(Growing)));
  if (!g) {
    png_destroy_write_struct(&png, &info);
    return fail(err, PKQR_OTHER, "out of memory for a PNG");
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    free(g->data);
    free(g);
    return fail(err, PKQR_INPUT, "libpng failed to write the PNG");
  }
  png_set_write_fn(png, g, append, nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 1, PNG_COLOR_TYPE_GRAY,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // zlib's default level. Level 9's longer match search finds nothing more in
  // a QR code's repeated rows (its files were a few bytes larger at most
  // scales) and was 60% of a whole `qr render`'s instructions.
  png_set_compression_level(png, 6);
  png_write_info(png, info);
  const size_t stride = (static_cast<size_t>(width) + 7) / 8;
  for (int32_t y = 0; y < height; ++y) png_write_row(png, const_cast<png_bytep>(rows + y * stride));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  const bool failed = g->failed;
  out->data = g->data;
  out->size = g->size;
  free(g);
  if (failed) {
    free(out->data);
    *out = {};
    return fail(err, PKQR_OTHER, "out of memory for a PNG");
  }
  return PKQR_OK;
}

void release(void* data) { free(data); }

const pkqr_render_ops kRenderOps = {PKQR_ABI, PAIRKIT_VERSION, encode_symbol, encode_png, release};

}  // namespace

extern "C" __attribute__((visibility("default"))) const pkqr_render_ops* pairkit_qr_render(void) { return &kRenderOps; }
