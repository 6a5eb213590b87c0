// QR rendering: one writer per format (the symbol itself comes from render_module.cpp).
#include "render.hpp"

#include <algorithm>

#include "image.hpp"
#include "pairkit/core/error.hpp"

namespace pairkit::qr {

Ecc parse_ecc(std::string_view n) {
  if (n == "L" || n == "l") return Ecc::L;
  if (n == "M" || n == "m") return Ecc::M;
  if (n == "Q" || n == "q") return Ecc::Q;
  if (n == "H" || n == "h") return Ecc::H;
  throw UsageError("unknown error-correction level '" + std::string(n) + "' (expected L, M, Q or H)");
}

Format parse_format(std::string_view n) {
  if (n == "png") return Format::png;
  if (n == "svg") return Format::svg;
  if (n == "pbm") return Format::pbm;
  if (n == "utf8") return Format::utf8;
  if (n == "ansi") return Format::ansi;
  throw UsageError("unknown format '" + std::string(n) + "' (expected png, svg, pbm, utf8 or ansi)");
}

std::string format_name(Format f) {
  static const char* names[] = {"png", "svg", "pbm", "utf8", "ansi"};
  return names[static_cast<int>(f)];
}

std::optional<Format> format_from_path(std::string_view path) {
  const size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos) return std::nullopt;
  std::string ext(path.substr(dot + 1));
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "png") return Format::png;
  if (ext == "svg") return Format::svg;
  if (ext == "pbm") return Format::pbm;
  if (ext == "txt") return Format::utf8;
  return std::nullopt;
}

namespace {

// Module at (x, y) of the whole picture, quiet zone included; true = dark.
struct Canvas {
  const Symbol& s;
  int margin;
  bool invert;
  int modules() const { return s.size + 2 * margin; }
  bool dark(int x, int y) const {
    const int sx = x - margin, sy = y - margin;
    const bool d = sx >= 0 && sy >= 0 && sx < s.size && sy < s.size && s.is_dark(sx, sy);
    return d != invert;
  }
};

std::string render_svg(const Canvas& c, int scale) {
  const int n = c.modules();
  const int px = n * scale;
  const char* bg = c.invert ? "#000" : "#fff";
  const char* fg = c.invert ? "#fff" : "#000";
  std::string d;
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n;) {
      // One subpath per horizontal run of foreground modules (the symbol's
      // dark modules; light ones when inverted).
      if (c.dark(x, y) == c.invert) {
        ++x;
        continue;
      }
      int run = 0;
      while (x + run < n && c.dark(x + run, y) != c.invert) ++run;
      // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on the + chain.
      d.append("M").append(std::to_string(x)).append(" ").append(std::to_string(y));
      d.append("h").append(std::to_string(run)).append("v1h-").append(std::to_string(run)).append("z");
      x += run;
    }
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + std::to_string(px) + "\" height=\"" +
         std::to_string(px) + "\" viewBox=\"0 0 " + std::to_string(n) + " " + std::to_string(n) +
         "\" shape-rendering=\"crispEdges\">\n<rect width=\"" + std::to_string(n) + "\" height=\"" + std::to_string(n) +
         "\" fill=\"" + bg + "\" stroke=\"none\"/>\n<path fill=\"" + fg + "\" stroke=\"none\" d=\"" + d + "\"/>\n</svg>\n";
}

std::string render_pbm(const Canvas& c, int scale) {
  const int px = c.modules() * scale;
  const size_t stride = (static_cast<size_t>(px) + 7) / 8;
  std::string out = "P4\n" + std::to_string(px) + " " + std::to_string(px) + "\n";
  std::string row(stride, '\0');
  for (int y = 0; y < px; ++y) {
    std::fill(row.begin(), row.end(), '\0');
    for (int x = 0; x < px; ++x)
      if (c.dark(x / scale, y / scale)) row[x / 8] = static_cast<char>(row[x / 8] | (0x80 >> (x % 8)));
    out += row;
  }
  return out;
}

// Packed 1-bit rows for encode_png_packed (1 = white). Every pixel row of a
// module row is the same, so each is packed once and copied: a render is
// started thousands of times by provisioning scripts.
std::vector<uint8_t> png_rows(const Canvas& c, int scale) {
  const int px = c.modules() * scale;
  const size_t stride = (static_cast<size_t>(px) + 7) / 8;
  std::vector<uint8_t> rows(stride * px, 0);
  for (int my = 0; my < c.modules(); ++my) {
    uint8_t* first = rows.data() + static_cast<size_t>(my) * scale * stride;
    for (int x = 0; x < px; ++x)
      if (!c.dark(x / scale, my)) first[x / 8] = static_cast<uint8_t>(first[x / 8] | (0x80 >> (x % 8)));
    for (int k = 1; k < scale; ++k) std::copy(first, first + stride, first + k * stride);
  }
  return rows;
}

// Half blocks: each text line shows two module rows. A block is drawn in
// the terminal's foreground colour, assumed light on a dark background (the
// usual terminal and serial console), so light modules are the drawn ones.
std::string render_utf8(const Canvas& c, int scale) {
  const int n = c.modules() * scale;
  auto lit = [&](int x, int y) { return y < n && !c.dark(x / scale, y / scale); };
  std::string out;
  for (int y = 0; y < n; y += 2) {
    for (int x = 0; x < n; ++x) {
      const bool top = lit(x, y), bottom = lit(x, y + 1);
      out += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
    }
    out += "\n";
  }
  return out;
}

// Background colours, two columns per module so modules come out square.
std::string render_ansi(const Canvas& c, int scale) {
  const int n = c.modules() * scale;
  std::string out;
  for (int y = 0; y < n; ++y) {
    bool prev = false, first = true;
    for (int x = 0; x < n; ++x) {
      const bool d = c.dark(x / scale, y / scale);
      if (first || d != prev) out += d ? "\x1b[40m" : "\x1b[47m";
      out += "  ";
      prev = d;
      first = false;
    }
    out += "\x1b[0m\n";
  }
  return out;
}

}  // namespace

std::pair<long, long> rendered_size(const Symbol& s, const RenderOptions& o) {
  const long n = static_cast<long>(s.size + 2 * o.margin) * o.scale;
  switch (o.format) {
    case Format::utf8: return {n, (n + 1) / 2};
    case Format::ansi: return {2 * n, n};
    default: return {n, n};
  }
}

int fit_scale(const Symbol& s, const RenderOptions& o, long width, long height) {
  RenderOptions one = o;
  one.scale = 1;
  const auto [w1, h1] = rendered_size(s, one);
  long scale = std::min(width / w1, height / h1);
  const bool text = o.format == Format::utf8 || o.format == Format::ansi;
  if (scale < 1) {
    throw InputError("the code does not fit " + std::to_string(width) + "x" + std::to_string(height) + ": version " +
                     std::to_string(s.version) + " at level " + std::string(1, ecc_name(s.ecc)) + " with a " +
                     std::to_string(o.margin) + "-module quiet zone needs at least " + std::to_string(w1) + "x" +
                     std::to_string(h1) + (text ? " characters" : " pixels"));
  }
  return static_cast<int>(std::min<long>(scale, 1000));
}

std::string render(const Symbol& s, const RenderOptions& o) {
  if (o.scale < 1 || o.scale > 1000) throw UsageError("--scale must be 1-1000");
  if (o.margin < 0 || o.margin > 100) throw UsageError("--margin must be 0-100");
  const Canvas c{s, o.margin, o.invert};
  if (static_cast<long>(c.modules()) * o.scale > 20000)
    throw UsageError("a rendering " + std::to_string(static_cast<long>(c.modules()) * o.scale) +
                     " units wide is too large (the limit is 20000; lower --scale)");
  switch (o.format) {
    case Format::png: {
      const auto bytes = encode_png_packed(c.modules() * o.scale, c.modules() * o.scale, png_rows(c, o.scale));
      return std::string(bytes.begin(), bytes.end());
    }
    case Format::svg: return render_svg(c, o.scale);
    case Format::pbm: return render_pbm(c, o.scale);
    case Format::utf8: return render_utf8(c, o.scale);
    case Format::ansi: return render_ansi(c, o.scale);
  }
  return {};
}

}  // namespace pairkit::qr
