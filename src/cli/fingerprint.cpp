// pairkit fingerprint: certificate and SPKI fingerprints in every form.
#include <iostream>
#include <memory>

#include "groups.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"

namespace pairkit::cli {

namespace {

struct FingerprintOptions {
  std::vector<std::string> files;
  std::string of;  // empty: cert for certificates, spki for everything else
  std::string hash = "sha256";
  std::string format = "colon";
};

void run_fingerprint(Cli& cli, const FingerprintOptions& o) {
  const auto hash = crypto::parse_hash(o.hash);
  const bool all = o.format == "all";
  const auto format = all ? crypto::FpFormat::colon : crypto::parse_fp_format(o.format);
  if (all && hash != crypto::HashAlg::sha256) throw UsageError("--format all always uses sha256 and sha1; drop --hash");
  const std::vector<std::string> files = o.files.empty() ? std::vector<std::string>{"-"} : o.files;

  struct Row {
    std::string file;
    size_t index;
    std::vector<uint8_t> data;  // what is hashed
    std::vector<uint8_t> spki;
  };
  std::vector<Row> rows;
  for (const auto& file : files) {
    const std::string name = Cli::display_name(file);
    const auto objs = crypto::read_objects(cli.read_input(file, limits::kBundle), name);
    for (size_t i = 0; i < objs.size(); ++i) {
      const auto& obj = objs[i];
      if (obj.kind == crypto::ObjectKind::crl) throw InputError(name + " holds a CRL, which has no fingerprint here");
      const bool is_cert = obj.kind == crypto::ObjectKind::certificate;
      if (o.of == "cert" && !is_cert)
        throw InputError(name + " holds a " + crypto::object_kind_name(obj.kind) +
                         " where a certificate is needed (use --of spki)");
      auto spki = crypto::spki_of(obj, name);
      const bool use_cert = is_cert && o.of != "spki";
      rows.push_back({file, i, use_cert ? obj.der : spki, std::move(spki)});
    }
  }
  const bool label = rows.size() > 1;
  nlohmann::json out = nlohmann::json::array();
  std::string text;
  for (const auto& r : rows) {
    const std::string where = Cli::display_name(r.file) + (label ? "[" + std::to_string(r.index) + "]" : "");
    if (all) {
      const std::string sha256 = crypto::fingerprint(r.data, crypto::HashAlg::sha256, crypto::FpFormat::colon);
      const std::string sha1 = crypto::fingerprint(r.data, crypto::HashAlg::sha1, crypto::FpFormat::colon);
      const std::string pin = crypto::spki_pin(r.spki);
      const std::string b32 = crypto::fingerprint(r.data, crypto::HashAlg::sha256, crypto::FpFormat::base32);
      out.push_back({{"file", r.file}, {"index", r.index}, {"sha256", sha256}, {"sha1", sha1}, {"spki_pin", pin},
                     {"base32", b32}});
      if (label) text += "# " + where + "\n";
      text += "sha256:   " + sha256 + "\nsha1:     " + sha1 + "\nspki pin: " + pin + "\nbase32:   " + b32 + "\n";
    } else {
      const std::string fp = crypto::fingerprint(r.data, hash, format);
      out.push_back({{"file", r.file}, {"index", r.index}, {"hash", o.hash}, {"format", o.format}, {"fingerprint", fp}});
      text += fp + (label ? "  " + where : "") + "\n";
    }
  }
  if (cli.json) {
    cli.emit_json(out);
  } else {
    std::cout << text;
  }
}

}  // namespace

void add_fingerprint_command(CLI::App& app, Cli& cli) {
  auto o = std::make_shared<FingerprintOptions>();
  auto* c = add_command(app, cli, "fingerprint",
                        "Fingerprints of certificates (DER) or public keys (SPKI), as openssl, curl and Syncthing show them",
                        {"pairkit fingerprint server.crt",
                         "pairkit fingerprint --of spki --format pin server.crt   # curl --pinnedpubkey",
                         "pairkit fingerprint --format all chain.pem",
                         "openssl x509 -in server.crt | pairkit fingerprint -"},
                        [o](Cli& c) { run_fingerprint(c, *o); });
  cli.mark_public_only(c);
  c->add_option("FILE", o->files, "Certificates, bundles, requests or keys, PEM or DER ('-' or none: stdin)");
  c->add_option("--of", o->of, "What is hashed: cert (the DER certificate; default for certificates) or spki")
      ->check(CLI::IsMember({"cert", "spki"}));
  cli.settings.bind(c, c->add_option("--hash", o->hash, "sha256, sha1, sha384 or sha512")
                           ->check(CLI::IsMember({"sha256", "sha1", "sha384", "sha512"}))
                           ->capture_default_str(),
                    "fingerprint.hash");
  cli.settings.bind(c, c->add_option("--format", o->format,
                                     "colon (openssl), hex, base64, pin (sha256//..., curl/OkHttp), base32 (Syncthing device ID) or all")
                           ->check(CLI::IsMember({"colon", "hex", "base64", "pin", "base32", "all"}))
                           ->capture_default_str(),
                    "fingerprint.format");
}

}  // namespace pairkit::cli
