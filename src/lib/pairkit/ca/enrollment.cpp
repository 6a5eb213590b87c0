// EST issuance (see enrollment.hpp).
#include "pairkit/ca/enrollment.hpp"

#include <algorithm>

#include "pairkit/ca/crl.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/x509.hpp"

namespace pairkit::ca {

namespace {

constexpr int kSuperseded = 4;  // RFC 5280 CRLReason

EnrollResult refuse(std::string code, std::string message) {
  EnrollResult r;
  r.status = EnrollResult::refused;
  r.code = std::move(code);
  r.message = std::move(message);
  return r;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

/// Why a first enrollment's subject does not name the terminal, or "".
std::string subject_mismatch(const Botan::X509_DN& subject, const std::string& terminal) {
  const auto serials = crypto::dn_serial_numbers(subject);
  const auto names = crypto::dn_common_names(subject);
  if (serials.empty() && names.empty())
    return "the request's subject has neither serialNumber nor CN; both name the terminal (" + terminal + ")";
  for (const auto* values : {&serials, &names})
    for (const auto& v : *values)
      if (v != terminal)
        return "the request's subject names '" + v + "', not this terminal's serial '" + terminal + "'";
  return "";
}

EnrollResult answer(EnrollResult::Status status, const IndexEntry& entry, const std::string& pem) {
  EnrollResult r;
  r.status = status;
  r.cert_der = crypto::load_certificate_der(std::vector<uint8_t>(pem.begin(), pem.end()), "certificate " + entry.serial);
  r.entry = entry;
  return r;
}

}  // namespace

EnrollResult enroll(IndexStore& index, crypto::Issuer& issuer, const CaDir& ca, const EnrollSpec& spec,
                    Botan::RandomNumberGenerator& rng) {
  std::optional<Botan::PKCS10_Request> csr;
  try {
    csr.emplace(load_request(spec.csr_der, "the request"));
  } catch (const InputError& e) {
    return refuse("bad_request", e.what());
  }
  // load_request verified the request's signature: nothing here verifies again.
  const auto requested = crypto::names_and_key(*csr);
  const auto client = crypto::names_and_key(crypto::load_certificate(spec.client_der, "the client certificate"));
  if (!spec.current) {
    if (requested.spki_pin != client.spki_pin)
      return refuse("bad_request", "the request is for another key than the paired certificate's (simpleenroll keeps the key; "
                                   "renew with simplereenroll to change it)");
    if (auto why = subject_mismatch(csr->subject_dn(), spec.terminal); !why.empty()) return refuse("bad_request", why);
  } else {
    if (requested.subject != client.subject)
      return refuse("bad_request", "the request's subject '" + requested.subject + "' is not the current certificate's '" +
                                       client.subject + "' (RFC 7030 4.2.2)");
    if (sorted(requested.sans) != sorted(client.sans))
      return refuse("bad_request", "the request's subject alternative names are not the current certificate's (RFC 7030 4.2.2)");
  }

  SignOptions opts;
  opts.profile = crypto::Profile::terminal;
  opts.valid_for = spec.valid_for;
  opts.now = spec.now;
  PreparedRequest prepared;
  try {
    prepared = prepare_request(*csr, "the request", ca, opts);
  } catch (const InputError& e) {
    return refuse("bad_request", e.what());
  }
  const std::string renewed_from = spec.current ? spec.current->serial : "";

  EnrollResult result;
  index.transaction([&] {
    if (spec.current) {
      // Read again inside the write transaction: a revocation committed
      // before it wins, one after it is ordered after this issue.
      const auto now_row = index.find(spec.current->serial);
      if (!now_row) {
        result = refuse("not_issued_here", "certificate " + spec.current->serial + " is not in the CA index");
        return;
      }
      if (now_row->status == "revoked") {
        const auto successor = now_row->reason == kSuperseded
                                   ? index.find_enrollment(spec.pairing_fingerprint, renewed_from, requested.spki_pin)
                                   : std::nullopt;
        if (!successor) {
          result = refuse("revoked", "certificate " + now_row->serial + " is revoked (" +
                                         reason_name(now_row->reason) + "); pair again");
          return;
        }
        result = answer(EnrollResult::reissued, *successor, index.certificate_pem(successor->serial).value_or(""));
        return;
      }
      if (now_row->not_after + spec.expired_grace < spec.now) {
        result = refuse("expired", "certificate " + now_row->serial + " expired on " + format_time(now_row->not_after) +
                                       (spec.expired_grace.count() > 0 ? ", past the renewal grace period" : "") +
                                       "; pair again");
        return;
      }
    }
    if (auto done = index.find_enrollment(spec.pairing_fingerprint, renewed_from, requested.spki_pin);
        done && done->not_after > spec.now) {
      if (auto pem = index.certificate_pem(done->serial)) {
        result = answer(EnrollResult::reissued, *done, *pem);
        return;
      }
    }
    for (;;) {
      const auto cert = issuer.issue(*prepared.subject_key, prepared.spec, crypto::random_serial(rng), rng);
      const auto der = cert.BER_encode();
      IndexEntry e;
      e.serial = serial_hex(cert.serial_number());
      e.subject = crypto::dn_to_string(cert.subject_dn());
      e.profile = crypto::profile_name(crypto::Profile::terminal);
      e.not_before = prepared.spec.not_before;
      e.not_after = prepared.spec.not_after;
      e.sha256 = crypto::fingerprint(der, crypto::HashAlg::sha256, crypto::FpFormat::colon);
      e.pem = cert.PEM_encode();
      e.delivered_to = "est:" + spec.terminal;
      e.delivered = true;
      e.terminal = spec.terminal;
      e.pairing_fingerprint = spec.pairing_fingerprint;
      e.renewed_from = renewed_from;
      e.key_sha256 = requested.spki_pin;
      if (!index.insert(e)) continue;  // a serial taken already: draw another
      if (spec.current && spec.revoke_on_renew) index.revoke(spec.current->serial, spec.now, kSuperseded);
      result.status = EnrollResult::issued;
      result.cert_der.assign(der.begin(), der.end());
      result.entry = std::move(e);
      return;
    }
  });
  return result;
}

}  // namespace pairkit::ca
