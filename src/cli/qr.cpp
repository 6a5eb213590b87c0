// pairkit qr render | scan: pairing QR codes for device displays, and
// scanning them (or any QR code) back from photos and screenshots.
#include <cstdio>
#include <iostream>
#include <memory>

#include <botan/x509cert.h>

#include "groups.hpp"
#include "options.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/qr/image.hpp"
#include "pairkit/qr/payload.hpp"
#include "pairkit/qr/render.hpp"
#include "pairkit/qr/scan.hpp"
#include "qr_output.hpp"

namespace pairkit::cli {

namespace {

struct RenderCmdOptions {
  std::string payload;
  std::string host;
  std::string cert;
  std::string id;
  QrOutputOptions output;
};

struct ScanCmdOptions {
  std::vector<std::string> images;
  std::string expect_cert;
  uint64_t max_pixels = qr::kDefaultMaxPixels;
};

struct CertInfo {
  std::string name;
  std::vector<uint8_t> sha256;
  std::string serial;  // subject serialNumber, else CN
};

CertInfo read_cert(Cli& cli, const std::string& path) {
  CertInfo c;
  c.name = Cli::display_name(path);
  const auto cert = crypto::load_certificate(cli.read_input(path, limits::kObject), c.name);
  c.sha256 = crypto::digest(crypto::HashAlg::sha256, cert.BER_encode());
  c.serial = cert.subject_dn().get_first_attribute("X520.SerialNumber");
  if (c.serial.empty()) c.serial = cert.subject_dn().get_first_attribute("X520.CommonName");
  return c;
}

void run_render(Cli& cli, const RenderCmdOptions& o) {
  const bool pairing = !o.host.empty() || !o.cert.empty();
  if (pairing == !o.payload.empty())
    throw UsageError("give either --payload TEXT or --host HOST:PORT --cert CERT");
  if (pairing && (o.host.empty() || o.cert.empty())) throw UsageError("a pairing code needs both --host and --cert");
  if (!o.id.empty() && !pairing) throw UsageError("--id belongs to a pairing code (--host and --cert)");
  const qr::RenderOptions ro = qr_render_options(cli, o.output);

  std::string text = o.payload;
  std::optional<qr::PairingPayload> pp;
  if (pairing) {
    const auto cert = read_cert(cli, o.cert);
    qr::PairingPayload p;
    qr::parse_address(o.host, p.host, p.port);
    p.cert_sha256 = cert.sha256;
    if (!o.id.empty()) {
      p.id = qr::normalize_id(o.id);
    } else if (!cert.serial.empty()) {
      try {
        p.id = qr::normalize_id(cert.serial);
      } catch (const UsageError&) {
        cli.info("note: the certificate's serial '" + cert.serial + "' cannot be a payload device ID; give --id");
      }
    }
    text = qr::encode_payload(p);
    pp = p;
  }
  const QrWritten written = write_qr(cli, text, o.output, ro);
  if (cli.json) {
    cli.emit_json(written.json);
    return;
  }
  if (o.output.out != "-") {
    cli.info("wrote " + std::string(pp ? "pairing code" : "QR code") + " (" + written.summary + ") to " + o.output.out);
    if (pp) cli.info("next: pairkit qr scan PHOTO --expect-cert " + o.cert);
  }
}

nlohmann::json payload_json(const qr::PairingPayload& p) {
  nlohmann::json j{{"version", p.version},
                   {"host", p.address().substr(0, p.address().rfind(':'))},
                   {"port", p.port},
                   {"address", p.address()},
                   {"cert_sha256", crypto::colon_hex(p.cert_sha256)},
                   {"cert_sha256_base32", qr::encode_payload(p).substr(4, qr::kFingerprintChars)}};
  if (!p.id.empty()) j["id"] = p.id;
  return j;
}

nlohmann::json code_json(const std::string& file, const qr::FoundCode& c) {
  auto pt = [](const qr::PointF& p) { return nlohmann::json::array({std::lround(p.x), std::lround(p.y)}); };
  nlohmann::json j{{"file", file},
                   {"text", c.text},
                   {"format", c.format},
                   {"ec_level", c.ec_level.empty() ? nlohmann::json() : nlohmann::json(c.ec_level)},
                   {"version", c.version > 0 ? nlohmann::json(c.version) : nlohmann::json()},
                   {"position",
                    {{"top_left", pt(c.position[0])},
                     {"top_right", pt(c.position[1])},
                     {"bottom_right", pt(c.position[2])},
                     {"bottom_left", pt(c.position[3])}}},
                   {"inverted", c.inverted}};
  if (qr::is_pairkit_payload(c.text)) {
    try {
      j["payload"] = payload_json(qr::parse_payload(c.text));
    } catch (const InputError& e) {
      j["payload_error"] = e.what();
    }
  }
  return j;
}

void run_scan(Cli& cli, const ScanCmdOptions& o) {
  if (o.max_pixels == 0) throw UsageError("--max-pixels must be at least 1");
  std::optional<CertInfo> expect;
  if (!o.expect_cert.empty()) expect = read_cert(cli, o.expect_cert);

  struct Hit {
    std::string file;
    qr::FoundCode code;
  };
  std::vector<Hit> hits;
  std::vector<std::string> empty;
  for (const auto& file : o.images) {
    const std::string name = Cli::display_name(file);
    const auto data = cli.read_input(file, limits::kImage);
    const auto codes = qr::decode_and_scan(data, name, o.max_pixels);
    if (codes.empty()) empty.push_back(name);
    for (const auto& c : codes) hits.push_back({file, c});
  }

  if (expect) {
    // Every pairing code found must carry the certificate's fingerprint.
    std::string first_reason;
    size_t matched = 0;
    for (const auto& h : hits) {
      const std::string where = "the code in " + Cli::display_name(h.file);
      if (!qr::is_pairkit_payload(h.code.text)) {
        if (first_reason.empty()) first_reason = where + " is not a pairing payload (it does not start with PK1/)";
        continue;
      }
      qr::PairingPayload p;
      try {
        p = qr::parse_payload(h.code.text);
      } catch (const InputError& e) {
        throw InputError(where + " is not a valid pairing payload: " + e.what());
      }
      if (p.cert_sha256 != expect->sha256)
        throw CheckFailed("fingerprint mismatch: " + where + " carries SHA256:" + crypto::colon_hex(p.cert_sha256) +
                          ", " + expect->name + " is SHA256:" + crypto::colon_hex(expect->sha256));
      ++matched;
      if (!cli.json)
        std::cout << "match: " << Cli::display_name(h.file) << " is a pairing code for " << expect->name << " ("
                  << p.address() << (p.id.empty() ? "" : ", id " + p.id) << ", SHA256:" << crypto::colon_hex(p.cert_sha256)
                  << ")\n";
    }
    if (matched == 0 && !hits.empty()) throw InputError(first_reason);
  }

  if (cli.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& h : hits) arr.push_back(code_json(h.file, h.code));
    cli.emit_json(arr);
  } else if (!expect) {
    const bool label = o.images.size() > 1;
    for (const auto& h : hits) std::cout << (label ? Cli::display_name(h.file) + ": " : "") << h.code.text << "\n";
  }
  if (!empty.empty()) {
    std::string list;
    for (const auto& e : empty) list += (list.empty() ? "" : ", ") + e;
    throw CheckFailed("no QR code found in " + list);
  }
}

}  // namespace

void add_qr_group(CLI::App& app, Cli& cli) {
  auto* group = add_group(app, "qr", "Pairing QR codes: render them for device displays, scan them from photos");

  auto r = std::make_shared<RenderCmdOptions>();
  auto* c = add_command(*group, cli, "render",
                        "Render a pairing code (address, certificate fingerprint, device ID) or any text as a QR code",
                        {"pairkit qr render --host gate.local:8443 --cert terminal/cert.pem -o pair.png",
                         "pairkit qr render --host 10.0.0.7:8443 --cert cert.pem --fit 128x64 -o oled.pbm",
                         "pairkit qr render --host gate.local:8443 --cert cert.pem   # half blocks on the terminal",
                         "pairkit qr render --payload 'WIFI:S:lab;T:WPA;P:secret;;' --format svg -o wifi.svg"},
                        [r](Cli& c) { run_render(c, *r); });
  c->add_option("--payload", r->payload, "Any text to encode (byte mode where it needs it)");
  c->add_option("--host", r->host, "The device's address, HOST:PORT or [IPv6]:PORT (pairing code)");
  c->add_option("--cert", r->cert, "The device's certificate; its SHA-256 goes into the code (pairing code)");
  c->add_option("--id", r->id, "Device ID, 1-18 of A-Z 0-9 - . (default: the certificate's serialNumber or CN)");
  add_qr_output_options(c, cli, r->output, "the code");

  auto s = std::make_shared<ScanCmdOptions>();
  c = add_command(*group, cli, "scan", "Read QR and Micro QR codes from PNG, JPEG or PGM/PPM/PBM images",
                  {"pairkit qr scan photo.jpg", "pairkit qr scan photo.jpg --expect-cert terminal/cert.pem",
                   "pairkit --json qr scan screenshot.png", "cat frame.pgm | pairkit qr scan -"},
                  [s](Cli& c) { run_scan(c, *s); });
  c->add_option("IMAGE", s->images, "Images ('-': stdin); the format is read from the content")->required();
  c->add_option("--expect-cert", s->expect_cert,
                "Check the pairing code's fingerprint against this certificate (exit 1 on a mismatch)");
  cli.settings.bind(c, c->add_option("--max-pixels", s->max_pixels, "Refuse images whose header declares more pixels")
                           ->capture_default_str(),
                    "qr.max_pixels");
}

}  // namespace pairkit::cli
