// pairkit cert self-sign | request | info
#include <iostream>
#include <memory>

#include "groups.hpp"
#include "key_ref.hpp"
#include "options.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/x509.hpp"
#include "secrets.hpp"

namespace pairkit::cli {

namespace {

struct SelfSignOptions {
  std::string key;
  std::string cn;
  std::string profile = "device";
  std::string valid_for = "365d";
  std::vector<std::string> sans;
  SubjectFlags subject;
  std::string out = "-";
  PassphraseOptions pass;
  TokenOptions token;
  bool force = false;
};

struct RequestOptions {
  std::string key;
  std::string cn;
  std::vector<std::string> sans;
  SubjectFlags subject;
  std::string out = "-";
  PassphraseOptions pass;
  TokenOptions token;
  bool force = false;
};

struct InfoOptions {
  std::vector<std::string> files;
};

void run_self_sign(Cli& cli, const SelfSignOptions& o) {
  const auto profile = crypto::parse_profile(o.profile);
  if (profile == crypto::Profile::terminal || profile == crypto::Profile::intermediate)
    throw UsageError("profile '" + o.profile + "' is for CA-issued certificates (pairkit ca sign); self-sign takes client, server, device or ca");
  const auto key = load_key_ref(cli, o.key, o.pass, o.token);
  crypto::CertSpec spec;
  spec.subject = o.subject.subject(o.cn).to_dn();
  spec.profile = profile;
  spec.sans = parse_sans(o.sans);
  spec.not_before = cli.clock().now();
  spec.not_after = spec.not_before + parse_duration(o.valid_for);
  const auto cert = crypto::self_sign(*key, spec, cli.rng());
  cli.write_output(o.out, cert.PEM_encode(), {kPublicFileMode, o.force});
  const auto d = crypto::describe_certificate(cert);
  if (cli.json) {
    cli.emit_json({{"file", o.out}, {"subject", d.subject}, {"serial", d.serial}, {"profile", o.profile},
                   {"not_before", format_time(d.not_before)}, {"not_after", format_time(d.not_after)},
                   {"sha256", d.sha256}, {"spki_pin", d.spki_pin}});
    return;
  }
  if (o.out != "-") {
    cli.info("wrote " + o.profile + " certificate for " + d.subject + " to " + o.out + ", valid until " +
             format_time(d.not_after));
    cli.info("fingerprint SHA256:" + d.sha256);
  }
}

void run_request(Cli& cli, const RequestOptions& o) {
  const auto key = load_key_ref(cli, o.key, o.pass, o.token);
  const auto csr = crypto::make_request(*key, o.subject.subject(o.cn).to_dn(), parse_sans(o.sans), cli.rng());
  cli.write_output(o.out, csr.PEM_encode(), {kPublicFileMode, o.force});
  if (cli.json) {
    cli.emit_json({{"file", o.out}, {"subject", crypto::dn_to_string(csr.subject_dn())},
                   {"spki_pin", crypto::spki_pin(csr.raw_public_key())}});
  } else if (o.out != "-") {
    cli.info("wrote certificate request to " + o.out);
    cli.info("next: pairkit ca sign --dir CA_DIR " + o.out + " -o cert.pem");
  }
}

nlohmann::json cert_json(const crypto::CertDetails& d) {
  nlohmann::json j = {{"kind", "certificate"},
                      {"subject", d.subject},
                      {"issuer", d.issuer},
                      {"serial", d.serial},
                      {"not_before", format_time(d.not_before)},
                      {"not_after", format_time(d.not_after)},
                      {"key", d.key},
                      {"signature_algorithm", d.signature_algorithm},
                      {"is_ca", d.is_ca},
                      {"key_usage", d.key_usage},
                      {"extended_key_usage", d.extended_key_usage},
                      {"sans", d.sans},
                      {"self_signed", d.self_signed},
                      {"sha256", d.sha256},
                      {"spki_pin", d.spki_pin}};
  j["path_length"] = d.path_length ? nlohmann::json(*d.path_length) : nlohmann::json(nullptr);
  return j;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "-" : s;
}

void print_cert(std::ostream& os, const crypto::CertDetails& d) {
  os << "subject:       " << d.subject << "\n"
     << "issuer:        " << d.issuer << (d.self_signed ? " (self-signed)" : "") << "\n"
     << "serial:        " << d.serial << "\n"
     << "not before:    " << format_time(d.not_before) << "\n"
     << "not after:     " << format_time(d.not_after) << "\n"
     << "key:           " << d.key << "\n"
     << "signature:     " << d.signature_algorithm << "\n"
     << "CA:            " << (d.is_ca ? "yes" : "no")
     << (d.path_length ? " (path length " + std::to_string(*d.path_length) + ")" : "") << "\n"
     << "key usage:     " << joined(d.key_usage) << "\n"
     << "ext key usage: " << joined(d.extended_key_usage) << "\n"
     << "SANs:          " << joined(d.sans) << "\n"
     << "sha256:        " << d.sha256 << "\n"
     << "spki pin:      " << d.spki_pin << "\n";
}

void run_info(Cli& cli, const InfoOptions& o) {
  nlohmann::json all = nlohmann::json::array();
  bool first = true;
  for (const auto& file : o.files) {
    const std::string name = Cli::display_name(file);
    const auto objs = crypto::read_objects(cli.read_input(file, limits::kBundle), name);
    for (size_t i = 0; i < objs.size(); ++i) {
      const auto& obj = objs[i];
      nlohmann::json j;
      std::ostringstream text;
      if (obj.kind == crypto::ObjectKind::certificate) {
        const auto d = crypto::describe_certificate(Botan::X509_Certificate(obj.der));
        j = cert_json(d);
        print_cert(text, d);
      } else if (obj.kind == crypto::ObjectKind::csr) {
        const auto d = crypto::describe_request(Botan::PKCS10_Request(obj.der));
        j = {{"kind", "request"}, {"subject", d.subject}, {"key", d.key},
             {"signature_algorithm", d.signature_algorithm}, {"sans", d.sans},
             {"signature_valid", d.signature_valid}, {"spki_pin", d.spki_pin}};
        text << "request subject: " << d.subject << "\n"
             << "key:             " << d.key << "\n"
             << "signature:       " << d.signature_algorithm << (d.signature_valid ? " (valid)" : " (INVALID)") << "\n"
             << "SANs:            " << joined(d.sans) << "\n"
             << "spki pin:        " << d.spki_pin << "\n";
      } else {
        throw InputError(name + " holds a " + crypto::object_kind_name(obj.kind) +
                         " where a certificate or request is needed");
      }
      j["file"] = file;
      j["index"] = i;
      all.push_back(j);
      if (!cli.json) {
        if (!first) std::cout << "\n";
        if (o.files.size() > 1 || objs.size() > 1) std::cout << "# " << name << " [" << i << "]\n";
        std::cout << text.str();
      }
      first = false;
    }
  }
  if (cli.json) cli.emit_json(all);
}

}  // namespace

void add_cert_group(CLI::App& app, Cli& cli) {
  auto* group = add_group(app, "cert", "Make, inspect and verify X.509 certificates and requests");

  auto ss = std::make_shared<SelfSignOptions>();
  auto* c = add_command(*group, cli, "self-sign", "Make a self-signed certificate for a key",
                        {"pairkit cert self-sign --key device.key --cn term-0042 --san dns:term-0042.local -o device.crt",
                         "pairkit cert self-sign --key ca.key --cn 'Fleet CA' --profile ca --valid-for 520w -o ca.crt",
                         "pairkit cert self-sign --key 'pkcs11:token=terminal;object=device-key' --pin-file pin.txt "
                         "--cn term-0042 -o device.crt"},
                        [ss](Cli& c) { run_self_sign(c, *ss); });
  c->add_option("--key", ss->key, key_ref_help("The private key"))->required();
  c->add_option("--cn", ss->cn, "Subject common name")->required();
  cli.settings.bind(c, c->add_option("--profile", ss->profile, "device (client+server auth), client, server or ca")
                           ->check(CLI::IsMember({"device", "client", "server", "ca"}))
                           ->capture_default_str(),
                    "cert.profile");
  add_valid_for_option(c, cli, ss->valid_for, "cert.valid_for");
  add_san_option(c, ss->sans);
  add_subject_options(c, cli, ss->subject);
  add_output_option(c, ss->out, "the certificate");
  add_passphrase_options(c, ss->pass);
  add_token_options(c, cli, ss->token);
  c->add_flag("--force", ss->force, "Replace an existing output file");

  auto rq = std::make_shared<RequestOptions>();
  c = add_command(*group, cli, "request", "Make a PKCS#10 certificate signing request",
                  {"pairkit cert request --key device.key --cn term-0042 --san ip:fd00::42 -o device.csr",
                   "PAIRKIT_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so pairkit cert request "
                   "--key 'pkcs11:token=terminal;object=device-key' --pin-env PIN --cn term-0042 -o device.csr"},
                  [rq](Cli& c) { run_request(c, *rq); });
  c->add_option("--key", rq->key, key_ref_help("The private key"))->required();
  c->add_option("--cn", rq->cn, "Subject common name")->required();
  add_san_option(c, rq->sans);
  add_subject_options(c, cli, rq->subject);
  add_output_option(c, rq->out, "the request");
  add_passphrase_options(c, rq->pass);
  add_token_options(c, cli, rq->token);
  c->add_flag("--force", rq->force, "Replace an existing output file");

  auto info = std::make_shared<InfoOptions>();
  c = add_command(*group, cli, "info", "Describe certificates and requests (PEM, DER or bundles)",
                  {"pairkit cert info device.crt", "pairkit --json cert info chain.pem"},
                  [info](Cli& c) { run_info(c, *info); });
  cli.mark_public_only(c);
  c->add_option("FILE", info->files, "Certificate, request or bundle ('-': stdin)")->required();

  add_cert_verify_command(*group, cli);
}

}  // namespace pairkit::cli
