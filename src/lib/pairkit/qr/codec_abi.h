/* The whole contract between the pairkit binary and its QR modules, in plain
 * C: the binary carries its own static C++ runtime, the modules the shared
 * one, so nothing but POD structs, fixed-width integers and libc's malloc
 * crosses.
 *
 * pairkit-qr.so renders (libqrencode, libpng) and is all that `qr render`
 * loads. Its decoders (ZXing-cpp, zbar, libjpeg, and the twenty libraries zbar
 * pulls in) are in pairkit-qr-scan.so beside it, which it loads on the first
 * call to pairkit_qr_scan(): rendering never maps or relocates them.
 *
 * Ownership: structs passed in are the caller's (pkqr_error, pkqr_symbol, the
 * pixels given to scan_image); buffers an operation returns are allocated by
 * the module and handed back through the table's release(). Every operation
 * returns PKQR_OK, or a status with its one-line message in the caller's
 * pkqr_error; exceptions never cross. */
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bumped whenever a struct or table below changes; each side refuses any other value. */
#define PKQR_ABI 3

/** How an operation ended; the binary maps these to pairkit's typed errors. */
enum pkqr_status {
  PKQR_OK = 0,
  PKQR_USAGE = 1, /**< a bad argument (UsageError) */
  PKQR_INPUT = 2, /**< bad input data or a missing module (InputError) */
  PKQR_OTHER = 3, /**< anything else (std::runtime_error) */
};

/** Caller-owned; the module fills it when it returns a status other than PKQR_OK. */
typedef struct pkqr_error {
  int32_t status;
  char message[8192]; /**< NUL-terminated; longer than any path the message may name */
} pkqr_error;

/** The largest symbol, version 40, is 177 modules wide. */
#define PKQR_MAX_SYMBOL_SIZE 177

/** Caller-owned output of encode_symbol. */
typedef struct pkqr_symbol {
  int32_t version;
  int32_t size;                                            /**< modules per side */
  uint8_t dark[PKQR_MAX_SYMBOL_SIZE * PKQR_MAX_SYMBOL_SIZE]; /**< row-major, size * size used; 1 = dark */
} pkqr_symbol;

/** A module-allocated byte buffer (give data to release()). */
typedef struct pkqr_bytes {
  uint8_t* data;
  uint64_t size;
} pkqr_bytes;

/** An 8-bit grey image, rows top to bottom, no padding (pixels from decode_image go to release()). */
typedef struct pkqr_image {
  int32_t width;
  int32_t height;
  uint8_t* pixels;
} pkqr_image;

typedef struct pkqr_point {
  double x;
  double y;
} pkqr_point;

/** One code found in an image; the fields mean what qr::FoundCode's do. */
typedef struct pkqr_code {
  const char* text; /**< not NUL-terminated; inside the block of pkqr_codes */
  uint64_t text_size;
  char format[16];   /**< "QRCode" or "MicroQRCode" */
  char ec_level[4];  /**< "L".."H", or "" */
  int32_t version;   /**< 0 if not measurable */
  int32_t inverted;  /**< 1 for light modules on a dark background */
  pkqr_point position[4];
  char pass[32];
} pkqr_code;

/** The codes found in an image: one module-allocated block holding the array
 * and every text (give codes to release(); it may be NULL when count is 0). */
typedef struct pkqr_codes {
  pkqr_code* codes;
  uint64_t count;
} pkqr_codes;

/** pairkit-qr.so's operations. */
typedef struct pkqr_render_ops {
  uint32_t abi;                /**< PKQR_ABI */
  const char* pairkit_version; /**< the module must come from the same build as the binary */
  /** The symbol for text[0..size) at ecc 0-3 (L, M, Q, H), at the lowest version that holds it. */
  int32_t (*encode_symbol)(const char* text, uint64_t size, int32_t ecc, pkqr_symbol* out, pkqr_error* err);
  /** A 1-bit grey PNG from packed rows, MSB first, 1 = white. */
  int32_t (*encode_png)(int32_t width, int32_t height, const uint8_t* rows, pkqr_bytes* out, pkqr_error* err);
  void (*release)(void* data);
} pkqr_render_ops;

/** pairkit-qr-scan.so's operations. */
typedef struct pkqr_scan_ops {
  uint32_t abi;
  const char* pairkit_version;
  /** A PNG, JPEG or PNM image as grey; name is only for messages. */
  int32_t (*decode_image)(const uint8_t* data, uint64_t size, const char* name, uint64_t max_pixels, pkqr_image* out,
                          pkqr_error* err);
  /** Every QR and Micro QR code in the image. */
  int32_t (*scan_image)(const uint8_t* pixels, int32_t width, int32_t height, pkqr_codes* out, pkqr_error* err);
  /** decode_image then scan_image in one call, so that a photo's pixels
   * (megabytes, every page of them faulted in by each copy) never cross. */
  int32_t (*decode_and_scan)(const uint8_t* data, uint64_t size, const char* name, uint64_t max_pixels,
                             pkqr_codes* out, pkqr_error* err);
  void (*release)(void* data);
} pkqr_scan_ops;

/** Exported by pairkit-qr.so. */
const pkqr_render_ops* pairkit_qr_render(void);
/** Exported by pairkit-qr.so: loads pairkit-qr-scan.so beside it on the first
 * call and returns its table; NULL, with err filled, when it cannot. */
const pkqr_scan_ops* pairkit_qr_scan(pkqr_error* err);
/** Exported by pairkit-qr-scan.so. */
const pkqr_scan_ops* pairkit_qr_decoders(void);

#define PKQR_RENDER_ENTRY "pairkit_qr_render"
#define PKQR_SCAN_ENTRY "pairkit_qr_scan"
#define PKQR_DECODERS_ENTRY "pairkit_qr_decoders"

#ifdef __cplusplus
}
#endif
