// Issuing a CRL from the CA index (see crl_issue.hpp).
#include "pairkit/ca/crl_issue.hpp"

namespace pairkit::ca {

IssuedCrl issue_crl(const CaDir& ca, IndexStore& db, const Botan::Private_Key& key, TimePoint now,
                    std::chrono::seconds next_update, Botan::RandomNumberGenerator& rng) {
  IssuedCrl out;
  out.spec.this_update = now;
  out.spec.next_update = now + next_update;
  std::vector<RevokedEntry> entries;
  db.transaction([&] {
    out.spec.number = db.next_crl_number();
    db.for_each_revoked([&](const RevokedEntry& e) { entries.push_back(e); });
  });
  out.count = entries.size();
  out.der = build_crl(key, ca.cert(), out.spec, entries, rng);
  return out;
}

bool crl_file_is_der(std::string_view path) { return path.size() > 4 && path.substr(path.size() - 4) == ".der"; }

}  // namespace pairkit::ca
