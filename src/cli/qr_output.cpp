// Writing a QR code as a command's output: option checks, --fit, rendering,
// the atomic write and the report, shared by qr render and gate invite.
#include "qr_output.hpp"

#include <cstdio>

#include "options.hpp"
#include "pairkit/core/error.hpp"

namespace pairkit::cli {

namespace {

std::pair<long, long> parse_fit(const std::string& s) {
  const size_t x = s.find_first_of("xX");
  long w = 0, h = 0;
  char tail = 0;
  if (x == std::string::npos || std::sscanf(s.c_str(), "%ld%*[xX]%ld%c", &w, &h, &tail) != 2 || w < 1 || h < 1 ||
      w > 100000 || h > 100000)
    throw UsageError("bad --fit '" + s + "' (expected WIDTHxHEIGHT, e.g. 128x64)");
  return {w, h};
}

bool is_text(qr::Format f) { return f == qr::Format::utf8 || f == qr::Format::ansi; }

}  // namespace

void add_qr_output_options(CLI::App* c, Cli& cli, QrOutputOptions& o, const std::string& what) {
  add_output_option(c, o.out, what);
  c->add_option("--format", o.format, "png, svg, pbm, utf8 or ansi (default: from -o's extension; utf8 for stdout)")
      ->check(CLI::IsMember({"png", "svg", "pbm", "utf8", "ansi"}));
  cli.settings.bind(c, c->add_option("--ecc", o.ecc, "Error-correction level L, M, Q or H")
                           ->check(CLI::IsMember({"L", "M", "Q", "H"}, CLI::ignore_case))
                           ->capture_default_str(),
                    "qr.ecc");
  c->add_option("--scale", o.scale, "Pixels (characters for utf8/ansi) per module, an integer (default 8; 1 for text)");
  cli.settings.bind(c, c->add_option("--margin", o.margin, "Quiet zone in modules")->capture_default_str(), "qr.margin");
  c->add_option("--fit", o.fit, "Largest integer scale that fits a WxH display, quiet zone included");
  c->add_flag("--invert", o.invert, "Light modules on a dark background (light-on-dark displays)");
  c->add_flag("--force", o.force, "Replace an existing output file");
}

qr::RenderOptions qr_render_options(const Cli& cli, const QrOutputOptions& o) {
  if (!o.fit.empty() && o.scale != 0) throw UsageError("--fit chooses the scale; drop --scale");
  if (cli.json && o.out == "-") throw UsageError("--json needs -o FILE (the code itself goes to stdout otherwise)");
  qr::RenderOptions ro;
  if (!o.format.empty()) {
    ro.format = qr::parse_format(o.format);
  } else if (o.out == "-") {
    ro.format = qr::Format::utf8;
  } else if (auto f = qr::format_from_path(o.out)) {
    ro.format = *f;
  } else {
    throw UsageError("cannot tell the format from '" + o.out + "': use --format png|svg|pbm|utf8|ansi");
  }
  ro.margin = o.margin;
  ro.invert = o.invert;
  ro.scale = o.scale != 0 ? o.scale : (is_text(ro.format) ? 1 : 8);
  if (ro.scale < 1) throw UsageError("--scale must be at least 1");
  if (ro.margin < 0) throw UsageError("--margin cannot be negative");
  return ro;
}

QrWritten write_qr(Cli& cli, const std::string& text, const QrOutputOptions& o, qr::RenderOptions ro) {
  const auto sym = qr::encode_symbol(text, qr::parse_ecc(o.ecc));
  if (!o.fit.empty()) {
    const auto [w, h] = parse_fit(o.fit);
    ro.scale = qr::fit_scale(sym, ro, w, h);
  }
  const std::string data = qr::render(sym, ro);
  cli.write_output(o.out, data, {kPublicFileMode, o.force});
  const auto [w, h] = qr::rendered_size(sym, ro);
  QrWritten r;
  r.json = {{"file", o.out},         {"format", qr::format_name(ro.format)},
            {"text", text},          {"version", sym.version},
            {"ec_level", std::string(1, qr::ecc_name(sym.ecc))},
            {"modules", sym.size},   {"scale", ro.scale},
            {"margin", ro.margin},   {"width", w},
            {"height", h},           {"inverted", ro.invert}};
  r.summary = "version " + std::to_string(sym.version) + ", level " + qr::ecc_name(sym.ecc) + ", " +
              std::to_string(sym.size) + "x" + std::to_string(sym.size) + " modules, scale " +
              std::to_string(ro.scale) + ": " + std::to_string(w) + "x" + std::to_string(h) +
              (is_text(ro.format) ? " characters" : " px");
  return r;
}

}  // namespace pairkit::cli
