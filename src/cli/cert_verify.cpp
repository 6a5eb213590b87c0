// pairkit cert verify: full path validation (Botan) plus revocation against
// CRLs read through pairkit's indexed CRL reader, so a million-entry CRL is
// as quick to consult as a small one.
#include <iostream>
#include <memory>

#include <botan/certstor.h>
#include <botan/x509path.h>

#include "groups.hpp"
#include "pairkit/ca/crl.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/x509.hpp"

namespace pairkit::cli {

namespace {

struct VerifyOptions {
  std::string cert;
  std::string ca;
  std::vector<std::string> crls;
  std::string at = "now";
  std::string purpose;
  bool allow_stale = false;
};

// The contract's words for why a path does not validate.
std::string reason_for(Botan::Certificate_Status_Code code) {
  using C = Botan::Certificate_Status_Code;
  switch (code) {
    case C::CERT_HAS_EXPIRED: return "expired";
    case C::CERT_NOT_YET_VALID: return "not yet valid";
    case C::CERT_ISSUER_NOT_FOUND:
    case C::CANNOT_ESTABLISH_TRUST:
    case C::CHAIN_LACKS_TRUST_ROOT: return "unknown issuer";
    case C::SIGNATURE_ERROR:
    case C::CERT_PUBKEY_INVALID: return "bad signature";
    case C::INVALID_USAGE: return "wrong purpose";
    case C::CERT_IS_REVOKED: return "revoked";
    default: return Botan::Path_Validation_Result::status_string(code);
  }
}

void run_verify(Cli& cli, const VerifyOptions& o) {
  const std::string name = Cli::display_name(o.cert);
  const auto chain = crypto::load_certificates(cli.read_input(o.cert), name);
  const auto roots = crypto::load_certificates(cli.read_input(o.ca), Cli::display_name(o.ca));
  std::vector<ca::CrlIndex> crls;
  for (const auto& f : o.crls) crls.push_back(ca::CrlIndex(cli.read_input(f), Cli::display_name(f)));
  const TimePoint at = parse_time(o.at, cli.clock());

  Botan::Certificate_Store_In_Memory store;
  for (const auto& r : roots) store.add_certificate(r);
  Botan::Usage_Type usage = Botan::Usage_Type::UNSPECIFIED;
  if (o.purpose == "client") usage = Botan::Usage_Type::TLS_CLIENT_AUTH;
  if (o.purpose == "server") usage = Botan::Usage_Type::TLS_SERVER_AUTH;
  const Botan::Path_Validation_Restrictions restrictions(false, 110);
  const auto result = Botan::x509_path_validate(chain, restrictions, store, "", usage,
                                                std::chrono::system_clock::time_point(at));
  const auto& leaf = chain.front();
  const std::string subject = crypto::dn_to_string(leaf.subject_dn());
  std::string failure;
  if (!result.successful_validation()) {
    failure = reason_for(result.result());
    if (failure == "expired") failure += " (not after " + format_time(crypto::to_time_point(leaf.not_after())) + ")";
    if (failure == "not yet valid") failure += " (not before " + format_time(crypto::to_time_point(leaf.not_before())) + ")";
    if (failure == "unknown issuer") failure += " (issuer " + crypto::dn_to_string(leaf.issuer_dn()) + " is not in " + Cli::display_name(o.ca) + ")";
    if (failure == "wrong purpose") failure += " (not certified for " + o.purpose + " authentication)";
  }

  std::vector<std::string> path_names;
  if (failure.empty()) {
    const auto& path = result.cert_path();
    for (const auto& c : path) path_names.push_back(crypto::dn_to_string(c->subject_dn()));
    for (size_t i = 0; i + 1 < path.size() && failure.empty(); ++i) {
      const auto& cert = *path[i];
      const auto& issuer = *path[i + 1];
      for (const auto& crl : crls) {
        if (crl.issuer() != cert.issuer_dn()) continue;
        if (!crl.signed_by(issuer))
          throw CheckFailed(name + ": " + crl.name() + " claims to be from " + crypto::dn_to_string(crl.issuer()) +
                            " but its signature does not verify with that CA's key");
        crl.require_fresh(at, o.allow_stale);
        if (const auto hit = crl.find(std::span<const uint8_t>(cert.serial_number()))) {
          failure = "revoked";
          if (i > 0) failure += " (intermediate " + crypto::dn_to_string(cert.subject_dn()) + ")";
          failure += " on " + format_time(hit->revoked_at) + ", reason " +
                     ca::reason_name(hit->reason) + ", per " + crl.name();
          break;
        }
      }
    }
  }
  if (cli.json) {
    nlohmann::json j = {{"file", o.cert}, {"subject", subject}, {"valid", failure.empty()},
                        {"at", format_time(at)}, {"chain", path_names}};
    j["reason"] = failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(failure);
    cli.emit_json(j);
  } else if (failure.empty()) {
    std::string chain_text;
    for (const auto& n : path_names) chain_text += (chain_text.empty() ? "" : " <- ") + n;
    std::cout << name << ": OK (" << chain_text << ")" << (o.purpose.empty() ? "" : ", purpose " + o.purpose) << "\n";
  }
  if (!failure.empty()) throw CheckFailed(name + " (" + subject + "): " + failure);
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
}

}  // namespace pairkit::cli
