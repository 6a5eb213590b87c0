// pairkit crl issue | info | check
#include <iostream>
#include <memory>

#include <botan/hex.h>

#include "groups.hpp"
#include "json_stream.hpp"
#include "key_ref.hpp"
#include "options.hpp"
#include "pairkit/ca/authority.hpp"
#include "pairkit/ca/crl.hpp"
#include "pairkit/ca/crl_issue.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/x509.hpp"
#include "secrets.hpp"

namespace pairkit::cli {

namespace {

struct IssueOptions {
  std::string dir;
  std::string next_update;
  std::string out = "-";
  std::string format;
  PassphraseOptions pass;
  TokenOptions token;
  bool force = false;
};

struct InfoOptions {
  std::string crl;
  std::string max_size;
};

struct CheckOptions {
  std::string crl;
  std::string max_size;
  std::string ca;
  std::vector<std::string> certs;
  bool allow_stale = false;
};

bool wants_der(const std::string& out, const std::string& format) {
  if (!format.empty()) return format == "der";
  return ca::crl_file_is_der(out);
}

void run_issue(Cli& cli, const IssueOptions& o) {
  const auto ca = ca::CaDir::open(o.dir);
  const auto next = o.next_update.empty() ? ca.config().crl_next_update : parse_duration(o.next_update);
  if (o.out != "-" && !o.force && path_exists(o.out)) throw InputError(o.out + " exists (use --force to replace it)");
  const auto key = load_ca_key(cli, ca, o.pass, o.token);
  auto db = ca.open_index();
  const auto issued = ca::issue_crl(ca, *db, *key, cli.clock().now(), next, cli.rng());
  const auto& der = issued.der;
  const auto& spec = issued.spec;
  if (wants_der(o.out, o.format))
    cli.write_output(o.out, std::string_view(reinterpret_cast<const char*>(der.data()), der.size()), {kPublicFileMode, o.force});
  else
    cli.write_output(o.out, ca::crl_pem(der), {kPublicFileMode, o.force});
  if (cli.json && o.out != "-") {
    cli.emit_json({{"file", o.out}, {"crl_number", spec.number}, {"this_update", format_time(spec.this_update)},
                   {"next_update", format_time(spec.next_update)}, {"count", issued.count}});
    return;
  }
  if (o.out != "-")
    cli.info("wrote CRL number " + std::to_string(spec.number) + " with " + std::to_string(issued.count) +
             " revoked certificate(s) to " + o.out + "; next update due " + format_time(spec.next_update));
}

// The --json document, streamed: entry by entry, so that ten million entries
// need no more memory than ten. Keys in the sorted order emit_json prints.
void stream_info_json(const ca::CrlIndex& crl, const std::string& file, const std::string& issuer) {
  JsonStream out;
  out.begin_object();
  out.key("authority_key_id");
  out.string(Botan::hex_encode(crl.authority_key_id()));
  out.key("count");
  out.value(crl.size());
  out.key("crl_number");
  out.value(crl.number() ? nlohmann::json(*crl.number()) : nlohmann::json(nullptr));
  out.key("entries");
  out.begin_array();
  crl.for_each_entry([&](const ca::RevokedEntry& e) {
    out.begin_object();
    out.key("reason");
    out.string(ca::reason_name(e.reason));
    out.key("revoked_at");
    out.string(format_time(e.revoked_at));
    out.key("serial");
    out.string(e.serial);
    out.end_object();
  });
  out.end_array();
  out.key("file");
  out.string(file);
  out.key("issuer");
  out.string(issuer);
  out.key("next_update");
  out.value(crl.next_update() ? nlohmann::json(format_time(*crl.next_update())) : nlohmann::json(nullptr));
  out.key("signature_algorithm");
  out.string(crl.signature_algorithm());
  out.key("this_update");
  out.string(format_time(crl.this_update()));
  out.end_object();
  out.finish();
}

void run_info(Cli& cli, const InfoOptions& o) {
  const auto crl = read_crl(cli, o.crl, o.max_size);
  const std::string issuer = crypto::dn_to_string(crl.issuer());
  if (cli.json) {
    stream_info_json(crl, o.crl, issuer);
    return;
  }
  std::cout << "issuer:      " << issuer << "\n"
            << "CRL number:  " << (crl.number() ? std::to_string(*crl.number()) : "-") << "\n"
            << "this update: " << format_time(crl.this_update()) << "\n"
            << "next update: " << (crl.next_update() ? format_time(*crl.next_update()) : "-") << "\n"
            << "signature:   " << crl.signature_algorithm() << "\n"
            << "revoked:     " << crl.size() << "\n";
}

void run_check(Cli& cli, const CheckOptions& o) {
  const auto crl = read_crl(cli, o.crl, o.max_size);
  const std::string crl_name = Cli::display_name(o.crl);
  const std::string crl_issuer = crypto::dn_to_string(crl.issuer());
  if (!o.ca.empty()) {
    const auto ca_certs = crypto::load_certificates(cli.read_input(o.ca, limits::kBundle), Cli::display_name(o.ca));
    const Botan::X509_Certificate* issuer = nullptr;
    for (const auto& c : ca_certs)
      if (c.subject_dn() == crl.issuer()) issuer = &c;
    if (!issuer)
      throw InputError(crl_name + " was issued by " + crl_issuer + ", not by " + Cli::display_name(o.ca) + " (" +
                       crypto::dn_to_string(ca_certs.front().subject_dn()) + ")");
    if (!crl.signed_by(*issuer))
      throw CheckFailed(crl_name + ": signature does not verify with the key of " + Cli::display_name(o.ca) +
                        " (" + crl_issuer + "); the CRL is forged or damaged");
  }
  const auto now = cli.clock().now();
  crl.require_fresh(now, o.allow_stale);

  nlohmann::json results = nlohmann::json::array();
  size_t revoked = 0;
  std::string first;
  for (const auto& file : o.certs) {
    const std::string name = Cli::display_name(file);
    for (const auto& cert : crypto::load_certificates(cli.read_input(file, limits::kBundle), name)) {
      if (cert.issuer_dn() != crl.issuer())
        throw InputError(name + " was issued by " + crypto::dn_to_string(cert.issuer_dn()) + ", but " + crl_name +
                         " is from " + crl_issuer + "; refusing to check it against a different issuer's CRL");
      const std::string serial = ca::serial_hex(cert.serial_number());
      const auto hit = crl.find(std::span<const uint8_t>(cert.serial_number()));
      nlohmann::json j = {{"file", file}, {"serial", serial}, {"subject", crypto::dn_to_string(cert.subject_dn())},
                          {"revoked", hit.has_value()}};
      if (hit) {
        ++revoked;
        const std::string why = ca::reason_name(hit->reason);
        j["revoked_at"] = format_time(hit->revoked_at);
        j["reason"] = why;
        const std::string line = name + ": REVOKED serial " + serial + " on " + format_time(hit->revoked_at) + " (" + why + ")";
        if (first.empty()) first = line;
        if (!cli.json) std::cout << line << "\n";
      } else if (!cli.json) {
        std::cout << name << ": not revoked (serial " << serial << ")\n";
      }
      results.push_back(std::move(j));
    }
  }
  if (cli.json) cli.emit_json(results);
  if (revoked)
    throw CheckFailed(std::to_string(revoked) + " of " + std::to_string(results.size()) + " certificate(s) revoked by " +
                      crl_name + (cli.json ? ": " + first : ""));
}

}  // namespace

void add_crl_group(CLI::App& app, Cli& cli) {
  auto* group = add_group(app, "crl", "Issue, inspect and check certificate revocation lists");

  auto is = std::make_shared<IssueOptions>();
  auto* c = add_command(*group, cli, "issue", "Issue a v2 CRL of everything the CA revoked",
                        {"pairkit crl issue --dir fleet-ca -o crl.pem", "pairkit crl issue --dir fleet-ca --next-update 1d -o crl.der --force"},
                        [is](Cli& c) { run_issue(c, *is); });
  c->add_option("--dir", is->dir, "CA folder")->required();
  c->add_option("--next-update", is->next_update, "When the next CRL is due (default: crl.next_update in ca.toml, 7d)")
      ->check(duration_check());
  add_output_option(c, is->out, "the CRL");
  c->add_option("--format", is->format, "pem or der (default: der for a .der file, else pem)")
      ->check(CLI::IsMember({"pem", "der"}));
  add_passphrase_options(c, is->pass, "the CA key");
  add_token_options(c, cli, is->token);
  c->add_flag("--force", is->force, "Replace an existing output file");

  auto in = std::make_shared<InfoOptions>();
  c = add_command(*group, cli, "info", "Show a CRL's issuer, number, dates and size (--json lists the entries)",
                  {"pairkit crl info crl.pem", "pairkit --json crl info crl.der"},
                  [in](Cli& c) { run_info(c, *in); });
  c->add_option("CRL", in->crl, "CRL file, PEM or DER ('-': stdin)")->required();
  add_max_crl_size_option(c, cli, in->max_size);

  auto ck = std::make_shared<CheckOptions>();
  c = add_command(*group, cli, "check", "Check certificates against a CRL (exit 1 if any is revoked)",
                  {"pairkit crl check --crl crl.pem --ca fleet-ca/ca.crt term-0042.crt",
                   "pairkit crl check --crl crl.pem certs/*.crt"},
                  [ck](Cli& c) { run_check(c, *ck); });
  c->add_option("--crl", ck->crl, "CRL file, PEM or DER ('-': stdin)")->required();
  c->add_option("--ca", ck->ca, "Issuer certificate: verify the CRL's signature with it");
  c->add_option("CERT", ck->certs, "Certificates to check")->required();
  c->add_flag("--allow-stale", ck->allow_stale, "Accept a CRL whose next update is past");
  add_max_crl_size_option(c, cli, ck->max_size);
}

}  // namespace pairkit::cli
