// The DER writer and reader behind the CA's CRLs (crypto/der.hpp).
#include <doctest/doctest.h>

#include <vector>

#include "pairkit/crypto/der.hpp"

using namespace pairkit;
namespace der = pairkit::crypto::der;

TEST_CASE("times: UTCTime before 2050, GeneralizedTime after, both read back") {
  for (long long t : {1'800'000'000LL, 2'600'000'000LL}) {
    std::vector<uint8_t> out;
    der::put_time(out, TimePoint(std::chrono::seconds(t)));
    CHECK(out[0] == (t < 2'524'608'000LL ? der::kUtcTime : der::kGeneralizedTime));
    der::Reader r(out);
    CHECK(der::read_time(r.next(0, "time")).time_since_epoch().count() == t);
  }
}
