// The simulation runner: a simulated clock, power per session (card inserted
// at the start of a step, removed at its end), faults injected on the bytes.
#include "pairkit/sim/runner.hpp"

#include <memory>
#include <set>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/sim/apdu.hpp"

namespace pairkit::sim {

bool ScriptReport::passed() const {
  for (const auto& s : steps)
    if (!s.failures.empty()) return false;
  return true;
}

namespace {

constexpr uint32_t kCrlLifetime = 86400;

std::string ins_hex(uint8_t i) { return hex(Bytes{i}); }

/// A command APDU with its data replaced, header and Le kept.
Bytes replace_data(const Bytes& cmd, const Bytes& data) {
  const auto c = parse_command(cmd);
  if (!c) return cmd;
  return build_command(c->cla, c->ins, c->p1, c->p2, data, c->le.value_or(0));
}

Bytes replace_response_data(const Bytes& resp, const Bytes& data) {
  Bytes out = data;
  out.insert(out.end(), resp.end() - 2, resp.end());
  return out;
}

class World {
public:
  World(const Script& s, uint64_t seed, KeyPool& pool)
      : script_(s), profile_(s.profile), backend_(s.profile, pool.key(s.profile, seed, 0)),
        rogue_(s.profile, pool.key(s.profile, seed, 1)) {
    now_ = uint32_t(s.start.time_since_epoch().count());
    for (size_t i = 0; i < s.cards.size(); ++i) {
      const auto& spec = s.cards[i];
      auto card = std::make_unique<PurseCard>(
          s.profile, [&pool, p = s.profile, seed, i] { return pool.key(p, seed, uint32_t(1000 + i)); }, spec.mode);
      card->set_counter(spec.counter);
      cards_[spec.id] = {&spec, std::move(card)};
    }
    for (size_t i = 0; i < s.terminals.size(); ++i) {
      const auto& spec = s.terminals[i];
      // The key and certificate come when the terminal first runs a session:
      // each key depends on the seed and the terminal's index only, and
      // signing is deterministic, so the transcript does not change.
      auto t = std::make_unique<Terminal>(
          spec.id, spec.type, s.profile, [&pool, p = s.profile, seed, i] { return pool.key(p, seed, uint32_t(100 + i)); },
          backend_.public_bytes());
      t->set_counter(spec.counter);
      if (spec.rogue) t->skip_own_expiry_check();
      t->install_cert_when_needed(certifier(spec.forge_cert ? rogue_ : backend_, spec, spec.valid_for));
      terminals_[spec.id] = {&spec, std::move(t)};
    }
    push_crl();
  }

  ScriptReport run() {
    ScriptReport rep;
    rep.file = script_.file;
    rep.profile = script_.profile;
    rep.backend_pub = backend_.public_bytes();
    for (size_t i = 0; i < script_.steps.size(); ++i) {
      StepReport sr;
      sr.index = int(i + 1);
      sr.step = script_.steps[i];
      sr.time = TimePoint(std::chrono::seconds(now_));
      step(sr, rep);
      check(sr);
      rep.steps.push_back(std::move(sr));
    }
    for (auto& [id, t] : terminals_) rep.logs[id] = t.terminal->log();
    return rep;
  }

private:
  struct CardSlot {
    const CardSpec* spec = nullptr;
    std::unique_ptr<PurseCard> card;
  };
  struct TerminalSlot {
    const TerminalSpec* spec = nullptr;
    std::unique_ptr<Terminal> terminal;
  };

  /// Certifies a terminal's key at the current simulated time, whenever it is called.
  Terminal::Certifier certifier(const Backend& issuer, const TerminalSpec& spec, std::chrono::seconds valid_for) const {
    return [&issuer, id = spec.id, type = spec.type, now = now_, valid = uint32_t(valid_for.count())](const Bytes& pub) {
      return issuer.certify(id, type, pub, now, valid);
    };
  }

  void push_crl() {
    const Crl crl = backend_.issue_crl(revoked_, now_ + kCrlLifetime);
    for (auto& [id, t] : terminals_) t.terminal->install_crl(crl);
  }

  void step(StepReport& sr, const ScriptReport& rep) {
    const Step& st = sr.step;
    const std::string label = st.name.empty() ? "" : " [" + st.name + "]";
    if (st.action == "advance") {
      now_ += uint32_t(st.by.count());
      push_crl();
      sr.title = "advance the clock by " + format_duration(st.by) + " to " +
                 format_time(TimePoint(std::chrono::seconds(now_))) + label;
      sr.notes.push_back("back end pushes a fresh CRL to every terminal");
      return;
    }
    if (st.action == "revoke") {
      revoked_.insert(st.card);
      push_crl();
      sr.title = "back end revokes card " + std::to_string(st.card) + label;
      sr.notes.push_back("CRL now lists " + std::to_string(revoked_.size()) + " card(s); pushed to every terminal");
      fill_card(sr);
      return;
    }
    if (st.action == "recertify") {
      auto& slot = terminals_.at(st.terminal);
      const auto valid_for = st.valid_for.value_or(slot.spec->valid_for);
      slot.terminal->install_cert_when_needed(certifier(backend_, *slot.spec, valid_for));
      sr.title = "back end re-certifies terminal " + std::to_string(st.terminal) + " for " +
                 format_duration(valid_for) + label;
      return;
    }
    auto& card = *cards_.at(st.card).card;
    const CardSpec& spec = *cards_.at(st.card).spec;
    Channel ch = channel(sr, rep, card);
    card.power_on();
    if (st.action == "personalize") {
      sr.title = "personalize card " + std::to_string(st.card) + " (init terminal, back end in the loop)" + label;
      if (spec.forge_cert) sr.notes.push_back("S_c forged: signed by an attacker's key, not the back end's");
      const auto r = personalize(ch, backend_, spec.forge_cert ? rogue_.key() : backend_.key(), spec.id,
                                 uint32_t(spec.expires.time_since_epoch().count()));
      sr.outcome = r.outcome;
      sr.reason = r.reason;
    } else {
      auto& term = *terminals_.at(st.terminal).terminal;
      const bool reload = st.action == "reload";
      sr.title = std::string(reload ? "reload " : "pay ") + std::to_string(st.amount) + (reload ? " onto" : " from") +
                 " card " + std::to_string(st.card) + " at " + (term.type() == kUsagePos ? "POS" : "reload") +
                 " terminal " + std::to_string(st.terminal) + label;
      const size_t before = term.log().size();
      const auto r = term.run(reload ? Flow::reload : Flow::pay, st.amount, now_, ch);
      sr.outcome = r.outcome;
      sr.reason = r.reason;
      sr.logged = term.log().size() > before;
    }
    card.power_off();  // the card leaves the reader
    const auto& f = st.faults;
    const auto unused = [&](const std::optional<uint8_t>& ins, const char* name) {
      if (ins && !fired_.count(name))
        sr.notes.push_back(std::string("fault ") + name + " = " + ins_hex(*ins) + " never fired (no such APDU sent)");
    };
    unused(f.tear_before, "tear_before");
    unused(f.tear_after, "tear_after");
    unused(f.drop_response, "drop_response");
    unused(f.mitm_ins, "mitm");
    unused(f.replay_ins, "replay");
    fill_card(sr);
  }

  void fill_card(StepReport& sr) {
    const auto& e = cards_.at(sr.step.card).card->eeprom();
    sr.balance = e.balance;
    sr.counter = e.counter;
    sr.blocked = e.blocked;
  }

  Channel channel(StepReport& sr, const ScriptReport& rep, PurseCard& card) {
    fired_.clear();
    auto torn = std::make_shared<bool>(false);
    return [this, &sr, &rep, &card, torn](const Bytes& sent) -> std::optional<Bytes> {
      if (*torn) return std::nullopt;
      const Faults& f = sr.step.faults;
      Exchange ex;
      ex.command = sent;
      const uint8_t ins = sent.size() > 1 ? sent[1] : 0;
      if (f.replay_ins && ins == *f.replay_ins && !fired_.count("replay")) {
        fired_.insert("replay");
        const auto& old = rep.steps.at(size_t(*f.replay_step - 1)).apdus;
        bool found = false;
        for (const auto& o : old)
          if (o.delivered && o.command.size() > 1 && o.command[1] == ins) {
            ex.command = o.command;
            found = true;
            break;
          }
        ex.faults.push_back(found ? "attacker replays the " + ins_hex(ins) + " APDU recorded in step " +
                                        std::to_string(*f.replay_step) + " instead of the terminal's"
                                  : "replay: step " + std::to_string(*f.replay_step) + " sent no " + ins_hex(ins) +
                                        " APDU; the terminal's goes through");
      }
      if (f.mitm_ins && ins == *f.mitm_ins && !f.mitm_response && !fired_.count("mitm")) {
        fired_.insert("mitm");
        ex.faults.push_back("man in the middle replaces the data: terminal sent " + hex(sent));
        ex.command = f.mitm_raw ? f.mitm_data : replace_data(ex.command, f.mitm_data);
      }
      if (f.tear_before && ins == *f.tear_before && !fired_.count("tear_before")) {
        fired_.insert("tear_before");
        card.power_off();
        *torn = true;
        ex.delivered = false;
        ex.faults.push_back("card torn away before it received this APDU");
        sr.apdus.push_back(std::move(ex));
        return std::nullopt;
      }
      Bytes resp = card.transmit(ex.command);
      sr.last_sw = status_of(resp);
      if (f.tear_after && ins == *f.tear_after && !fired_.count("tear_after")) {
        fired_.insert("tear_after");
        card.power_off();
        *torn = true;
        ex.lost = resp;
        ex.faults.push_back("card torn away after processing this APDU: response lost");
        sr.apdus.push_back(std::move(ex));
        return std::nullopt;
      }
      if (f.drop_response && ins == *f.drop_response && !fired_.count("drop_response")) {
        fired_.insert("drop_response");
        *torn = true;  // the terminal times out and abandons the session
        ex.lost = resp;
        ex.dropped = true;
        ex.faults.push_back("response dropped in transit; the terminal times out");
        sr.apdus.push_back(std::move(ex));
        return std::nullopt;
      }
      if (f.mitm_ins && ins == *f.mitm_ins && f.mitm_response && !fired_.count("mitm") && resp.size() >= 2) {
        fired_.insert("mitm");
        ex.faults.push_back("man in the middle replaces the response data: card answered " + hex(resp));
        resp = replace_response_data(resp, f.mitm_data);
      }
      ex.response = resp;
      sr.apdus.push_back(std::move(ex));
      return resp;
    };
  }

  static void check(StepReport& sr) {
    const Expect& x = sr.step.expect;
    auto& fl = sr.failures;
    if (x.sw && sr.last_sw != x.sw)
      fl.push_back("sw: expected " + sw_hex(*x.sw) + ", got " + (sr.last_sw ? sw_hex(*sr.last_sw) : "none"));
    if (x.outcome && *x.outcome != sr.outcome)
      fl.push_back("outcome: expected " + outcome_name(*x.outcome) + ", got " + outcome_name(sr.outcome) +
                   (sr.reason.empty() ? "" : " (" + sr.reason + ")"));
    if (x.balance && sr.balance != x.balance)
      fl.push_back("balance: expected " + std::to_string(*x.balance) + ", got " +
                   (sr.balance ? std::to_string(*sr.balance) : "none"));
    if (x.counter && sr.counter != x.counter)
      fl.push_back("counter: expected " + std::to_string(*x.counter) + ", got " +
                   (sr.counter ? std::to_string(*sr.counter) : "none"));
    if (x.blocked && sr.blocked != x.blocked)
      fl.push_back(std::string("blocked: expected ") + (*x.blocked ? "true" : "false") + ", got " +
                   (sr.blocked.value_or(false) ? "true" : "false"));
    if (x.logged && sr.logged != *x.logged)
      fl.push_back(std::string("logged: expected ") + (*x.logged ? "true" : "false") + ", got " +
                   (sr.logged ? "true" : "false"));
  }

  const Script& script_;
  Profile profile_;
  Backend backend_;
  Backend rogue_;
  uint32_t now_ = 0;
  std::set<uint32_t> revoked_;
  std::map<uint32_t, CardSlot> cards_;
  std::map<uint32_t, TerminalSlot> terminals_;
  std::set<std::string> fired_;
};

}  // namespace

ScriptReport run_script(const Script& script, uint64_t seed, KeyPool& pool) {
  World world(script, seed, pool);
  auto rep = world.run();
  rep.seed = seed;
  return rep;
}

}  // namespace pairkit::sim
