// Image decoding (PNG, JPEG, PNM) to grey, in pairkit-qr-scan.so (1-bit PNG
// encoding is render_module.cpp's).
#include "image.hpp"

#include <cctype>
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include "decoders.hpp"
#include "pairkit/core/error.hpp"

namespace pairkit::qr {

namespace {

void check_size(uint64_t w, uint64_t h, uint64_t max_pixels, const std::string& name) {
  if (w == 0 || h == 0)
    throw InputError(name + ": the image has zero size (" + std::to_string(w) + "x" + std::to_string(h) + ")");
  if (w * h > max_pixels)
    throw InputError(name + ": the image is " + std::to_string(w) + "x" + std::to_string(h) + " = " +
                     std::to_string(w * h) + " pixels, more than the limit of " + std::to_string(max_pixels) +
                     " (--max-pixels)");
}

GrayImage decode_png(std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels) {
  // The IHDR's size first, so a zero or absurd size gets a clear message
  // (libpng would only say "Invalid IHDR data").
  if (data.size() >= 24 && std::memcmp(data.data() + 12, "IHDR", 4) == 0) {
    auto be32 = [&](size_t at) {
      return (uint64_t(data[at]) << 24) | (uint64_t(data[at + 1]) << 16) | (uint64_t(data[at + 2]) << 8) | data[at + 3];
    };
    check_size(be32(16), be32(20), max_pixels, name);
  }
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, data.data(), data.size()))
    throw InputError(name + ": corrupt PNG (" + img.message + ")");
  struct Guard {
    png_image* p;
    ~Guard() { png_image_free(p); }
  } guard{&img};
  check_size(img.width, img.height, max_pixels, name);
  img.format = PNG_FORMAT_GRAY;
  GrayImage out;
  out.width = static_cast<int>(img.width);
  out.height = static_cast<int>(img.height);
  out.pixels.resize(static_cast<size_t>(img.width) * img.height);
  png_color white{255, 255, 255};
  if (!png_image_finish_read(&img, &white, out.pixels.data(), static_cast<png_int_32>(img.width), nullptr))
    throw InputError(name + ": corrupt or truncated PNG (" + img.message + ")");
  return out;
}

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
  bool corrupt;
};

void jpeg_fail(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void jpeg_note(j_common_ptr cinfo, int level) {
  // Warnings (level -1) are corrupt-data notes, which libjpeg decodes past
  // with made-up pixels; a premature end means a truncated file, which it
  // would pad with grey. A QR code is untrusted input: both are refused.
  if (level != -1) return;
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
    err->truncated = true;
  } else if (!err->corrupt) {
    err->corrupt = true;
    (*cinfo->err->format_message)(cinfo, err->message);
  }
}

GrayImage decode_jpeg(std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels) {
  jpeg_decompress_struct cinfo;
  JpegError err{};
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  err.mgr.emit_message = jpeg_note;
  GrayImage out;
  // Everything the longjmp may skip lives outside this frame's locals that
  // need destructors (out is declared above and only resized below).
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    throw InputError(name + ": corrupt JPEG (" + err.message + ")");
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data.data(), static_cast<unsigned long>(data.size()));
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.image_width == 0 || cinfo.image_height == 0 ||
      static_cast<uint64_t>(cinfo.image_width) * cinfo.image_height > max_pixels) {
    const auto w = cinfo.image_width, h = cinfo.image_height;
    jpeg_destroy_decompress(&cinfo);
    check_size(w, h, max_pixels, name);
  }
  cinfo.out_color_space = JCS_GRAYSCALE;
  jpeg_start_decompress(&cinfo);
  out.width = static_cast<int>(cinfo.output_width);
  out.height = static_cast<int>(cinfo.output_height);
  out.pixels.resize(static_cast<size_t>(out.width) * out.height);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.pixels.data() + static_cast<size_t>(cinfo.output_scanline) * out.width;
    jpeg_read_scanlines(&cinfo, &row, 1);
    if (err.truncated || err.corrupt) break;
  }
  if (!err.truncated && !err.corrupt) jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (err.truncated) throw InputError(name + ": truncated JPEG (the data ends before the image does)");
  if (err.corrupt) throw InputError(name + ": corrupt JPEG (" + err.message + ")");
  return out;
}

// A tiny reader over the PNM header and ASCII rasters.
class PnmReader {
public:
  PnmReader(std::span<const uint8_t> d, const std::string& name) : d_(d), name_(name) {}

  void skip_space() {
    while (pos_ < d_.size()) {
      if (d_[pos_] == '#') {
        while (pos_ < d_.size() && d_[pos_] != '\n') ++pos_;
      } else if (std::isspace(d_[pos_])) {
        ++pos_;
      } else {
        break;
      }
    }
  }
  uint64_t number(const char* what) {
    skip_space();
    uint64_t v = 0;
    size_t digits = 0;
    while (pos_ < d_.size() && d_[pos_] >= '0' && d_[pos_] <= '9') {
      v = v * 10 + (d_[pos_++] - '0');
      if (++digits > 12) throw InputError(name_ + ": PNM " + what + " is absurdly large");
    }
    if (digits == 0)
      throw InputError(name_ + (pos_ >= d_.size() ? ": truncated PNM (the data ends before the image does)"
                                                  : ": corrupt PNM (expected a number for the " + std::string(what) + ")"));
    return v;
  }
  // P1 rasters may omit the spaces between digits.
  int bit() {
    skip_space();
    if (pos_ >= d_.size()) throw InputError(name_ + ": truncated PBM (the data ends before the image does)");
    const uint8_t c = d_[pos_++];
    if (c != '0' && c != '1') throw InputError(name_ + ": corrupt PBM (bad pixel character)");
    return c - '0';
  }
  size_t pos() const { return pos_; }
  void advance() { ++pos_; }
  size_t remaining() const { return d_.size() - pos_; }
  const uint8_t* here() const { return d_.data() + pos_; }

private:
  std::span<const uint8_t> d_;
  const std::string& name_;
  size_t pos_ = 0;
};

GrayImage decode_pnm(std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels) {
  const char kind = static_cast<char>(data[1]);
  PnmReader r(data, name);
  r.advance();
  r.advance();
  const uint64_t w = r.number("width"), h = r.number("height");
  check_size(w, h, max_pixels, name);
  const bool bitmap = kind == '1' || kind == '4';
  const uint64_t maxval = bitmap ? 1 : r.number("maximum value");
  if (maxval == 0 || maxval > 65535) throw InputError(name + ": corrupt PNM (maximum value " + std::to_string(maxval) + ")");
  const bool binary = kind >= '4';
  const int channels = (kind == '3' || kind == '6') ? 3 : 1;
  const uint64_t pixels = w * h;
  const uint64_t bytes_per_sample = maxval > 255 ? 2 : 1;
  if (binary) {
    if (r.remaining() == 0 || !std::isspace(*r.here())) throw InputError(name + ": corrupt PNM header");
    r.advance();
    const uint64_t need = bitmap ? (w + 7) / 8 * h : pixels * channels * bytes_per_sample;
    if (r.remaining() < need)
      throw InputError(name + ": truncated PNM (" + std::to_string(r.remaining()) + " bytes of pixel data, " +
                       std::to_string(need) + " needed for " + std::to_string(w) + "x" + std::to_string(h) + ")");
  } else if (r.remaining() < pixels * channels) {
    throw InputError(name + ": truncated PNM (the data ends before the image does)");
  }
  GrayImage out;
  out.width = static_cast<int>(w);
  out.height = static_cast<int>(h);
  out.pixels.resize(pixels);
  const uint8_t* p = r.here();
  auto sample = [&](uint64_t raw) -> uint64_t {
    if (raw > maxval) throw InputError(name + ": corrupt PNM (a sample exceeds the maximum value)");
    return raw * 255 / maxval;
  };
  auto read_bin = [&]() -> uint64_t {
    uint64_t v = *p++;
    if (bytes_per_sample == 2) v = (v << 8) | *p++;
    return sample(v);
  };
  for (uint64_t y = 0; y < h; ++y) {
    for (uint64_t x = 0; x < w; ++x) {
      uint64_t g;
      if (kind == '1') {
        g = r.bit() ? 0 : 255;
      } else if (kind == '4') {
        g = (p[y * ((w + 7) / 8) + x / 8] & (0x80 >> (x % 8))) ? 0 : 255;
      } else if (channels == 1) {
        g = binary ? read_bin() : sample(r.number("sample"));
      } else {
        uint64_t rgb[3];
        for (auto& c : rgb) c = binary ? read_bin() : sample(r.number("sample"));
        g = (77 * rgb[0] + 150 * rgb[1] + 29 * rgb[2]) >> 8;
      }
      out.pixels[y * w + x] = static_cast<uint8_t>(g);
    }
  }
  return out;
}

}  // namespace

GrayImage inverted(const GrayImage& in) {
  GrayImage out = in;
  for (auto& p : out.pixels) p = static_cast<uint8_t>(255 - p);
  return out;
}

std::string sniff_image_format(std::span<const uint8_t> d) {
  static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (d.size() >= 8 && std::memcmp(d.data(), png_sig, 8) == 0) return "png";
  if (d.size() >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return "jpeg";
  if (d.size() >= 3 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6' && std::isspace(d[2])) return "pnm";
  return {};
}

GrayImage decoders::decode_image(std::span<const uint8_t> data, const std::string& name, uint64_t max_pixels) {
  if (data.empty()) throw InputError(name + " is empty");
  const std::string fmt = sniff_image_format(data);
  if (fmt == "png") return decode_png(data, name, max_pixels);
  if (fmt == "jpeg") return decode_jpeg(data, name, max_pixels);
  if (fmt == "pnm") return decode_pnm(data, name, max_pixels);
  throw InputError(name + " is not a PNG, JPEG or PNM image");
}

}  // namespace pairkit::qr
