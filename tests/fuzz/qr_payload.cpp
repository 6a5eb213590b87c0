// The pairing payload a scanned QR code carries; what parses must encode back.
#include "fuzz_target.hpp"
#include "pairkit/qr/payload.hpp"

PAIRKIT_FUZZ_TARGET(qr_payload) {
  const auto text = pairkit::fuzz::as_text(data);
  (void)pairkit::qr::is_pairkit_payload(text);
  const auto payload = pairkit::qr::parse_payload(text);
  (void)payload.address();
  (void)pairkit::qr::encode_payload(payload);
}
