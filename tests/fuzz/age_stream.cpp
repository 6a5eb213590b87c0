// The STREAM reader: a valid header for a fixed identity, then the input as
// the payload (nonce and chunks): chunk framing, the last-chunk flag, sizes.
#include <vector>

#include "age_fixture.hpp"
#include "fuzz_target.hpp"

PAIRKIT_FUZZ_TARGET(age_stream) {
  const auto& header = pairkit::fuzz::age_header_for_fixed_identity();
  std::vector<uint8_t> file(header.begin(), header.end());
  file.insert(file.end(), data.begin(), data.end());
  pairkit::fuzz::decrypt_all(file);
}
