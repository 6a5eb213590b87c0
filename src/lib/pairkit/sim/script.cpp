// The TOML script reader: every value checked, every unknown key refused,
// each error with the file and line it comes from.
#include "pairkit/sim/script.hpp"

#include <set>

#include <toml++/toml.h>

#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/toml_file.hpp"

namespace pairkit::sim {

namespace {

class Reader {
public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const toml::node& at, const std::string& why) const {
    throw InputError(file_ + ":" + std::to_string(at.source().begin.line) + ": " + why);
  }
  int line(const toml::node& n) const { return int(n.source().begin.line); }

  void only(const toml::table& t, const std::string& where, std::initializer_list<const char*> keys) const {
    const std::set<std::string_view> allowed(keys.begin(), keys.end());
    for (const auto& [k, v] : t)
      if (!allowed.count(k.str())) {
        std::string list;
        for (auto a : keys) list += std::string(list.empty() ? "" : ", ") + a;
        fail(v, "unknown key '" + std::string(k.str()) + "' in " + where + " (known: " + list + ")");
      }
  }

  std::optional<int64_t> integer(const toml::table& t, const char* key, int64_t lo, int64_t hi) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    const auto v = n->value_exact<int64_t>();
    if (!v) fail(*n, std::string("'") + key + "' must be an integer");
    if (*v < lo || *v > hi)
      fail(*n, std::string("'") + key + "' = " + std::to_string(*v) + " is out of range " + std::to_string(lo) +
                   ".." + std::to_string(hi));
    return v;
  }

  std::optional<std::string> string(const toml::table& t, const char* key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    const auto v = n->value_exact<std::string>();
    if (!v) fail(*n, std::string("'") + key + "' must be a string");
    return v;
  }

  std::optional<bool> boolean(const toml::table& t, const char* key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    const auto v = n->value_exact<bool>();
    if (!v) fail(*n, std::string("'") + key + "' must be true or false");
    return v;
  }

  /// Wraps a value parser's UsageError with the file and line.
  template <class F>
  auto convert(const toml::table& t, const char* key, F f) const -> std::optional<decltype(f(std::string()))> {
    const auto s = string(t, key);
    if (!s) return std::nullopt;
    try {
      return f(*s);
    } catch (const Error& e) {
      fail(*t.get(key), std::string("'") + key + "': " + e.what());
    }
  }

  std::optional<uint8_t> ins(const toml::table& t, const char* key) const {
    return convert(t, key, [&](const std::string& s) {
      const Bytes b = parse_hex(s, "an INS");
      if (b.size() != 1) throw UsageError("an INS is two hex digits, got '" + s + "'");
      return b[0];
    });
  }

  const std::string& file() const { return file_; }

private:
  std::string file_;
};

const toml::array* array_of_tables(const Reader& r, const toml::table& root, const char* key) {
  const toml::node* n = root.get(key);
  if (!n) return nullptr;
  const auto* a = n->as_array();
  if (!a || !a->is_array_of_tables()) r.fail(*n, std::string("'") + key + "' must be written [[" + key + "]]");
  return a;
}

}  // namespace

Script parse_script(std::string_view text, const std::string& file, size_t max_steps) {
  const toml::table root = parse_toml(text, file);
  const Reader r(file);
  Script s;
  s.file = file;
  r.only(root, "the script", {"sim", "card", "terminal", "step"});

  const FixedClock epoch{TimePoint{}};
  const auto time_of = [&](const std::string& v) { return parse_time(v, epoch); };
  if (const toml::node* n = root.get("sim")) {
    const auto* t = n->as_table();
    if (!t) r.fail(*n, "'sim' must be a table [sim]");
    r.only(*t, "[sim]", {"profile", "seed", "start"});
    if (auto p = r.convert(*t, "profile", [](const std::string& v) { return parse_profile(v); })) s.profile = *p;
    if (auto seed = r.integer(*t, "seed", 1, INT64_MAX)) s.seed = uint64_t(*seed);
    if (auto start = r.convert(*t, "start", time_of)) s.start = *start;
  }
  if (s.start == TimePoint{}) s.start = parse_time("2026-01-05T09:00:00Z", epoch);

  std::set<uint32_t> card_ids, terminal_ids;
  if (const auto* cards = array_of_tables(r, root, "card")) {
    for (const auto& node : *cards) {
      const auto& t = *node.as_table();
      r.only(t, "[[card]]", {"id", "expires", "counter", "mode", "forge_cert"});
      CardSpec c;
      c.line = r.line(node);
      const auto id = r.integer(t, "id", 0, 0xFFFFFFFF);
      if (!id) r.fail(node, "[[card]] needs an 'id'");
      c.id = uint32_t(*id);
      if (!card_ids.insert(c.id).second) r.fail(node, "card " + std::to_string(c.id) + " is declared twice");
      c.expires = r.convert(t, "expires", time_of).value_or(s.start + std::chrono::days(730));
      c.counter = uint32_t(r.integer(t, "counter", 0, 0xFFFFFFFF).value_or(0));
      if (auto m = r.convert(t, "mode", [](const std::string& v) {
            if (v == "faithful") return CardMode::faithful;
            if (v == "reference") return CardMode::reference;
            throw UsageError("'" + v + "' is not a card mode (faithful or reference)");
          }))
        c.mode = *m;
      c.forge_cert = r.boolean(t, "forge_cert").value_or(false);
      s.cards.push_back(c);
    }
  }
  if (const auto* terms = array_of_tables(r, root, "terminal")) {
    for (const auto& node : *terms) {
      const auto& t = *node.as_table();
      r.only(t, "[[terminal]]", {"id", "type", "valid_for", "counter", "forge_cert", "rogue"});
      TerminalSpec ts;
      ts.line = r.line(node);
      const auto id = r.integer(t, "id", 0, 0xFFFFFFFF);
      if (!id) r.fail(node, "[[terminal]] needs an 'id'");
      ts.id = uint32_t(*id);
      if (!terminal_ids.insert(ts.id).second) r.fail(node, "terminal " + std::to_string(ts.id) + " is declared twice");
      const auto type = r.string(t, "type");
      if (!type || (*type != "pos" && *type != "reload")) r.fail(node, "[[terminal]] needs type = \"pos\" or \"reload\"");
      ts.type = *type == "pos" ? kUsagePos : kUsageReload;
      if (auto v = r.convert(t, "valid_for", [](const std::string& d) { return parse_duration(d); })) {
        if (*v > std::chrono::days(7)) r.fail(*t.get("valid_for"), "'valid_for': a terminal certificate lives at most 7d");
        ts.valid_for = *v;
      }
      ts.counter = uint32_t(r.integer(t, "counter", 0, 0xFFFFFFFF).value_or(0));
      ts.forge_cert = r.boolean(t, "forge_cert").value_or(false);
      ts.rogue = r.boolean(t, "rogue").value_or(false);
      s.terminals.push_back(ts);
    }
  }
  const auto* steps = array_of_tables(r, root, "step");
  if (!steps) throw InputError(file + ":1: the script has no [[step]]");
  if (steps->size() > max_steps)
    throw InputError(file + ": " + std::to_string(steps->size()) + " steps, more than the limit of " +
                     std::to_string(max_steps) + " (--max-steps)");
  for (const auto& node : *steps) {
    const auto& t = *node.as_table();
    r.only(t, "[[step]]", {"do", "name", "card", "terminal", "amount", "by", "valid_for", "tear_before", "tear_after",
                           "drop_response", "mitm_ins", "mitm_data", "mitm_response", "mitm_raw", "replay_step", "replay_ins",
                           "expect"});
    Step st;
    st.line = r.line(node);
    const auto action = r.string(t, "do");
    static const std::set<std::string> actions{"personalize", "reload", "pay", "revoke", "advance", "recertify"};
    if (!action || !actions.count(*action))
      r.fail(node, "[[step]] needs do = personalize | reload | pay | revoke | advance | recertify");
    st.action = *action;
    st.name = r.string(t, "name").value_or("");
    const bool session = st.action == "reload" || st.action == "pay";
    const auto need_card = [&] {
      const auto c = r.integer(t, "card", 0, 0xFFFFFFFF);
      if (!c) r.fail(node, "step '" + st.action + "' needs 'card'");
      if (!card_ids.count(uint32_t(*c))) r.fail(*t.get("card"), "card " + std::to_string(*c) + " is not declared");
      st.card = uint32_t(*c);
    };
    const auto need_terminal = [&] {
      const auto c = r.integer(t, "terminal", 0, 0xFFFFFFFF);
      if (!c) r.fail(node, "step '" + st.action + "' needs 'terminal'");
      if (!terminal_ids.count(uint32_t(*c)))
        r.fail(*t.get("terminal"), "terminal " + std::to_string(*c) + " is not declared");
      st.terminal = uint32_t(*c);
    };
    if (st.action == "personalize" || st.action == "revoke" || session) need_card();
    if (st.action == "recertify" || session) need_terminal();
    if (session) {
      const auto a = r.integer(t, "amount", 0, 0xFFFFFFFF);
      if (!a) r.fail(node, "step '" + st.action + "' needs 'amount' (cents)");
      st.amount = uint32_t(*a);
    }
    if (st.action == "advance") {
      const auto by = r.convert(t, "by", [](const std::string& d) { return parse_duration(d); });
      if (!by) r.fail(node, "step 'advance' needs 'by' (a duration such as \"8d\")");
      st.by = *by;
    }
    if (auto v = r.convert(t, "valid_for", [](const std::string& d) { return parse_duration(d); })) {
      if (*v > std::chrono::days(7)) r.fail(*t.get("valid_for"), "'valid_for': a terminal certificate lives at most 7d");
      st.valid_for = *v;
    }
    auto& f = st.faults;
    f.tear_before = r.ins(t, "tear_before");
    f.tear_after = r.ins(t, "tear_after");
    f.drop_response = r.ins(t, "drop_response");
    f.mitm_ins = r.ins(t, "mitm_ins");
    if (auto d = r.convert(t, "mitm_data", [](const std::string& v) { return parse_hex(v, "mitm_data"); }))
      f.mitm_data = *d;
    f.mitm_response = r.boolean(t, "mitm_response").value_or(false);
    f.mitm_raw = r.boolean(t, "mitm_raw").value_or(false);
    if (f.mitm_raw && f.mitm_response) r.fail(node, "'mitm_raw' and 'mitm_response' exclude each other");
    if (f.mitm_ins.has_value() != t.contains("mitm_data")) r.fail(node, "'mitm_ins' and 'mitm_data' go together");
    if (auto rs = r.integer(t, "replay_step", 1, int64_t(steps->size()))) {
      if (*rs >= int64_t(s.steps.size() + 1)) r.fail(*t.get("replay_step"), "'replay_step' must name an earlier step");
      f.replay_step = int(*rs);
    }
    f.replay_ins = r.ins(t, "replay_ins");
    if (f.replay_step.has_value() != f.replay_ins.has_value())
      r.fail(node, "'replay_step' and 'replay_ins' go together");
    if (f.any() && !session) r.fail(node, "faults apply to reload and pay steps only");
    if (const toml::node* e = t.get("expect")) {
      const auto* et = e->as_table();
      if (!et) r.fail(*e, "'expect' must be a table [step.expect]");
      r.only(*et, "[step.expect]", {"sw", "outcome", "balance", "blocked", "logged", "counter"});
      auto& x = st.expect;
      x.sw = r.convert(*et, "sw", [](const std::string& v) {
        const Bytes b = parse_hex(v, "sw");
        if (b.size() != 2) throw UsageError("a status word is four hex digits, got '" + v + "'");
        return uint16_t(b[0] << 8 | b[1]);
      });
      x.outcome = r.convert(*et, "outcome", [](const std::string& v) {
        if (v == "ok") return Outcome::ok;
        if (v == "refused") return Outcome::refused;
        if (v == "torn") return Outcome::torn;
        throw UsageError("'" + v + "' is not an outcome (ok, refused, torn)");
      });
      if (auto b = r.integer(*et, "balance", 0, 0xFFFFFFFF)) x.balance = uint32_t(*b);
      if (auto c = r.integer(*et, "counter", 0, 0xFFFFFFFF)) x.counter = uint32_t(*c);
      x.blocked = r.boolean(*et, "blocked");
      x.logged = r.boolean(*et, "logged");
      if ((x.balance || x.blocked || x.counter) && !st.card)
        r.fail(*e, "'balance', 'blocked' and 'counter' need the step to name a card");
    }
    s.steps.push_back(std::move(st));
  }
  return s;
}

}  // namespace pairkit::sim
