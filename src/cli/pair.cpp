// pairkit pair request | code | list | approve | reject | unpair | check | log |
// expect | deny | require-otp: the server side of pairing (registry) and the
// terminal's code display.
#include <iostream>
#include <memory>

#include <botan/pem.h>

#include "groups.hpp"
#include "options.hpp"
#include "registry_options.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/totp.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/pairing/code.hpp"
#include "pairkit/pairing/registry.hpp"

namespace pairkit::cli {

namespace {

struct PairRequestOptions {
  DbOptions db;
  std::string serial, cert, server_cert;
  std::string expires_in = "15m";
};

struct PairCodeOptions {
  std::string cert, server_cert, nonce;
};

struct PairListOptions {
  DbOptions db;
  std::string state;
};

struct PairApproveOptions {
  DbOptions db;
  std::string serial, code, operator_name, otp;
  int64_t id = 0;
  int groups = pairing::kCodeGroups;
};

struct PairDecideOptions {
  DbOptions db;
  std::string serial, operator_name, otp;
};

struct PairExpectOptions {
  DbOptions db;
  std::string serial, fingerprint;
};

struct PairDenyOptions {
  DbOptions db;
  std::string address, fingerprint, operator_name, otp;
};

struct PairCheckOptions {
  DbOptions db;
  std::string serial, cert;
};

struct PairLogOptions {
  DbOptions db;
  std::string serial;
};

void require(const std::string& value, const char* flag) {
  if (value.empty()) throw UsageError(std::string(flag) + " is required");
}

void check_operator(const std::string& name) {
  require(name, "--operator");
  for (char c : name)
    if (static_cast<unsigned char>(c) < 0x20) throw UsageError("--operator holds a control character");
}

// The TOTP code is checked for its form here, so a typo is a usage error
// that costs the operator none of their five tries.
pairing::Decider decider(const std::string& operator_name, const std::string& otp) {
  check_operator(operator_name);
  if (otp.empty()) return {operator_name, std::nullopt};
  if (!crypto::is_totp_code(otp))
    throw UsageError("--otp must be the " + std::to_string(crypto::kTotpDigits) + "-digit code of the operator's app");
  return {operator_name, otp};
}

// Decisions on a registry that does not require a second factor yet work,
// with a reminder on each.
void note_without_otp(Cli& cli, pairing::Registry& reg, const pairing::Decider& by, const DbOptions& db) {
  if (!by.otp && !reg.otp_required())
    cli.info("note: registry " + db.location() + " does not require a second factor yet; switch it on with: "
             "pairkit pair require-otp " + db.as_flag() + " (pairkit-operator(1))");
}

// The library's check, worded with the option that was given.
template <typename Normalize>
std::string option_value(const char* flag, Normalize normalize, const std::string& text) {
  try {
    return normalize(text);
  } catch (const UsageError& e) {
    throw UsageError(std::string(flag) + ": " + e.what());
  }
}

std::string normalized_fingerprint(const std::string& text) {
  return option_value("--fingerprint", pairing::normalize_fingerprint, text);
}

pairing::CertRef cert_ref(Cli& cli, const std::string& path) {
  const auto der = crypto::load_certificate_der(cli.read_input(path, limits::kObject), Cli::display_name(path));
  return {crypto::fingerprint(der, crypto::HashAlg::sha256, crypto::FpFormat::colon),
          Botan::PEM_Code::encode(der, "CERTIFICATE")};
}

nlohmann::json opt_time(const std::optional<TimePoint>& t) {
  return t ? nlohmann::json(format_time(*t)) : nlohmann::json(nullptr);
}

nlohmann::json row_json(const pairing::RequestRow& r) {
  const bool pending = r.state == pairing::State::pending;
  return {{"id", r.id},
          {"serial", r.serial},
          {"state", pairing::state_name(r.state)},
          {"fingerprint", r.fingerprint},
          {"server_fingerprint", r.server_fingerprint},
          {"nonce", r.nonce},
          {"code", pending ? nlohmann::json(r.code) : nlohmann::json(nullptr)},
          {"created_at", format_time(r.created_at)},
          {"expires_at", format_time(r.expires_at)},
          {"decided_at", opt_time(r.decided_at)},
          {"decided_by", r.decided_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.decided_by)},
          {"source_address", r.source_address.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.source_address)},
          {"last_seen_at", opt_time(r.last_seen_at)},
          {"conflict_fingerprint",
           r.conflict_fingerprint.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.conflict_fingerprint)}};
}

void run_request(Cli& cli, const PairRequestOptions& o) {
  require(o.serial, "--serial");
  require(o.cert, "--cert");
  device::check_serial(o.serial);
  const auto lifetime = parse_duration(o.expires_in);
  const auto terminal = cert_ref(cli, o.cert);
  std::optional<pairing::CertRef> server;
  if (!o.server_cert.empty()) server = cert_ref(cli, o.server_cert);
  // Without --server-cert the registry must be there already: a refused
  // request makes nothing (no file, no schema on a server).
  std::unique_ptr<pairing::Registry> reg;
  try {
    reg = open_registry(o.db, server || !o.db.given() ? IfMissing::create : IfMissing::fail);
  } catch (const db::StoreMissing&) {
    throw UsageError("registry " + o.db.location() + " does not exist yet: give --server-cert the first time");
  }
  const auto out = reg->request(o.serial, terminal, server, lifetime, cli.rng(), cli.clock());
  if (cli.json) {
    if (out.already_paired)
      cli.emit_json({{"serial", o.serial}, {"nonce", nullptr}, {"code", nullptr}, {"state", "paired"},
                     {"expires_at", nullptr}, {"already_paired", true}, {"fingerprint", terminal.sha256}});
    else
      cli.emit_json({{"serial", o.serial}, {"nonce", out.row.nonce}, {"code", out.row.code}, {"state", "pending"},
                     {"expires_at", format_time(out.row.expires_at)}, {"already_paired", false},
                     {"id", out.row.id}, {"fingerprint", terminal.sha256},
                     {"server_fingerprint", out.row.server_fingerprint},
                     {"replaces_fingerprint", out.replaces_fingerprint ? nlohmann::json(*out.replaces_fingerprint)
                                                                       : nlohmann::json(nullptr)}});
    return;
  }
  if (out.already_paired) {
    std::cout << o.serial << " is already paired with this certificate (SHA256:" << terminal.sha256 << ")\n";
    return;
  }
  std::cout << "request " << out.row.id << " for " << o.serial << ": pending until " << format_time(out.row.expires_at)
            << "\n"
            << "nonce: " << out.row.nonce << "\n"
            << "code:  " << out.row.code << "\n";
  if (out.replaces_fingerprint)
    cli.warn("warning: " + o.serial + " is paired with another certificate (SHA256:" + *out.replaces_fingerprint +
             "); that pairing stays until an operator approves or rejects this request");
  cli.info("the terminal shows its code with: pairkit pair code --cert CERT --server-cert SERVER_CERT --nonce " +
           out.row.nonce);
  cli.info("when the codes match: pairkit pair approve " + o.db.as_flag() + " --serial " + o.serial +
           " --code CODE --operator NAME");
}

void run_code(Cli& cli, const PairCodeOptions& o) {
  require(o.cert, "--cert");
  require(o.server_cert, "--server-cert");
  require(o.nonce, "--nonce");
  const auto nonce = pairing::parse_nonce(o.nonce);
  auto sha = [&](const std::string& path) {
    return crypto::digest(crypto::HashAlg::sha256,
                          crypto::load_certificate_der(cli.read_input(path, limits::kObject), Cli::display_name(path)));
  };
  const std::string code = pairing::pairing_code(nonce, sha(o.cert), sha(o.server_cert));
  if (cli.json) {
    cli.emit_json({{"nonce", o.nonce}, {"code", code}});
    return;
  }
  std::cout << code << "\n";
}

void run_list(Cli& cli, const PairListOptions& o) {
  std::optional<pairing::State> state;
  if (!o.state.empty()) state = pairing::parse_state(o.state);
  auto reg = open_registry(o.db, IfMissing::fail);
  const auto rows = reg->list(state, cli.clock());
  if (cli.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : rows) arr.push_back(row_json(r));
    cli.emit_json(arr);
    return;
  }
  if (rows.empty()) cli.info("no pairing requests" + (o.state.empty() ? std::string() : " in state " + o.state));
  for (const auto& r : rows) {
    std::cout << r.id << "  " << r.serial << "  " << pairing::state_name(r.state) << "  SHA256:" << r.fingerprint;
    if (r.state == pairing::State::pending)
      std::cout << "  code " << r.code << "  expires " << format_time(r.expires_at);
    else if (r.decided_at)
      std::cout << "  " << format_time(*r.decided_at) << " by " << r.decided_by;
    if (!r.source_address.empty())
      std::cout << "  from " << r.source_address << "  first seen " << format_time(r.created_at) << "  last seen "
                << format_time(r.last_seen_at.value_or(r.created_at));
    if (!r.conflict_fingerprint.empty())
      std::cout << "  CONFLICT: serial also claimed by SHA256:" << r.conflict_fingerprint << " (approve only with --id "
                << r.id << ")";
    std::cout << "\n";
  }
}

void run_approve(Cli& cli, const PairApproveOptions& o) {
  require(o.serial, "--serial");
  require(o.code, "--code");
  check_operator(o.operator_name);
  if (o.groups < 1 || o.groups > pairing::kCodeGroups)
    throw UsageError("--groups must be 1 to " + std::to_string(pairing::kCodeGroups));
  if (o.id < 0) throw UsageError("--id must be a request id from pair list");
  const auto by = decider(o.operator_name, o.otp);
  const auto typed = pairing::parse_code(o.code);  // a misread group is reported here, before the registry
  auto reg = open_registry(o.db, IfMissing::fail);
  const auto row = reg->approve(o.serial, o.id ? std::optional<int64_t>(o.id) : std::nullopt, typed, o.groups, by,
                                cli.clock());
  note_without_otp(cli, *reg, by, o.db);
  if (cli.json) {
    cli.emit_json(row_json(row));
    return;
  }
  std::cout << "paired " << o.serial << " (SHA256:" << row.fingerprint << "), approved by " << o.operator_name << "\n";
  if (static_cast<int>(typed.size()) < pairing::kCodeGroups)
    cli.info("note: " + std::to_string(typed.size()) + " of " + std::to_string(pairing::kCodeGroups) +
             " code groups compared (" + std::to_string(typed.size() * pairing::kBitsPerGroup) + " bits)");
}

void run_reject(Cli& cli, const PairDecideOptions& o) {
  require(o.serial, "--serial");
  const auto by = decider(o.operator_name, o.otp);
  auto reg = open_registry(o.db, IfMissing::fail);
  const auto row = reg->reject(o.serial, by, cli.clock());
  note_without_otp(cli, *reg, by, o.db);
  if (cli.json) {
    cli.emit_json(row_json(row));
    return;
  }
  std::cout << "rejected the pairing request of " << o.serial << " (SHA256:" << row.fingerprint << ")\n";
}

void run_unpair(Cli& cli, const PairDecideOptions& o) {
  require(o.serial, "--serial");
  const auto by = decider(o.operator_name, o.otp);
  auto reg = open_registry(o.db, IfMissing::fail);
  const auto row = reg->unpair(o.serial, by, cli.clock());
  note_without_otp(cli, *reg, by, o.db);
  if (cli.json) {
    cli.emit_json(row_json(row));
    return;
  }
  std::cout << "unpaired " << o.serial << " (was SHA256:" << row.fingerprint << ")\n";
}

void run_check(Cli& cli, const PairCheckOptions& o) {
  require(o.serial, "--serial");
  require(o.cert, "--cert");
  const auto cert = cert_ref(cli, o.cert);
  auto reg = open_registry(o.db, IfMissing::fail);
  reg->check(o.serial, cert.sha256);
  if (cli.json) {
    cli.emit_json({{"serial", o.serial}, {"paired", true}, {"fingerprint", cert.sha256}});
    return;
  }
  std::cout << o.serial << " is paired with this certificate\n";
}

void run_log(Cli& cli, const PairLogOptions& o) {
  auto reg = open_registry(o.db, IfMissing::fail);
  const auto rows = reg->audit(o.serial.empty() ? std::nullopt : std::optional<std::string>(o.serial));
  auto nul = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  if (cli.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : rows)
      arr.push_back({{"id", r.id}, {"at", format_time(r.at)}, {"actor", r.actor}, {"serial", r.serial},
                     {"action", r.action}, {"old_state", nul(r.old_state)}, {"new_state", nul(r.new_state)},
                     {"old_fingerprint", nul(r.old_fingerprint)}, {"new_fingerprint", nul(r.new_fingerprint)},
                     {"detail", nul(r.detail)}});
    cli.emit_json(arr);
    return;
  }
  for (const auto& r : rows) {
    std::cout << format_time(r.at) << "  " << r.serial << "  " << r.action << "  "
              << (r.old_state.empty() ? "-" : r.old_state) << " -> " << (r.new_state.empty() ? "-" : r.new_state)
              << "  by " << r.actor;
    if (!r.old_fingerprint.empty() || !r.new_fingerprint.empty())
      std::cout << "  fp " << (r.old_fingerprint.empty() ? "-" : r.old_fingerprint.substr(0, 11)) << " -> "
                << (r.new_fingerprint.empty() ? "-" : r.new_fingerprint.substr(0, 11));
    if (!r.detail.empty()) std::cout << "  (" << r.detail << ")";
    std::cout << "\n";
  }
}

void run_expect(Cli& cli, const PairExpectOptions& o) {
  require(o.serial, "--serial");
  device::check_serial(o.serial);
  std::optional<std::string> fp;
  if (!o.fingerprint.empty()) fp = normalized_fingerprint(o.fingerprint);
  auto reg = open_registry(o.db, IfMissing::create);
  reg->expect(o.serial, fp, cli.clock());
  if (cli.json) {
    cli.emit_json({{"serial", o.serial}, {"fingerprint", fp ? nlohmann::json(*fp) : nlohmann::json(nullptr)}});
    return;
  }
  std::cout << "expecting " << o.serial << (fp ? " with SHA256:" + *fp : std::string(" (any certificate)")) << "\n";
}

void run_deny(Cli& cli, const PairDenyOptions& o) {
  if (o.address.empty() == o.fingerprint.empty()) throw UsageError("give either --address or --fingerprint");
  const auto by = decider(o.operator_name, o.otp);
  std::string kind = "address", value = o.address;
  if (!o.fingerprint.empty()) {
    kind = "fingerprint";
    value = normalized_fingerprint(o.fingerprint);
  } else {
    value = option_value("--address", pairing::normalize_address, value);
  }
  auto reg = open_registry(o.db, IfMissing::fail);
  reg->deny(kind, value, by, cli.clock());
  note_without_otp(cli, *reg, by, o.db);
  if (cli.json) {
    cli.emit_json({{"kind", kind}, {"value", value}, {"by", o.operator_name}});
    return;
  }
  std::cout << "denied " << kind << " " << value << "\n";
}

void run_require_otp(Cli& cli, const DbOptions& o) {
  auto reg = open_registry(o, IfMissing::fail);
  const bool before = reg->otp_required();
  if (!before) reg->require_otp(cli.clock());
  if (cli.json) {
    cli.emit_json({{"otp_required", true}, {"changed", !before}});
    return;
  }
  std::cout << (before ? "registry " + o.location() + " requires a TOTP code already\n"
                       : "registry " + o.location() + " now requires a TOTP code for every decision\n");
  if (!before && reg->operators(cli.clock()).empty())
    cli.warn("warning: no operator is enrolled yet: pairkit operator add " + o.as_flag() + " --name NAME");
}

CLI::Option* serial_option(CLI::App* c, std::string& serial) {
  return c->add_option("--serial", serial, "The terminal's serial");
}

CLI::Option* operator_option(CLI::App* c, std::string& name) {
  return c->add_option("--operator", name, "Who decides (recorded in the audit log)");
}

CLI::Option* otp_option(CLI::App* c, std::string& otp) {
  return c->add_option("--otp", otp, "The operator's current TOTP code (6 digits; see pairkit-operator(1))");
}

}  // namespace

void add_pair_group(CLI::App& app, Cli& cli) {
  auto* group = add_group(app, "pair", "Pair terminals with a server: requests, codes read aloud, approval, checks");

  auto req = std::make_shared<PairRequestOptions>();
  auto* c = add_command(*group, cli, "request", "Record a pending pairing request and print its pairing code",
                        {"pairkit pair request --db server/pairing.db --serial TERM-0042 --cert term.pem --server-cert server/cert.pem",
                         "pairkit --json pair request --db pairing.db --serial TERM-0042 --cert term.pem"},
                        [req](Cli& c) { run_request(c, *req); });
  cli.mark_public_only(c);
  add_db_options(c, cli, req->db);
  serial_option(c, req->serial);
  c->add_option("--cert", req->cert, "The terminal's certificate");
  c->add_option("--server-cert", req->server_cert,
                "The server's certificate (default: the one the registry recorded last)");
  auto* e = c->add_option("--expires-in", req->expires_in, "How long the request stays pending (15m, 1h)")
                ->check(duration_check())
                ->capture_default_str();
  cli.settings.bind(c, e, "pair.expires_in");

  auto code = std::make_shared<PairCodeOptions>();
  c = add_command(*group, cli, "code", "Compute the pairing code a terminal shows on its display (offline)",
                  {"pairkit pair code --cert terminal/cert.pem --server-cert gate.pem --nonce 6f1c...e2"},
                  [code](Cli& c) { run_code(c, *code); });
  cli.mark_public_only(c);
  c->add_option("--cert", code->cert, "The terminal's certificate");
  c->add_option("--server-cert", code->server_cert, "The server's certificate (as the terminal sees it)");
  c->add_option("--nonce", code->nonce, "The request's nonce (32 hex digits, from the server)");

  auto list = std::make_shared<PairListOptions>();
  c = add_command(*group, cli, "list", "List pairing requests",
                  {"pairkit pair list --db pairing.db --state pending", "pairkit --json pair list --db pairing.db"},
                  [list](Cli& c) { run_list(c, *list); });
  cli.mark_public_only(c);
  add_db_options(c, cli, list->db);
  c->add_option("--state", list->state, "Only requests in this state")
      ->check(CLI::IsMember({"pending", "paired", "rejected", "unpaired", "expired"}));

  auto approve = std::make_shared<PairApproveOptions>();
  c = add_command(*group, cli, "approve", "Approve a pending request when the code read aloud matches (exit 1 if not)",
                  {"pairkit pair approve --db pairing.db --serial TERM-0042 --code BNJDW-PSAWG-QJCKB-V5DNV-DXY56 --operator alice --otp 492039",
                   "pairkit pair approve --db pairing.db --serial TERM-0042 --id 17 --code BNJDW-PSAWG-QJCKB-V5DNV-DXY56 --operator alice --otp 492039",
                   "pairkit pair approve --db pairing.db --serial TERM-0042 --code '2:PSAWG 5:DXY56' --groups 2 --operator alice"},
                  [approve](Cli& c) { run_approve(c, *approve); });
  cli.mark_public_only(c);
  add_db_options(c, cli, approve->db);
  serial_option(c, approve->serial);
  c->add_option("--code", approve->code,
                "The code read aloud: all groups, or some as N:GROUP (or '?' for an unread group)");
  operator_option(c, approve->operator_name);
  otp_option(c, approve->otp);
  c->add_option("--id", approve->id, "The request to approve (needed for a flagged request; see pair list)");
  auto* g = c->add_option("--groups", approve->groups, "Fewest groups to accept (1-5; 20 bits each; see pairkit-pair(1))")
                ->capture_default_str();
  cli.settings.bind(c, g, "pair.groups");

  auto reject = std::make_shared<PairDecideOptions>();
  c = add_command(*group, cli, "reject", "Reject a pending request",
                  {"pairkit pair reject --db pairing.db --serial TERM-0042 --operator alice --otp 492039"},
                  [reject](Cli& c) { run_reject(c, *reject); });
  cli.mark_public_only(c);
  add_db_options(c, cli, reject->db);
  serial_option(c, reject->serial);
  operator_option(c, reject->operator_name);
  otp_option(c, reject->otp);

  auto unpair = std::make_shared<PairDecideOptions>();
  c = add_command(*group, cli, "unpair", "Break the pairing of a terminal",
                  {"pairkit pair unpair --db pairing.db --serial TERM-0042 --operator alice --otp 492039"},
                  [unpair](Cli& c) { run_unpair(c, *unpair); });
  cli.mark_public_only(c);
  add_db_options(c, cli, unpair->db);
  serial_option(c, unpair->serial);
  operator_option(c, unpair->operator_name);
  otp_option(c, unpair->otp);

  auto check = std::make_shared<PairCheckOptions>();
  c = add_command(*group, cli, "check", "Exit 0 only when a serial is paired with exactly this certificate",
                  {"pairkit pair check --db pairing.db --serial TERM-0042 --cert term.pem"},
                  [check](Cli& c) { run_check(c, *check); });
  cli.mark_public_only(c);
  add_db_options(c, cli, check->db);
  serial_option(c, check->serial);
  c->add_option("--cert", check->cert, "The certificate the terminal presented");

  auto log = std::make_shared<PairLogOptions>();
  c = add_command(*group, cli, "log", "Show the audit log: every state change, who, when, old and new fingerprint",
                  {"pairkit pair log --db pairing.db", "pairkit --json pair log --db pairing.db --serial TERM-0042"},
                  [log](Cli& c) { run_log(c, *log); });
  cli.mark_public_only(c);
  add_db_options(c, cli, log->db);
  serial_option(c, log->serial);

  auto expect = std::make_shared<PairExpectOptions>();
  c = add_command(*group, cli, "expect", "Pre-register a terminal's serial (and certificate) for the gate",
                  {"pairkit pair expect --db server/pairing.db --serial TERM-0042",
                   "pairkit pair expect --db server/pairing.db --serial TERM-0042 --fingerprint AB:CD:...:EF"},
                  [expect](Cli& c) { run_expect(c, *expect); });
  cli.mark_public_only(c);
  add_db_options(c, cli, expect->db);
  serial_option(c, expect->serial);
  c->add_option("--fingerprint", expect->fingerprint, "The SHA-256 of the terminal's certificate (colon hex)");

  auto deny = std::make_shared<PairDenyOptions>();
  c = add_command(*group, cli, "deny", "Refuse an address or a certificate at the gate from now on",
                  {"pairkit pair deny --db pairing.db --address 203.0.113.9 --operator alice --otp 492039",
                   "pairkit pair deny --db pairing.db --fingerprint AB:CD:...:EF --operator alice --otp 492039"},
                  [deny](Cli& c) { run_deny(c, *deny); });
  cli.mark_public_only(c);
  add_db_options(c, cli, deny->db);
  c->add_option("--address", deny->address, "An IPv4 or IPv6 address, as the gate sees it");
  c->add_option("--fingerprint", deny->fingerprint, "The SHA-256 of a certificate (colon hex)");
  operator_option(c, deny->operator_name);
  otp_option(c, deny->otp);

  auto require_otp = std::make_shared<DbOptions>();
  c = add_command(*group, cli, "require-otp", "From now on, every decision needs an operator's TOTP code",
                  {"pairkit pair require-otp --db server/pairing.db"},
                  [require_otp](Cli& c) { run_require_otp(c, *require_otp); });
  cli.mark_public_only(c);
  add_db_options(c, cli, *require_otp);
}

}  // namespace pairkit::cli
