// Terminal flows. Each step checks the status word and every signature the
// card returns before going on (defects 2 and 4 of the reference).
#include "pairkit/sim/terminal.hpp"

#include "pairkit/core/error.hpp"
#include "pairkit/sim/apdu.hpp"
#include "pairkit/sim/card.hpp"

namespace pairkit::sim {

std::string outcome_name(Outcome o) {
  switch (o) {
    case Outcome::ok: return "ok";
    case Outcome::refused: return "refused";
    default: return "torn";
  }
}

namespace {

/// Sends a command; fills `result` and returns nullopt unless the card answered 9000.
std::optional<Bytes> send(const Channel& ch, const Bytes& cmd, SessionResult& result) {
  const auto resp = ch(cmd);
  if (!resp) {
    result = {Outcome::torn, "no response to " + ins_name(cmd[1]) + " (card torn or response lost)", false, false};
    return std::nullopt;
  }
  const uint16_t s = status_of(*resp);
  if (s != sw::ok) {
    result = {Outcome::refused, "card answered " + sw_hex(s) + " (" + sw_meaning(s) + ") to " + ins_name(cmd[1]),
              false, false};
    return std::nullopt;
  }
  return data_of(*resp);
}

SessionResult refuse(std::string why) { return {Outcome::refused, std::move(why), false, false}; }

std::string hexs(const Bytes& b) { return hex(b, false); }

Bytes bytes_field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_string()) throw InputError(where + ": missing string field '" + key + "'");
  return parse_hex(j[key].get<std::string>(), where + ": field '" + key + "'");
}

uint32_t u32_field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_number_unsigned() || j[key].get<uint64_t>() > 0xFFFFFFFFull)
    throw InputError(where + ": missing or bad number field '" + key + "'");
  return j[key].get<uint32_t>();
}

}  // namespace

nlohmann::json to_json(const LogRecord& r) {
  return {{"kind", r.kind},
          {"profile", r.profile},
          {"timestamp", r.timestamp},
          {"terminal_id", r.terminal_id},
          {"terminal_type", r.terminal_type == kUsagePos ? "pos" : "reload"},
          {"terminal_counter", r.terminal_counter},
          {"terminal_expiry", r.terminal_expiry},
          {"card_id", r.card_id},
          {"card_expiry", r.card_expiry},
          {"card_counter", r.card_counter},
          {"amount", r.amount},
          {"card_pub", hexs(r.card_pub)},
          {"card_cert_sig", hexs(r.card_cert_sig)},
          {"card_sig", hexs(r.card_sig)}};
}

LogRecord log_record_from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw InputError(where + ": not a JSON object");
  LogRecord r;
  if (!j.contains("kind") || !j["kind"].is_string()) throw InputError(where + ": missing string field 'kind'");
  r.kind = j["kind"].get<std::string>();
  if (r.kind != "reload" && r.kind != "payment" && r.kind != "block")
    throw InputError(where + ": unknown record kind '" + r.kind + "'");
  if (!j.contains("profile") || !j["profile"].is_string()) throw InputError(where + ": missing string field 'profile'");
  r.profile = j["profile"].get<std::string>();
  const std::string type = j.value("terminal_type", "");
  if (type != "pos" && type != "reload") throw InputError(where + ": terminal_type must be pos or reload");
  r.terminal_type = type == "pos" ? kUsagePos : kUsageReload;
  r.timestamp = u32_field(j, "timestamp", where);
  r.terminal_id = u32_field(j, "terminal_id", where);
  r.terminal_counter = u32_field(j, "terminal_counter", where);
  r.terminal_expiry = u32_field(j, "terminal_expiry", where);
  r.card_id = u32_field(j, "card_id", where);
  r.card_expiry = u32_field(j, "card_expiry", where);
  r.card_counter = u32_field(j, "card_counter", where);
  r.amount = u32_field(j, "amount", where);
  r.card_pub = bytes_field(j, "card_pub", where);
  r.card_cert_sig = bytes_field(j, "card_cert_sig", where);
  r.card_sig = bytes_field(j, "card_sig", where);
  return r;
}

std::string verify_record(const LogRecord& r, const Profile& profile, std::span<const uint8_t> backend_pub) {
  if (r.profile != profile.name())
    return "record is for the " + r.profile + " profile, the back-end key is " + profile.name();
  if (!profile.verify(backend_pub, card_cert_message(r.card_id, r.card_expiry, r.card_pub), r.card_cert_sig))
    return "back-end signature S_c on card " + std::to_string(r.card_id) + "'s certificate does not verify";
  Bytes msg;
  if (r.kind == "block")
    msg = cat({u32(r.terminal_id), u32(r.terminal_counter), u32(r.terminal_expiry)});
  else
    msg = cat({u32(r.terminal_id), u32(r.card_counter), u32(r.amount), u32(r.card_id), u32(r.timestamp)});
  if (!profile.verify(r.card_pub, msg, r.card_sig))
    return std::string("card signature ") + (r.kind == "block" ? "Sb'" : "S4") + " on the " + r.kind +
           " of amount " + std::to_string(r.amount) + " at counter " + std::to_string(r.card_counter) +
           " does not verify";
  return "";
}

SessionResult personalize(const Channel& ch, const Backend& backend, const KeyPair& signer, uint32_t card_id,
                          uint32_t card_expiry) {
  SessionResult result;
  const size_t pub_size = backend.profile().public_size();
  if (!send(ch, build_command(0x00, ins::select, 0x04, 0x00, purse_aid()), result)) return result;
  const auto card_pub = send(ch, build_split(ins::personalize_keys, 0x00, backend.public_bytes(), uint32_t(pub_size)), result);
  if (!card_pub) return result;
  if (card_pub->size() != pub_size) return refuse("card returned a " + std::to_string(card_pub->size()) + "-byte key");
  if (!send(ch, build_command(0x00, ins::personalize_id, 0, 0, cat({u32(card_id), u32(card_expiry)})), result))
    return result;
  const Bytes sc = signer.sign(card_cert_message(card_id, card_expiry, *card_pub));
  if (!send(ch, build_split(ins::personalize_sig, 0x00, sc, 0), result)) return result;
  return result;
}

Terminal::Terminal(uint32_t id, uint8_t type, std::shared_ptr<const KeyPair> key, Bytes backend_pub)
    : id_(id), type_(type), key_(std::move(key)), backend_pub_(std::move(backend_pub)), profile_(key_->profile()) {}

Terminal::Terminal(uint32_t id, uint8_t type, ProfileKind profile, KeySource key, Bytes backend_pub)
    : id_(id), type_(type), key_source_(std::move(key)), backend_pub_(std::move(backend_pub)), profile_(profile) {}

const KeyPair& Terminal::key() const {
  if (!key_) key_ = key_source_();
  return *key_;
}

SessionResult Terminal::run(Flow flow, uint32_t amount, uint32_t now, const Channel& ch) {
  if (!cert_ && certifier_) {
    cert_ = certifier_(key().public_bytes());
    certifier_ = nullptr;
  }
  if (!cert_) return refuse("terminal " + std::to_string(id_) + " has no certificate");
  if (check_expiry_ && cert_->expiry < now) return refuse("terminal " + std::to_string(id_) + "'s certificate expired; re-certify it");
  if (counter_ == 0xFFFFFFFF) return refuse("terminal " + std::to_string(id_) + "'s counter is exhausted");
  ++counter_;  // persisted with the terminal, never restarts (defect 6)
  const size_t pub_size = profile_.public_size();
  const size_t sig_size = profile_.signature_size();
  SessionResult result;

  if (!send(ch, build_command(0x00, ins::select, 0x04, 0x00, purse_aid()), result)) return result;
  const auto meta = send(ch, build_command(0x00, ins::exchange_meta, 0, 0,
                                           cat({u32(id_), u32(cert_->expiry), u32(counter_), u32(now)}), 12),
                         result);
  if (!meta) return result;
  if (meta->size() != 12) return refuse("card metadata has " + std::to_string(meta->size()) + " bytes, expected 12");
  const uint32_t card_id = get_u32(*meta, 0), card_expiry = get_u32(*meta, 4), card_counter = get_u32(*meta, 8);
  if (card_expiry < now) return refuse("card " + std::to_string(card_id) + " expired");

  const auto card_pub = send(ch, build_split(ins::exchange_keys, 0x00, key().public_bytes(), uint32_t(pub_size)), result);
  if (!card_pub) return result;
  const auto sc = send(ch, build_split(ins::exchange_sigs, cert_->type, cert_->sig, uint32_t(sig_size)), result);
  if (!sc) return result;
  if (!profile_.verify(backend_pub_, card_cert_message(card_id, card_expiry, *card_pub), *sc))
    return refuse("back-end signature S_c on card " + std::to_string(card_id) + " does not verify");

  const Bytes s1 = key().sign(cat({u32(card_id), u32(card_expiry), u32(card_counter)}));
  const auto s2 = send(ch, build_split(ins::active_auth, 0x00, s1, uint32_t(sig_size)), result);
  if (!s2) return result;
  if (!profile_.verify(*card_pub, cat({u32(id_), u32(cert_->expiry), u32(counter_)}), *s2))
    return refuse("card signature S2 does not verify");

  LogRecord rec{"", profile_.name(), now, id_, cert_->type, counter_, cert_->expiry, card_id, card_expiry, 0, 0,
                *card_pub, *sc, {}};
  if (!crl_ || crl_->expiry < now || !profile_.verify(backend_pub_, crl_->to_be_signed(), crl_->sig))
    return refuse("terminal " + std::to_string(id_) + " has no valid CRL");
  if (crl_->revoked.count(card_id)) {
    const Bytes sb = key().sign(cat({u32(card_id), u32(card_counter + 1)}));
    const auto sbp = send(ch, build_split(ins::block, 0x00, sb, uint32_t(sig_size)), result);
    if (!sbp) return result;
    if (!profile_.verify(*card_pub, cat({u32(id_), u32(counter_), u32(cert_->expiry)}), *sbp))
      return refuse("card " + std::to_string(card_id) + " is revoked; its block confirmation Sb' does not verify");
    rec.kind = "block";
    rec.card_counter = card_counter + 1;
    rec.card_sig = *sbp;
    log_.push_back(rec);
    return {Outcome::refused, "card " + std::to_string(card_id) + " is revoked: blocked it and logged the confirmation",
            true, true};
  }

  if (!send(ch, build_command(0x00, ins::send_amount, 0, 0, u32(amount)), result)) return result;
  const uint32_t c1 = card_counter + 1;
  const Bytes s3 = key().sign(cat({u32(c1), u32(amount), u32(card_id)}));
  const uint8_t auth_ins = flow == Flow::reload ? ins::reload_auth : ins::pay_debit;
  const auto s4 = send(ch, build_split(auth_ins, 0x00, s3, uint32_t(sig_size)), result);
  if (!s4) return result;
  if (!profile_.verify(*card_pub, cat({u32(id_), u32(c1), u32(amount), u32(card_id), u32(now)}), *s4))
    return refuse("card signature S4 does not verify");
  rec.kind = flow == Flow::reload ? "reload" : "payment";
  rec.card_counter = c1;
  rec.amount = amount;
  rec.card_sig = *s4;
  log_.push_back(rec);
  result.logged = true;
  if (flow == Flow::pay) return result;

  const Bytes s5 = key().sign(cat({u32(c1 + 1), u32(amount), u32(card_id)}));
  if (!send(ch, build_split(ins::reload_credit, 0x00, s5, 0), result)) {
    result.logged = true;
    return result;
  }
  return result;
}

}  // namespace pairkit::sim
