// Rendering QR codes (libqrencode) as PNG, SVG, PBM and terminal text, at an
// integer scale with a quiet zone, or at the largest scale fitting a display.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pairkit::qr {

enum class Ecc { L, M, Q, H };
Ecc parse_ecc(std::string_view name);  ///< "L".."H" (any case); throws UsageError
inline char ecc_name(Ecc e) { return "LMQH"[static_cast<int>(e)]; }

/// A QR symbol: size x size modules, dark or light.
struct Symbol {
  int version = 0;
  int size = 0;
  Ecc ecc = Ecc::M;
  std::vector<bool> dark;  ///< row-major
  bool is_dark(int x, int y) const { return dark[static_cast<size_t>(y) * size + x]; }
};

/// Encodes text at the lowest version that holds it; libqrencode picks
/// numeric, alphanumeric or byte mode per segment (byte mode for anything
/// outside the alphanumeric set). Throws InputError if no version 1-40 holds it.
Symbol encode_symbol(std::string_view text, Ecc ecc);

enum class Format { png, svg, pbm, utf8, ansi };
Format parse_format(std::string_view name);  ///< throws UsageError
std::string format_name(Format f);
/// The format an output file name implies (.png .svg .pbm .txt), if any.
std::optional<Format> format_from_path(std::string_view path);

struct RenderOptions {
  Format format = Format::png;
  int scale = 8;       ///< pixels (or characters) per module
  int margin = 4;      ///< quiet zone in modules
  bool invert = false; ///< light modules on a dark background
};

/// The rendered file (binary for PNG).
std::string render(const Symbol& s, const RenderOptions& o);

/// Width and height of a rendering in its own units: pixels for PNG/PBM/SVG,
/// terminal columns and lines for utf8/ansi.
std::pair<long, long> rendered_size(const Symbol& s, const RenderOptions& o);

/// The largest integer scale at which the symbol and its quiet zone fit a
/// width x height display (units as rendered_size). Throws InputError saying
/// what size would be needed when not even scale 1 fits.
int fit_scale(const Symbol& s, const RenderOptions& o, long width, long height);

}  // namespace pairkit::qr
