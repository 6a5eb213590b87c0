// Writing a QR code as a command's output, the same way everywhere: the
// format, size and error-correction options and what is reported after
// (qr render, gate invite).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "pairkit/qr/render.hpp"

namespace pairkit::cli {

/// The options of a command that writes a QR code.
struct QrOutputOptions {
  std::string out = "-";
  std::string format;
  std::string ecc = "M";
  int scale = 0;  // 0: per format (8 for images, 1 for terminal text)
  int margin = 4;
  std::string fit;
  bool invert = false;
  bool force = false;
};

/// Adds -o, --format, --ecc, --scale, --margin, --fit, --invert and --force
/// (`what` names the code in -o's help).
void add_qr_output_options(CLI::App* cmd, Cli& cli, QrOutputOptions& o, const std::string& what);

/// Checks the options before any work (UsageError) and returns the render options.
qr::RenderOptions qr_render_options(const Cli& cli, const QrOutputOptions& o);

/// What write_qr wrote.
struct QrWritten {
  nlohmann::json json;  ///< file, format, text, version, ec_level, modules, scale, margin, width, height, inverted
  std::string summary;  ///< "version 3, level M, 29x29 modules, scale 8: 296x296 px"
};

/// Encodes `text`, renders it as `ro` says (fitted to --fit) and writes it to o.out.
QrWritten write_qr(Cli& cli, const std::string& text, const QrOutputOptions& o, qr::RenderOptions ro);

}  // namespace pairkit::cli
