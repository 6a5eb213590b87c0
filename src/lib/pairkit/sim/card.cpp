// The purse card's command processing. Every check the reference skipped is
// here: type guards on credit and debit, positive amounts, no overflow,
// Lc checked, signatures verified before any state changes.
#include "pairkit/sim/card.hpp"

#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"

namespace pairkit::sim {

namespace {
Bytes status(uint16_t s, Bytes data = {}) {
  data.push_back(uint8_t(s >> 8));
  data.push_back(uint8_t(s));
  return data;
}
}  // namespace

PurseCard::PurseCard(ProfileKind profile, KeySource key_source, CardMode mode)
    : profile_(profile), key_source_(std::move(key_source)), mode_(mode) {}

std::vector<uint8_t> PurseCard::atr() const {
  // T=0 and T=1 offered, no historical bytes; TCK present because T=1 is.
  return {0x3B, 0x80, 0x80, 0x01, 0x01};
}

void PurseCard::power_on() {
  ram_ = Ram{};
  powered_ = true;
}

void PurseCard::power_off() {
  ram_ = Ram{};
  powered_ = false;
}

Bytes PurseCard::fail(uint16_t s) { return status(s); }

bool PurseCard::check(std::span<const uint8_t> pub, std::span<const uint8_t> msg,
                      std::span<const uint8_t> sig) const {
  return profile_.verify(pub, msg, sig);
}

bool PurseCard::bump_counter() {
  if (eeprom_.counter == 0xFFFFFFFF) {
    eeprom_.blocked = true;
    return false;
  }
  ++eeprom_.counter;
  return true;
}

uint16_t PurseCard::verify_terminal(const Command& c, SignedMessage what) {
  const Bytes sig = join_split(c);
  if (sig.size() != profile_.signature_size()) return sw::wrong_length;
  if (eeprom_.counter == 0xFFFFFFFF) {  // exhausted: the card blocks itself
    eeprom_.blocked = true;
    return sw::conditions_not_satisfied;
  }
  const uint32_t next = eeprom_.counter + 1;
  const Bytes msg = what == AmountMessage ? cat({u32(next), u32(ram_.amount), u32(eeprom_.id)})  // S3, S5
                                          : cat({u32(eeprom_.id), u32(next)});                      // Sb
  if (!check(ram_.term_pub, msg, sig)) {
    ram_.state = CardState::finished;  // a forged command ends the session
    return sw::signature_failed;
  }
  return sw::ok;
}

std::vector<uint8_t> PurseCard::transmit(std::span<const uint8_t> apdu) {
  if (!powered_) power_on();  // a reader always powers the card before talking to it
  const auto c = parse_command(apdu);
  if (!c) return status(sw::wrong_length);  // defect 5: Lc must match the data received
  if (c->cla != 0x00) return status(sw::cla_not_supported);
  return process(*c);
}

Bytes PurseCard::process(const Command& c) {
  if (c.ins == ins::select) {
    if (c.p1 != 0x04 || c.p2 != 0x00) return status(sw::wrong_p1p2);
    if (c.data != purse_aid()) return status(sw::file_not_found);
    // A new SELECT abandons a session in progress, but FINISHED is left only
    // by a power loss or reset: one transaction per card insertion.
    if (ram_.state != CardState::finished) ram_ = Ram{};
    ram_.selected = true;
    return status(sw::ok);
  }
  if (!ram_.selected) return status(sw::conditions_not_satisfied);
  if (eeprom_.blocked) return status(sw::blocked);
  switch (c.ins) {
    case ins::personalize_keys:
    case ins::personalize_id:
    case ins::personalize_sig:
      if (eeprom_.initialized) return status(sw::ins_not_supported);
      return personalize(c);
    default: break;
  }
  if (!eeprom_.initialized) {
    switch (c.ins) {
      case ins::exchange_meta: case ins::exchange_keys: case ins::exchange_sigs: case ins::active_auth:
      case ins::send_amount: case ins::reload_auth: case ins::reload_credit: case ins::pay_debit:
      case ins::block:
        return status(sw::conditions_not_satisfied);
      default: return status(sw::ins_not_supported);
    }
  }
  const size_t sig_size = profile_.signature_size();
  auto need = [&](CardState s) { return ram_.state == s; };
  auto session_msg = [&](uint32_t counter) {
    return cat({u32(ram_.term_id), u32(counter), u32(ram_.amount), u32(eeprom_.id), u32(ram_.timestamp)});
  };
  switch (c.ins) {
    case ins::exchange_meta:
      if (!need(CardState::init)) return status(sw::conditions_not_satisfied);
      return meta(c);
    case ins::exchange_keys: {
      if (!need(CardState::meta_exchanged)) return status(sw::conditions_not_satisfied);
      const Bytes key = join_split(c);
      if (key.size() != profile_.public_size()) return status(sw::wrong_length);
      ram_.term_pub = key;
      ram_.state = CardState::keys_exchanged;
      return status(sw::ok, eeprom_.key->public_bytes());
    }
    case ins::exchange_sigs: {
      if (!need(CardState::keys_exchanged)) return status(sw::conditions_not_satisfied);
      const Bytes sig = join_split(c);
      if (sig.size() != sig_size) return status(sw::wrong_length);
      if (c.p2 != kUsagePos && c.p2 != kUsageReload) return status(sw::wrong_p1p2);
      const Bytes msg = cat({u32(ram_.term_id), u32(ram_.term_expiry), ram_.term_pub, Bytes{c.p2}});
      if (!check(eeprom_.backend_pub, msg, sig)) {
        ram_.state = CardState::finished;  // a failed authentication ends the session
        return status(sw::signature_failed);
      }
      ram_.term_type = c.p2;
      ram_.state = CardState::passively_authenticated;
      return status(sw::ok, eeprom_.cert_sig);
    }
    case ins::active_auth: {
      if (!need(CardState::passively_authenticated)) return status(sw::conditions_not_satisfied);
      const Bytes sig = join_split(c);
      if (sig.size() != sig_size) return status(sw::wrong_length);
      const Bytes msg = cat({u32(eeprom_.id), u32(eeprom_.expiry), u32(eeprom_.counter)});
      if (!check(ram_.term_pub, msg, sig)) {
        ram_.state = CardState::finished;
        return status(sw::signature_failed);
      }
      ram_.state = CardState::actively_authenticated;
      return status(sw::ok, eeprom_.key->sign(cat({u32(ram_.term_id), u32(ram_.term_expiry), u32(ram_.term_counter)})));
    }
    case ins::send_amount: {
      if (!need(CardState::actively_authenticated)) return status(sw::conditions_not_satisfied);
      if (c.data.size() != 4 || c.p1 || c.p2) return status(sw::wrong_length);
      const uint32_t amount = get_u32(c.data, 0);
      if (amount == 0 || amount > kMaxBalance) return status(sw::conditions_not_satisfied);  // defect 3
      ram_.amount = amount;
      ram_.state = CardState::amount_received;
      return status(sw::ok);
    }
    case ins::reload_auth: {
      // Defect 1 of the reference: `state != AMOUNT_RECEIVED && type == RELOAD`.
      const bool allowed = mode_ == CardMode::reference
                               ? !(ram_.state != CardState::amount_received && ram_.term_type == kUsageReload)
                               : need(CardState::amount_received) && ram_.term_type == kUsageReload;
      if (!allowed) return status(sw::conditions_not_satisfied);
      if (const uint16_t r = verify_terminal(c, AmountMessage); r != sw::ok) return status(r);
      if (uint64_t(eeprom_.balance) + ram_.amount > kMaxBalance)
        return status(sw::conditions_not_satisfied);  // defect 3: no overflow
      bump_counter();
      ram_.state = CardState::reload_authenticated;
      return status(sw::ok, eeprom_.key->sign(session_msg(eeprom_.counter)));
    }
    case ins::reload_credit: {
      const bool allowed = mode_ == CardMode::reference
                               ? true
                               : need(CardState::reload_authenticated) && ram_.term_type == kUsageReload;
      if (!allowed) return status(sw::conditions_not_satisfied);
      if (const uint16_t r = verify_terminal(c, AmountMessage); r != sw::ok) return status(r);
      if (uint64_t(eeprom_.balance) + ram_.amount > kMaxBalance) return status(sw::conditions_not_satisfied);
      // Counter and balance are one EEPROM transaction: both or neither.
      bump_counter();
      eeprom_.balance += ram_.amount;
      ram_.state = CardState::finished;
      return status(sw::ok);
    }
    case ins::pay_debit: {
      const bool allowed = mode_ == CardMode::reference
                               ? !(ram_.state != CardState::amount_received && ram_.term_type == kUsagePos)
                               : need(CardState::amount_received) && ram_.term_type == kUsagePos;
      if (!allowed) return status(sw::conditions_not_satisfied);
      if (const uint16_t r = verify_terminal(c, AmountMessage); r != sw::ok) return status(r);
      if (ram_.amount > eeprom_.balance) {
        ram_.state = CardState::finished;
        return status(sw::conditions_not_satisfied);
      }
      bump_counter();
      eeprom_.balance -= ram_.amount;
      ram_.state = CardState::finished;
      return status(sw::ok, eeprom_.key->sign(session_msg(eeprom_.counter)));
    }
    case ins::block: {
      if (!need(CardState::actively_authenticated)) return status(sw::conditions_not_satisfied);
      if (const uint16_t r = verify_terminal(c, BlockMessage); r != sw::ok) return status(r);
      bump_counter();
      eeprom_.blocked = true;
      ram_.state = CardState::finished;
      return status(sw::ok, eeprom_.key->sign(cat({u32(ram_.term_id), u32(ram_.term_counter), u32(ram_.term_expiry)})));
    }
    default: return status(sw::ins_not_supported);
  }
}

Bytes PurseCard::meta(const Command& c) {
  if (c.data.size() != 16 || c.p1 || c.p2) return status(sw::wrong_length);
  if (!bump_counter()) return status(sw::conditions_not_satisfied);  // exhausted: blocked itself
  ram_.term_id = get_u32(c.data, 0);
  ram_.term_expiry = get_u32(c.data, 4);
  ram_.term_counter = get_u32(c.data, 8);
  ram_.timestamp = get_u32(c.data, 12);
  if (eeprom_.expiry < ram_.timestamp) {
    eeprom_.blocked = true;  // an expired card blocks itself
    return status(sw::conditions_not_satisfied);
  }
  if (ram_.term_expiry < ram_.timestamp) return status(sw::conditions_not_satisfied);
  ram_.state = CardState::meta_exchanged;
  return status(sw::ok, cat({u32(eeprom_.id), u32(eeprom_.expiry), u32(eeprom_.counter)}));
}

Bytes PurseCard::personalize(const Command& c) {
  switch (c.ins) {
    case ins::personalize_keys: {
      const Bytes kb = join_split(c);
      if (kb.size() != profile_.public_size()) return status(sw::wrong_length);
      eeprom_.backend_pub = kb;
      eeprom_.key = key_source_();
      return status(sw::ok, eeprom_.key->public_bytes());
    }
    case ins::personalize_id:
      if (c.data.size() != 8 || c.p1 || c.p2) return status(sw::wrong_length);
      if (!eeprom_.key) return status(sw::conditions_not_satisfied);
      eeprom_.id = get_u32(c.data, 0);
      eeprom_.expiry = get_u32(c.data, 4);
      eeprom_.id_set = true;
      return status(sw::ok);
    default: {
      const Bytes sig = join_split(c);
      if (sig.size() != profile_.signature_size()) return status(sw::wrong_length);
      if (!eeprom_.key || !eeprom_.id_set) return status(sw::conditions_not_satisfied);
      eeprom_.cert_sig = sig;
      eeprom_.initialized = true;
      return status(sw::ok);
    }
  }
}

}  // namespace pairkit::sim
