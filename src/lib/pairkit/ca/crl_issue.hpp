// Issuing the CA's CRL from its index: what `pairkit crl issue` does and what
// a gate holding the CA key re-issues on its own.
#pragma once
#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include <botan/pk_keys.h>
#include <botan/rng.h>

#include "pairkit/ca/authority.hpp"
#include "pairkit/ca/crl.hpp"
#include "pairkit/ca/index_store.hpp"
#include "pairkit/core/clock.hpp"

namespace pairkit::ca {

/// A CRL just signed, with what went into it.
struct IssuedCrl {
  std::vector<uint8_t> der;
  CrlSpec spec;
  size_t count = 0;  ///< revoked certificates listed
};

/// Signs a CRL of every revocation in `db`, valid from `now` for
/// `next_update`. The CRL number is taken and the revocations read in one
/// transaction, so a number is never used twice and a CRL never lacks a
/// revocation its number stamped.
IssuedCrl issue_crl(const CaDir& ca, IndexStore& db, const Botan::Private_Key& key, TimePoint now,
                    std::chrono::seconds next_update, Botan::RandomNumberGenerator& rng);

/// Whether a CRL file is written DER rather than PEM: by its name ending
/// in ".der" (what `crl issue -o` decides when no --format is given).
bool crl_file_is_der(std::string_view path);

}  // namespace pairkit::ca
