// pairkit cert verify: path validation with revocation by CRLs (the check
// itself is ca::verify_path); this file parses the options and prints.
#include <iostream>
#include <memory>

#include "groups.hpp"
#include "options.hpp"
#include "pairkit/ca/verify.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/objects.hpp"

namespace pairkit::cli {

namespace {

struct VerifyOptions {
  std::string cert;
  std::string ca;
  std::vector<std::string> crls;
  std::string at = "now";
  std::string purpose;
  bool allow_stale = false;
  std::string max_crl_size;
};

crypto::Purpose purpose_of(const std::string& name) {
  if (name == "client") return crypto::Purpose::client;
  if (name == "server") return crypto::Purpose::server;
  return crypto::Purpose::any;
}

void run_verify(Cli& cli, const VerifyOptions& o) {
  ca::VerifyRequest req;
  req.name = Cli::display_name(o.cert);
  req.chain = crypto::load_certificates(cli.read_input(o.cert, limits::kBundle), req.name);
  req.anchors_name = Cli::display_name(o.ca);
  req.anchors = crypto::load_certificates(cli.read_input(o.ca, limits::kBundle), req.anchors_name);
  std::vector<ca::CrlIndex> crls;
  for (const auto& f : o.crls) crls.push_back(read_crl(cli, f, o.max_crl_size));
  req.crls = crls;
  req.at = parse_time(o.at, cli.clock());
  req.purpose = purpose_of(o.purpose);
  req.allow_stale = o.allow_stale;
  const auto r = ca::verify_path(req);
  if (cli.json) {
    nlohmann::json j = {{"file", o.cert}, {"subject", r.subject}, {"valid", r.valid()},
                        {"at", format_time(req.at)}, {"chain", r.path}};
    j["reason"] = r.valid() ? nlohmann::json(nullptr) : nlohmann::json(r.failure);
    cli.emit_json(j);
  } else if (r.valid()) {
    std::string chain_text;
    for (const auto& n : r.path) chain_text += (chain_text.empty() ? "" : " <- ") + n;
    std::cout << req.name << ": OK (" << chain_text << ")" << (o.purpose.empty() ? "" : ", purpose " + o.purpose)
              << "\n";
  }
  if (!r.valid()) throw CheckFailed(req.name + " (" + r.subject + "): " + r.failure);
}

}  // namespace

void add_cert_verify_command(CLI::App& cert_group, Cli& cli) {
  auto v = std::make_shared<VerifyOptions>();
  auto* c = add_command(cert_group, cli, "verify", "Validate a certificate's path to a CA, with CRLs (exit 1 if invalid)",
                        {"pairkit cert verify term-0042.crt --ca fleet-ca/ca.crt --crl crl.pem --purpose client",
                         "pairkit cert verify chain.pem --ca roots.pem --at 2027-01-01T00:00:00Z"},
                        [v](Cli& c) { run_verify(c, *v); });
  c->add_option("CERT", v->cert, "Certificate, optionally followed by its intermediates ('-': stdin)")->required();
  c->add_option("--ca", v->ca, "Trusted CA certificate(s), PEM bundle or DER")->required();
  c->add_option("--crl", v->crls, "CRL to consult (repeatable; PEM or DER)")->allow_extra_args(false);
  c->add_option("--at", v->at, "Validate at this time (RFC 3339 or 'now')")->capture_default_str();
  c->add_option("--purpose", v->purpose, "Require client or server authentication in the extended key usage")
      ->check(CLI::IsMember({"client", "server"}));
  c->add_flag("--allow-stale", v->allow_stale, "Accept a CRL whose next update is past");
  add_max_crl_size_option(c, cli, v->max_crl_size);
}

}  // namespace pairkit::cli
