// QR scanning: ZXing-cpp with ZXingReader's settings first, then fallbacks.
#include "scan.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

#include <ReadBarcode.h>
#include <TextUtfEncoding.h>

#include "decoders.hpp"
#include "zbar_scan.hpp"

namespace pairkit::qr {

namespace {

// Box blur with a (2r+1)^2 window (separable, running sums): smooths noise
// and JPEG blocking that break the binarizer's edges.
GrayImage blurred(const GrayImage& in, int r) {
  const int w = in.width, h = in.height;
  std::vector<uint32_t> tmp(static_cast<size_t>(w) * h);
  GrayImage out{w, h, std::vector<uint8_t>(in.pixels.size())};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint32_t sum = 0;
      for (int k = -r; k <= r; ++k) sum += in.at(std::clamp(x + k, 0, w - 1), y);
      tmp[static_cast<size_t>(y) * w + x] = sum;
    }
  }
  const uint32_t div = static_cast<uint32_t>((2 * r + 1) * (2 * r + 1));
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint32_t sum = 0;
      for (int k = -r; k <= r; ++k) sum += tmp[static_cast<size_t>(std::clamp(y + k, 0, h - 1)) * w + x];
      out.pixels[static_cast<size_t>(y) * w + x] = static_cast<uint8_t>(sum / div);
    }
  }
  return out;
}

// Stretches the 1st..99th percentile to the full range (low-contrast photos).
GrayImage stretched(const GrayImage& in) {
  std::array<size_t, 256> hist{};
  for (auto p : in.pixels) ++hist[p];
  const size_t n = in.pixels.size(), cut = n / 100;
  int lo = 0, hi = 255;
  for (size_t acc = 0; lo < 255 && (acc += hist[lo]) <= cut;) ++lo;
  for (size_t acc = 0; hi > 0 && (acc += hist[hi]) <= cut;) --hi;
  GrayImage out = in;
  if (hi <= lo) return out;
  for (auto& p : out.pixels) p = static_cast<uint8_t>(std::clamp((p - lo) * 255 / (hi - lo), 0, 255));
  return out;
}

// Bilinear resampling by `factor` (2 = twice as large).
GrayImage resized(const GrayImage& in, double factor) {
  GrayImage out;
  out.width = std::max(1, static_cast<int>(in.width * factor));
  out.height = std::max(1, static_cast<int>(in.height * factor));
  out.pixels.resize(static_cast<size_t>(out.width) * out.height);
  for (int y = 0; y < out.height; ++y) {
    const double sy = std::clamp((y + 0.5) / factor - 0.5, 0.0, in.height - 1.0);
    const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, in.height - 1);
    const double fy = sy - y0;
    for (int x = 0; x < out.width; ++x) {
      const double sx = std::clamp((x + 0.5) / factor - 0.5, 0.0, in.width - 1.0);
      const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, in.width - 1);
      const double fx = sx - x0;
      const double v = (in.at(x0, y0) * (1 - fx) + in.at(x1, y0) * fx) * (1 - fy) +
                       (in.at(x0, y1) * (1 - fx) + in.at(x1, y1) * fx) * fy;
      out.pixels[static_cast<size_t>(y) * out.width + x] = static_cast<uint8_t>(v + 0.5);
    }
  }
  return out;
}

double sample(const GrayImage& img, double x, double y) {
  const int xi = std::clamp(static_cast<int>(std::floor(x)), 0, img.width - 1);
  const int yi = std::clamp(static_cast<int>(std::floor(y)), 0, img.height - 1);
  return img.at(xi, yi);
}

// The projective map from the unit square onto a quadrilateral (Heckbert's
// square-to-quad), so module centres can be located in a skewed photo.
struct SquareToQuad {
  double a, b, c, d, e, f, g, h;
  explicit SquareToQuad(const std::array<PointF, 4>& q) {
    const double dx1 = q[1].x - q[2].x, dx2 = q[3].x - q[2].x, dx3 = q[0].x - q[1].x + q[2].x - q[3].x;
    const double dy1 = q[1].y - q[2].y, dy2 = q[3].y - q[2].y, dy3 = q[0].y - q[1].y + q[2].y - q[3].y;
    const double den = dx1 * dy2 - dx2 * dy1;
    g = den != 0 ? (dx3 * dy2 - dx2 * dy3) / den : 0;
    h = den != 0 ? (dx1 * dy3 - dx3 * dy1) / den : 0;
    a = q[1].x - q[0].x + g * q[1].x;
    b = q[3].x - q[0].x + h * q[3].x;
    c = q[0].x;
    d = q[1].y - q[0].y + g * q[1].y;
    e = q[3].y - q[0].y + h * q[3].y;
    f = q[0].y;
  }
  PointF operator()(double u, double v) const {
    const double w = g * u + h * v + 1;
    return {(a * u + b * v + c) / w, (d * u + e * v + f) / w};
  }
};

// How well the timing patterns of an n-module symbol (alternating modules
// along row and column `line`, from `from` to n-1-`to_end`) match the image
// under this corner order: the fraction of module centres of the expected
// colour, against the mean of the samples as threshold.
double timing_score(const GrayImage& img, const std::array<PointF, 4>& q, int n, int line, int from, int to_end) {
  const SquareToQuad map(q);
  std::vector<double> vals;
  std::vector<bool> want_dark;
  for (int k = from; k <= n - 1 - to_end; ++k) {
    for (bool row : {true, false}) {
      const double u = (row ? k + 0.5 : line + 0.5) / n, v = (row ? line + 0.5 : k + 0.5) / n;
      const auto p = map(u, v);
      vals.push_back(sample(img, p.x, p.y));
      want_dark.push_back(k % 2 == 0);
    }
  }
  if (vals.size() < 4) return 0;
  double mean = 0;
  for (double x : vals) mean += x;
  mean /= vals.size();
  size_t ok = 0;
  for (size_t i = 0; i < vals.size(); ++i) ok += (vals[i] < mean) == want_dark[i];
  return static_cast<double>(ok) / vals.size();
}

std::string format_name(ZXing::BarcodeFormat f) {
  return f == ZXing::BarcodeFormat::MicroQRCode ? "MicroQRCode" : "QRCode";
}

struct Pass {
  const char* name;
  std::function<GrayImage(const GrayImage&)> transform;  // empty: the image itself
  ZXing::Binarizer binarizer;
  bool invert;
};

}  // namespace

int measure_version(const GrayImage& img, const std::array<PointF, 4>& q, bool micro) {
  double best = 0;
  int best_version = 0;
  for (int rot = 0; rot < 4; ++rot) {
    const std::array<PointF, 4> r = {q[rot], q[(rot + 1) % 4], q[(rot + 2) % 4], q[(rot + 3) % 4]};
    for (int v = 1; v <= (micro ? 4 : 40); ++v) {
      // QR: timing on row/column 6 between the finders' separators;
      // Micro QR: on row/column 0 after its one finder.
      const double score = micro ? timing_score(img, r, 9 + 2 * v, 0, 8, 0) : timing_score(img, r, 17 + 4 * v, 6, 8, 8);
      if (score > best + 1e-9) {
        best = score;
        best_version = v;
      }
    }
  }
  return best >= 0.85 ? best_version : 0;
}

std::vector<FoundCode> decoders::scan_image(const GrayImage& img) {
  using ZXing::Binarizer;
  const double big = std::max(img.width, img.height);
  const std::vector<Pass> passes = {
      {"default", nullptr, Binarizer::LocalAverage, false},
      {"inverted", nullptr, Binarizer::LocalAverage, true},
      {"global-histogram", nullptr, Binarizer::GlobalHistogram, false},
      {"global-histogram-inverted", nullptr, Binarizer::GlobalHistogram, true},
      {"smoothed", [](const GrayImage& i) { return blurred(i, 1); }, Binarizer::LocalAverage, false},
      {"smoothed-inverted", [](const GrayImage& i) { return blurred(i, 1); }, Binarizer::LocalAverage, true},
      {"stretched", [](const GrayImage& i) { return stretched(i); }, Binarizer::FixedThreshold, false},
      {"stretched-inverted", [](const GrayImage& i) { return stretched(i); }, Binarizer::FixedThreshold, true},
      {"rescaled", [big](const GrayImage& i) { return resized(i, big < 1200 ? 2.0 : 0.5); }, Binarizer::LocalAverage, false},
      {"rescaled-smoothed",
       [big](const GrayImage& i) { return blurred(resized(i, big < 1200 ? 2.0 : 0.5), 1); }, Binarizer::LocalAverage,
       false},
      {"rescaled-inverted", [big](const GrayImage& i) { return resized(i, big < 1200 ? 2.0 : 0.5); },
       Binarizer::LocalAverage, true},
  };
  std::vector<FoundCode> found;
  for (const auto& pass : passes) {
    GrayImage work = pass.transform ? pass.transform(img) : GrayImage{};
    const GrayImage* base = pass.transform ? &work : &img;
    GrayImage inv;
    if (pass.invert) {
      inv = inverted(*base);
      base = &inv;
    }
    ZXing::DecodeHints hints;
    hints.setFormats(ZXing::BarcodeFormat::QRCode | ZXing::BarcodeFormat::MicroQRCode);
    hints.setBinarizer(pass.binarizer);
    hints.setTryHarder(true).setTryRotate(true).setTryDownscale(true);
    const ZXing::ImageView view(base->pixels.data(), base->width, base->height, ZXing::ImageFormat::Lum);
    const auto results = ZXing::ReadBarcodes(view, hints);
    const double sx = static_cast<double>(img.width) / base->width, sy = static_cast<double>(img.height) / base->height;
    for (const auto& r : results) {
      if (!r.isValid()) continue;
      FoundCode c;
      c.text = ZXing::TextUtfEncoding::ToUtf8(r.text());
      c.format = format_name(r.format());
      const auto ec = r.ecLevel();  // std::wstring unless ZXing was built with ZX_USE_UTF8
      for (auto ch : ec) c.ec_level += static_cast<char>(ch);
      c.inverted = pass.invert;
      c.pass = pass.name;
      std::array<PointF, 4> local;
      for (int k = 0; k < 4; ++k) {
        local[k] = {static_cast<double>(r.position()[k].x), static_cast<double>(r.position()[k].y)};
        c.position[k] = {local[k].x * sx, local[k].y * sy};
      }
      c.version = measure_version(*base, local, r.format() == ZXing::BarcodeFormat::MicroQRCode);
      found.push_back(std::move(c));
    }
    if (!found.empty()) break;
  }
  if (found.empty()) found = zbar_scan(img);
  return found;
}

}  // namespace pairkit::qr
