// Short APDU encoding and the purse protocol's names for codes.
#include "pairkit/sim/apdu.hpp"

#include <algorithm>
#include <cstdio>

namespace pairkit::sim {

const Bytes& purse_aid() {
  static const Bytes aid{0x2D, 0x54, 0x45, 0x53, 0x54, 0x70};
  return aid;
}

std::optional<Command> parse_command(std::span<const uint8_t> apdu) {
  if (apdu.size() < 4) return std::nullopt;
  Command c{apdu[0], apdu[1], apdu[2], apdu[3], {}, std::nullopt};
  if (apdu.size() == 4) return c;                                   // case 1
  if (apdu.size() == 5) {                                           // case 2
    c.le = apdu[4] == 0 ? 256 : apdu[4];
    return c;
  }
  const size_t lc = apdu[4];
  if (lc == 0) return std::nullopt;  // extended length: not a short APDU
  if (apdu.size() == 5 + lc) {                                      // case 3
    c.data.assign(apdu.begin() + 5, apdu.end());
    return c;
  }
  if (apdu.size() == 6 + lc) {                                      // case 4
    c.data.assign(apdu.begin() + 5, apdu.end() - 1);
    c.le = apdu.back() == 0 ? 256 : apdu.back();
    return c;
  }
  return std::nullopt;
}

Bytes build_command(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, std::span<const uint8_t> data, uint32_t le) {
  Bytes out{cla, ins, p1, p2};
  if (!data.empty()) {
    out.push_back(uint8_t(data.size()));
    out.insert(out.end(), data.begin(), data.end());
  }
  if (le) out.push_back(uint8_t(le == 256 ? 0 : le));
  return out;
}

Bytes build_split(uint8_t ins, uint8_t p2, std::span<const uint8_t> value, uint32_t le) {
  return build_command(0x00, ins, value.empty() ? 0 : value[0], p2, value.empty() ? value : value.subspan(1), le);
}

Bytes join_split(const Command& c) {
  Bytes v(1 + c.data.size());
  v[0] = c.p1;
  std::copy(c.data.begin(), c.data.end(), v.begin() + 1);
  return v;
}

uint16_t status_of(std::span<const uint8_t> r) {
  return r.size() < 2 ? 0 : uint16_t(r[r.size() - 2] << 8 | r[r.size() - 1]);
}

Bytes data_of(std::span<const uint8_t> r) { return r.size() < 2 ? Bytes{} : Bytes(r.begin(), r.end() - 2); }

std::string sw_hex(uint16_t s) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04X", unsigned(s));
  return buf;
}

std::string sw_meaning(uint16_t s) {
  switch (s) {
    case sw::ok: return "ok";
    case sw::wrong_length: return "wrong length";
    case sw::signature_failed: return "signature did not verify";
    case sw::conditions_not_satisfied: return "conditions not satisfied";
    case sw::blocked: return "card blocked";
    case sw::wrong_p1p2: return "wrong P1/P2";
    case sw::file_not_found: return "applet not found";
    case sw::ins_not_supported: return "instruction not supported";
    case sw::cla_not_supported: return "class not supported";
    default: return "status " + sw_hex(s);
  }
}

std::string ins_name(uint8_t i) {
  switch (i) {
    case ins::select: return "SELECT purse applet";
    case ins::personalize_keys: return "personalize: back-end key, generate card key";
    case ins::personalize_id: return "personalize: card ID and expiry";
    case ins::personalize_sig: return "personalize: back-end signature S_c";
    case ins::exchange_meta: return "exchange metadata";
    case ins::exchange_keys: return "exchange public keys";
    case ins::exchange_sigs: return "exchange back-end signatures";
    case ins::active_auth: return "active authentication S1/S2";
    case ins::send_amount: return "send amount";
    case ins::reload_auth: return "reload: authenticated amount S3/S4";
    case ins::reload_credit: return "reload: terminal logged S5, credit";
    case ins::pay_debit: return "payment: authenticated amount S3/S4, debit";
    case ins::block: return "block card Sb/Sb'";
    default: {
      char buf[16];
      std::snprintf(buf, sizeof buf, "INS %02X", unsigned(i));
      return buf;
    }
  }
}

}  // namespace pairkit::sim
