// pairkit ca init | sign | revoke | list | deliver
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include <botan/hex.h>

#include "groups.hpp"
#include "key_ref.hpp"
#include "options.hpp"
#include "registry_options.hpp"
#include "progress.hpp"
#include "pairkit/ca/authority.hpp"
#include "pairkit/ca/batch_write.hpp"
#include "pairkit/crypto/keystream_rng.hpp"
#include "pairkit/ca/crl.hpp"
#include "pairkit/core/db_location.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/x509.hpp"
#include "secrets.hpp"

namespace pairkit::cli {

namespace {

struct InitOptions {
  std::string dir;
  std::string cn;
  std::string type = "p256";
  std::string valid_for = "520w";
  SubjectFlags subject;
  PassphraseOptions pass;
  bool encrypt = false;
  std::string key;  ///< --key: an existing key (file or pkcs11: URI)
  TokenOptions token;
  std::string index, index_env;  ///< --index, --index-env: the index elsewhere (a postgresql:// URL)
  const CLI::Option* type_opt = nullptr;
};

struct SignOptions {
  std::string dir;
  std::vector<std::string> csrs;
  std::string profile = "terminal";
  std::string valid_for;
  std::vector<std::string> sans;
  std::string out;
  std::string out_dir;
  PassphraseOptions pass;
  TokenOptions token;
  bool force = false;
};

struct RevokeOptions {
  std::string dir;
  std::vector<std::string> serials;
  std::vector<std::string> certs;
  std::string serials_file;
  std::string reason;
  bool undelivered = false;
};

struct ListOptions {
  std::string dir;
  bool revoked = false;
  bool undelivered = false;
};

struct DeliverOptions {
  std::string dir;
  std::vector<std::string> serials;
  std::string out_dir;
  bool force = false;
};

// Requests are signed and recorded in chunks: the index write lock is held
// briefly, an interrupted batch keeps what it finished, and a chunk's files
// are written (and synced) while the next chunk is signed.
constexpr size_t kChunk = 200;

void run_init(Cli& cli, const InitOptions& o) {
  ca::InitOptions init;
  init.subject = o.subject.subject(o.cn);
  init.key_type = crypto::parse_key_type(o.type);
  init.valid_for = parse_duration(o.valid_for);
  init.index = location_from(o.index, o.index_env, "--index-env");
  if (!init.index.empty()) parse_db_location(init.index);  // a bad URL is a usage error before any key is made
  std::unique_ptr<Botan::Private_Key> key;
  if (!o.key.empty()) {
    if (o.type_opt->count() > 0) throw UsageError("--type is for a new key; --key gives an existing one");
    if (crypto::is_pkcs11_uri(o.key) && (o.pass.given() || o.encrypt))
      throw UsageError("a CA key in a token takes a PIN, not a passphrase");
    key = load_key_ref(cli, o.key, o.pass, o.token);
    init.key = key.get();
  }
  const bool in_token = key && crypto::is_token_key(*key);
  if (!in_token) {
    init.passphrase = read_passphrase(o.pass, o.encrypt ? Prompt::confirm : Prompt::never, "Passphrase for the CA key");
    if (o.encrypt && !init.passphrase) throw InputError("--encrypt needs a terminal, --passphrase-file or --passphrase-env");
  }
  const auto ca = ca::CaDir::init(o.dir, init, cli.rng(), cli.clock());
  const auto cert_key = ca.cert().load_subject_public_key();  // owned: Botan 2's subject_public_key() is a raw pointer
  const std::string key_type = crypto::key_type_name(crypto::key_type_of(key ? *key : *cert_key));
  const auto d = crypto::describe_certificate(ca.cert());
  if (cli.json) {
    cli.emit_json({{"dir", o.dir}, {"subject", d.subject}, {"key_type", key_type},
                   {"encrypted", init.passphrase.has_value()}, {"not_after", format_time(d.not_after)},
                   {"sha256", d.sha256}, {"cert", ca.path(ca::kCertFile)},
                   {"key", in_token ? ca.key_uri() : ca.path(ca::kKeyFile)}, {"index", ca.index_location()}});
    return;
  }
  std::cout << "CA " << d.subject << " in " << o.dir << "\n"
            << "certificate: " << ca.path(ca::kCertFile) << " (valid until " << format_time(d.not_after) << ")\n"
            << "key:         "
            << (in_token ? ca.key_uri() + " (in the token)"
                         : ca.path(ca::kKeyFile) + (init.passphrase ? " (encrypted, 0600)" : " (0600)"))
            << "\n"
            << "index:       " << ca.index_location() << "\n"
            << "sha256:      " << d.sha256 << "\n";
  cli.info("next: pairkit ca sign --dir " + o.dir + " terminal.csr -o terminal.crt");
}

std::string out_name(const std::string& out_dir, const std::string& csr) {
  std::filesystem::path p(csr == "-" ? "stdin" : csr);
  return out_dir + "/" + p.stem().string() + ".crt";
}

void run_sign(Cli& cli, const SignOptions& o) {
  const auto profile = crypto::parse_profile(o.profile);
  if (!ca::is_ca_profile(profile))
    throw UsageError("profile '" + o.profile + "' is not one a CA issues (terminal, server or intermediate)");
  if (!o.out.empty() && !o.out_dir.empty()) throw UsageError("give -o FILE or --out-dir DIR, not both");
  if (o.csrs.size() > 1 && o.out_dir.empty()) throw UsageError("several requests need --out-dir DIR (one .crt per request)");
  std::set<std::string> outs;
  if (!o.out_dir.empty())
    for (const auto& f : o.csrs)
      if (!outs.insert(out_name(o.out_dir, f)).second)
        throw UsageError("two requests would both be written to " + out_name(o.out_dir, f) + " (rename one)");

  const auto ca = ca::CaDir::open(o.dir);
  auto db = ca.open_index();
  ca::SignOptions so;
  so.profile = profile;
  if (!o.valid_for.empty()) so.valid_for = parse_duration(o.valid_for);
  so.sans = parse_sans(o.sans);
  so.now = cli.clock().now();
  const std::string out_single = o.out.empty() ? "-" : o.out;
  if (o.out_dir.empty() && out_single != "-" && !o.force && path_exists(out_single))
    throw InputError(out_single + " exists (use --force to replace it)");
  if (!o.out_dir.empty()) make_dirs(o.out_dir, 0755);

  ca::check_sign_options(so);

  // Check every request first (parsing verifies each signature): a bad one is
  // refused and nothing is written for it. One thread: Botan 2 serves every
  // big-number temporary from one process-wide, mutex-guarded locked-memory
  // pool, so two signing threads share its lock and cache lines and spent
  // ~30% more CPU for the same instructions (BOTAN_MLOCK_POOL_SIZE=0 removed
  // the difference); the writer thread does the file work meanwhile.
  std::vector<std::optional<ca::PreparedRequest>> checked(o.csrs.size());
  std::vector<std::string> problems(o.csrs.size());
  for (size_t i = 0; i < o.csrs.size(); ++i) {
    const std::string name = Cli::display_name(o.csrs[i]);
    try {
      checked[i] = ca::prepare_request(ca::load_request(cli.read_input(o.csrs[i], limits::kObject), name), name, ca, so);
      if (!o.out_dir.empty() && !o.force && path_exists(out_name(o.out_dir, o.csrs[i])))
        throw InputError(out_name(o.out_dir, o.csrs[i]) + " exists (use --force to replace it)");
    } catch (const InputError& e) {
      checked[i].reset();
      problems[i] = e.what();
    }
  }
  std::vector<ca::PreparedRequest> good;
  std::vector<std::string> good_files;
  std::vector<std::string> refused;
  for (size_t i = 0; i < o.csrs.size(); ++i) {
    if (checked[i]) {
      good.push_back(std::move(*checked[i]));
      good_files.push_back(o.csrs[i]);
      continue;
    }
    if (o.csrs.size() == 1) throw InputError(problems[i]);
    refused.push_back(problems[i]);
    std::cerr << "refused: " << problems[i] << "\n";  // the one "pairkit:" line comes at the end
  }
  if (good.empty() && !refused.empty())
    throw InputError("all " + std::to_string(refused.size()) + " requests refused; nothing signed");

  const auto key = load_ca_key(cli, ca, o.pass, o.token);
  // Keyed with 256 bits from the command's RNG: a batch draws randomness
  // thousands of times, and each draw from the system RNG is a syscall. Test
  // builds stay reproducible (PAIRKIT_TEST_SEED).
  crypto::KeystreamRng batch_rng(cli.rng());
  crypto::Issuer issuer(*key, ca.cert(), batch_rng);
  Progress progress(cli, Progress::End::keep, good.size() >= 50);
  nlohmann::json results = nlohmann::json::array();
  std::optional<ca::BackgroundWriter> writer;
  if (!o.out_dir.empty()) writer.emplace(WriteOptions{kPublicFileMode, o.force});
  for (size_t i = 0; i < good.size(); ++i)
    good[i].out = o.out_dir.empty() ? out_single : out_name(o.out_dir, good_files[i]);
  // Every certificate is recorded when signed and marked delivered once its
  // file is in place, so that one signed but never written shows in
  // `ca list --undelivered` and can be delivered or revoked.
  std::map<std::string, std::string> serial_of;  // output path -> serial, for the writer's reports
  size_t signed_count = 0, delivered_count = 0;
  auto record_delivered = [&](const std::vector<std::string>& serials) {
    if (serials.empty()) return;
    db->transaction([&] {
      for (const auto& s : serials) db->mark_delivered(s);
    });
    delivered_count += serials.size();
  };
  auto record_published = [&](const std::vector<std::string>& paths) {
    std::vector<std::string> serials;
    for (const auto& p : paths) serials.push_back(serial_of.at(p));
    record_delivered(serials);
  };
  try {
    for (size_t start = 0; start < good.size(); start += kChunk) {
      const size_t n = std::min(kChunk, good.size() - start);
      const auto certs = ca::issue_batch(*db, issuer, std::span(good).subspan(start, n), batch_rng);
      signed_count += n;
      std::vector<std::pair<std::string, std::string>> files;
      for (size_t i = 0; i < n; ++i) {
        const auto& req = good[start + i];
        const auto& cert = certs[i];
        const std::string& out = req.out;
        const std::string serial = ca::serial_hex(cert.serial_number());
        if (o.out_dir.empty()) {
          cli.write_output(out, cert.PEM_encode(), {kPublicFileMode, o.force});
          record_delivered({serial});
        } else {
          files.emplace_back(out, cert.PEM_encode());
          serial_of[out] = serial;
        }
        if (cli.json) {
          results.push_back({{"file", good_files[start + i]}, {"out", out}, {"serial", serial},
                             {"subject", crypto::dn_to_string(cert.subject_dn())}, {"profile", o.profile},
                             {"not_before", format_time(req.spec.not_before)},
                             {"not_after", format_time(req.spec.not_after)},
                             {"sha256", crypto::fingerprint(cert.BER_encode(), crypto::HashAlg::sha256, crypto::FpFormat::colon)}});
        } else if (good.size() <= 20 && out != "-") {
          cli.info("signed " + req.name + " -> " + out + " (" + o.profile + ", serial " + serial + ", valid until " +
                   format_time(req.spec.not_after) + ")");
        }
        if (req.clipped)
          cli.warn("warning: " + req.name + ": validity cut to the CA certificate's end, " + format_time(req.spec.not_after));
      }
      // One filesystem sync per round of the writer rather than one fsync per certificate.
      if (writer) {
        writer->add(std::move(files));
        record_published(writer->take_published());
      }
      progress.show("signed " + std::to_string(start + n) + "/" + std::to_string(good.size()));
    }
    if (writer) {
      writer->finish();
      record_published(writer->take_published());
    }
  } catch (const InputError& e) {
    if (writer) {
      try {
        writer->finish();  // what was queued before the failure is still written
      } catch (const InputError&) {
      }
      record_published(writer->take_published());
    }
    const size_t missing = signed_count - delivered_count;
    if (missing == 0) throw;
    throw InputError(std::string(e.what()) + "; " + std::to_string(missing) +
                     " signed certificate(s) recorded in the index but not written (see 'pairkit ca list --dir " +
                     o.dir + " --undelivered'): 'pairkit ca deliver --dir " + o.dir +
                     "' writes them, 'pairkit ca revoke --dir " + o.dir + " --undelivered' revokes them");
  }
  progress.done();
  if (cli.json) cli.emit_json(o.csrs.size() == 1 && !results.empty() ? results[0] : results);
  if (good.size() > 20) cli.info("signed " + std::to_string(good.size()) + " certificates into " + o.out_dir);
  if (!refused.empty())
    throw InputError(std::to_string(refused.size()) + " of " + std::to_string(o.csrs.size()) +
                     " requests refused (nothing written for them): " + refused.front() +
                     (refused.size() > 1 ? " ..." : ""));
}

std::vector<std::string> read_serials_file(Cli& cli, const std::string& file) {
  const auto data = cli.read_input(file, limits::kSerialList);
  std::vector<std::string> out;
  std::string line;
  size_t lineno = 0;
  auto flush = [&] {
    ++lineno;
    const auto b = line.find_first_not_of(" \t\r");
    if (b != std::string::npos && line[b] != '#') {
      const auto e = line.find_last_not_of(" \t\r");
      try {
        out.push_back(ca::normalize_serial(line.substr(b, e - b + 1)));
      } catch (const UsageError& err) {
        throw InputError(Cli::display_name(file) + ":" + std::to_string(lineno) + ": " + err.what());
      }
    }
    line.clear();
  };
  for (uint8_t c : data) {
    if (c == '\n')
      flush();
    else
      line += static_cast<char>(c);
  }
  if (!line.empty()) flush();
  return out;
}

void run_revoke(Cli& cli, const RevokeOptions& o) {
  const int given = !o.serials.empty() + !o.certs.empty() + !o.serials_file.empty() + o.undelivered;
  if (given == 0)
    throw UsageError("ca revoke: name what to revoke: SERIAL..., --cert CERT..., --serials-file FILE or --undelivered");
  const std::optional<int> reason = o.reason.empty() ? std::nullopt : std::optional<int>(ca::parse_reason(o.reason));
  const auto ca = ca::CaDir::open(o.dir);
  std::vector<std::string> serials;
  for (const auto& s : o.serials) serials.push_back(ca::normalize_serial(s));
  for (const auto& f : o.certs) {
    const std::string name = Cli::display_name(f);
    for (const auto& c : crypto::load_certificates(cli.read_input(f, limits::kBundle), name)) {
      if (c.issuer_dn() != ca.cert().subject_dn())
        throw InputError(name + " was issued by " + crypto::dn_to_string(c.issuer_dn()) + ", not by this CA (" +
                         crypto::dn_to_string(ca.cert().subject_dn()) + ")");
      serials.push_back(ca::serial_hex(c.serial_number()));
    }
  }
  if (!o.serials_file.empty())
    for (auto& s : read_serials_file(cli, o.serials_file)) serials.push_back(std::move(s));
  auto db = ca.open_index();
  if (o.undelivered) {
    const auto waiting = db->list(ca::IndexStore::Listing::undelivered);
    if (waiting.empty() && given == 1) {
      cli.info("no certificate of " + o.dir + " is signed but not written; nothing revoked");
      if (cli.json) cli.emit_json({{"revoked", 0}, {"already_revoked", 0}, {"reason", ca::reason_name(reason)},
                                   {"revoked_at", format_time(cli.clock().now())},
                                   {"already_revoked_serials", nlohmann::json::array()}});
      return;
    }
    for (const auto& e : waiting) serials.push_back(e.serial);
  }
  if (serials.empty()) throw InputError(Cli::display_name(o.serials_file) + " lists no serials");

  const auto now = cli.clock().now();
  size_t revoked = 0, already = 0;
  std::vector<std::string> already_list;
  // All or nothing: an unknown serial rolls the whole request back.
  db->transaction([&] {
    for (const auto& s : serials) {
      switch (db->revoke(s, now, reason)) {
        case ca::RevokeResult::revoked: ++revoked; break;
        case ca::RevokeResult::already_revoked:
          ++already;
          already_list.push_back(s);
          break;
        case ca::RevokeResult::unknown:
          throw InputError("serial " + s + " is not in the index of " + o.dir +
                           " (see 'pairkit ca list'); nothing was revoked");
      }
    }
  });
  const std::string why = ca::reason_name(reason);
  if (cli.json) {
    cli.emit_json({{"revoked", revoked}, {"already_revoked", already}, {"reason", why},
                   {"revoked_at", format_time(now)}, {"already_revoked_serials", already_list}});
    return;
  }
  if (serials.size() <= 20) {
    for (const auto& s : serials) {
      const bool was = std::find(already_list.begin(), already_list.end(), s) != already_list.end();
      if (was) {
        const auto e = db->find(s);
        std::cout << s << ": already revoked on " << format_time(*e->revoked_at) << " ("
                  << ca::reason_name(e->reason) << "); nothing changed\n";
      } else {
        std::cout << s << ": revoked (" << why << ")\n";
      }
    }
  } else {
    std::cout << "revoked " << revoked << " certificates (" << why << ")";
    if (already) std::cout << "; " << already << " were already revoked";
    std::cout << "\n";
  }
  if (revoked) cli.info("next: pairkit crl issue --dir " + o.dir + " -o crl.pem --force");
}

std::string status_of(const ca::IndexEntry& e, TimePoint now) {
  if (e.status == "revoked") return "revoked";
  return e.not_after <= now ? "expired" : "valid";
}

void run_list(Cli& cli, const ListOptions& o) {
  const auto ca = ca::CaDir::open(o.dir);
  auto db = ca.open_index();
  if (o.revoked && o.undelivered) throw UsageError("give --revoked or --undelivered, not both");
  const auto entries = db->list(o.revoked       ? ca::IndexStore::Listing::revoked
                                : o.undelivered ? ca::IndexStore::Listing::undelivered
                                                : ca::IndexStore::Listing::all);
  const auto now = cli.clock().now();
  if (cli.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& e : entries) {
      nlohmann::json j = {{"serial", e.serial}, {"subject", e.subject}, {"profile", e.profile},
                          {"status", status_of(e, now)}, {"not_before", format_time(e.not_before)},
                          {"not_after", format_time(e.not_after)}, {"sha256", e.sha256}};
      j["revoked_at"] = e.revoked_at ? nlohmann::json(format_time(*e.revoked_at)) : nlohmann::json(nullptr);
      j["reason"] = e.revoked_at ? nlohmann::json(ca::reason_name(e.reason)) : nlohmann::json(nullptr);
      j["crl_number"] = e.crl_number ? nlohmann::json(*e.crl_number) : nlohmann::json(nullptr);
      j["delivered"] = e.delivered;
      j["delivered_to"] = e.delivered_to.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.delivered_to);
      if (!e.terminal.empty()) {
        // Issued over EST by a gate (pairkit-gate(1), EST).
        j["est"] = {{"terminal", e.terminal},
                    {"pairing_fingerprint", e.pairing_fingerprint},
                    {"renewed_from", e.renewed_from.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.renewed_from)}};
      }
      all.push_back(std::move(j));
    }
    cli.emit_json(all);
    return;
  }
  std::cout << std::left << std::setw(34) << "SERIAL" << std::setw(9) << "STATUS" << std::setw(13) << "PROFILE"
            << std::setw(22) << "NOT AFTER" << "SUBJECT\n";
  for (const auto& e : entries) {
    std::cout << std::setw(34) << e.serial << std::setw(9) << status_of(e, now) << std::setw(13) << e.profile
              << std::setw(22) << format_time(e.not_after) << e.subject;
    if (e.revoked_at)
      std::cout << "  [revoked " << format_time(*e.revoked_at) << ", "
                << ca::reason_name(e.reason) << "]";
    if (!e.delivered) std::cout << "  [issued, not written: " << e.delivered_to << "]";
    if (!e.terminal.empty())
      std::cout << "  [EST: " << e.terminal << (e.renewed_from.empty() ? "" : ", renews " + e.renewed_from) << "]";
    std::cout << "\n";
  }
  const size_t waiting = std::count_if(entries.begin(), entries.end(),
                                       [](const ca::IndexEntry& e) { return !e.delivered && e.status == "valid"; });
  cli.info(std::to_string(entries.size()) + (o.revoked ? " revoked" : o.undelivered ? " undelivered" : "") +
           " certificate(s)");
  if (waiting > 0)
    cli.info(std::to_string(waiting) + " issued but not written: 'pairkit ca deliver --dir " + o.dir +
             "' writes them, 'pairkit ca revoke --dir " + o.dir + " --undelivered' revokes them");
}

// True when path holds exactly pem: written before the command that wrote
// it could record the delivery (an interrupted `ca sign`).
bool holds(const std::string& path, const std::string& pem) {
  try {
    const auto data = read_file(path, pem.size() + 1);
    return std::string_view(reinterpret_cast<const char*>(data.data()), data.size()) == pem;
  } catch (const InputError&) {
    return false;
  }
}

void run_deliver(Cli& cli, const DeliverOptions& o) {
  const auto ca = ca::CaDir::open(o.dir);
  auto db = ca.open_index();
  std::vector<ca::IndexEntry> todo;
  if (o.serials.empty()) {
    todo = db->list(ca::IndexStore::Listing::undelivered);
  } else {
    for (const auto& given : o.serials) {
      const std::string s = ca::normalize_serial(given);
      auto e = db->find(s);
      if (!e) throw InputError("serial " + s + " is not in the index of " + o.dir + " (see 'pairkit ca list')");
      todo.push_back(std::move(*e));
    }
  }
  if (!o.out_dir.empty()) make_dirs(o.out_dir, 0755);

  std::vector<std::pair<std::string, std::string>> files;
  std::map<std::string, std::string> serial_of;
  std::vector<std::string> delivered;
  nlohmann::json results = nlohmann::json::array();
  std::vector<std::string> lines;
  auto report = [&](const std::string& serial, const std::string& out, const char* status) {
    results.push_back({{"serial", serial}, {"out", out}, {"status", status}});
    lines.push_back(serial + " -> " + (out == "-" ? "standard output" : out) + " (" + status + ")");
  };
  for (const auto& e : todo) {
    const auto pem = db->certificate_pem(e.serial);
    if (!pem)
      throw InputError("serial " + e.serial + " was recorded before the index kept certificates; it cannot be written again");
    std::string out = e.delivered_to.empty() ? "-" : e.delivered_to;
    if (!o.out_dir.empty())
      out = o.out_dir + "/" + (out == "-" ? e.serial + ".crt" : std::filesystem::path(out).filename().string());
    if (out == "-") {
      if (cli.json) throw UsageError("--json needs a file for serial " + e.serial + " (give --out-dir DIR)");
      std::cout << *pem;
      delivered.push_back(e.serial);
      report(e.serial, out, "printed");
    } else if (!o.force && holds(out, *pem)) {
      delivered.push_back(e.serial);
      report(e.serial, out, "in_place");
    } else {
      files.emplace_back(out, *pem);
      serial_of[out] = e.serial;
    }
  }
  std::vector<std::string> published;
  auto record = [&] {
    for (const auto& p : published) {
      delivered.push_back(serial_of.at(p));
      report(serial_of.at(p), p, "written");
    }
    if (delivered.empty()) return;
    db->transaction([&] {
      for (const auto& s : delivered) db->mark_delivered(s);
    });
  };
  try {
    ca::write_files_batch(files, {kPublicFileMode, o.force}, &published);
  } catch (const InputError& e) {
    record();
    throw InputError(std::string(e.what()) + "; " + std::to_string(delivered.size()) + " of " +
                     std::to_string(todo.size()) + " certificate(s) delivered");
  }
  record();
  if (cli.json) {
    cli.emit_json(results);
    return;
  }
  if (lines.size() <= 20)
    for (const auto& l : lines) cli.info("delivered " + l);
  cli.info(todo.empty() ? "nothing to deliver: every certificate of " + o.dir + " is written"
                        : "delivered " + std::to_string(delivered.size()) + " certificate(s)");
}

}  // namespace

void add_ca_group(CLI::App& app, Cli& cli) {
  auto* group = add_group(app, "ca", "Run a small CA: issue terminal and server certificates, revoke them");

  auto in = std::make_shared<InitOptions>();
  auto* c = add_command(*group, cli, "init", "Create a CA: key, self-signed certificate, ca.toml, index database",
                        {"pairkit ca init --dir fleet-ca --cn 'Fleet CA' --org Example",
                         "pairkit ca init --dir fleet-ca --cn 'Fleet CA' --type p384 --passphrase-file ca-pass.txt",
                         "pairkit ca init --dir fleet-ca --cn 'Fleet CA' --key 'pkcs11:token=fleet-ca;object=ca-key' "
                         "--pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pin-file pin.txt",
                         "pairkit ca init --dir fleet-ca --cn 'Fleet CA' --index 'postgresql:///pairkit?host=/run/postgresql'"},
                        [in](Cli& c) { run_init(c, *in); });
  c->add_option("--dir", in->dir, "Folder for the new CA (created 0700)")->required();
  c->add_option("--cn", in->cn, "The CA's common name")->required();
  in->type_opt = add_key_type_option(c, cli, in->type, "ca.type");
  add_valid_for_option(c, cli, in->valid_for, "ca.valid_for", "CA certificate lifetime");
  add_subject_options(c, cli, in->subject);
  add_passphrase_options(c, in->pass, "the CA key (encrypts it)");
  c->add_flag("--encrypt", in->encrypt, "Encrypt the CA key with a passphrase asked on the terminal");
  c->add_option("--key", in->key,
                key_ref_help("Use this key instead of a new one") + " (a token key stays there: ca.toml records its URI)");
  add_token_options(c, cli, in->token);
  auto* index = c->add_option("--index", in->index,
                              "Keep the index in this database instead of DIR/index.db: a postgresql:// URL several "
                              "gates share (recorded in ca.toml as [index] url)");
  add_location_env_option(c, index, in->index_env, "--index-env");

  auto sg = std::make_shared<SignOptions>();
  c = add_command(*group, cli, "sign", "Sign certificate requests (PEM or DER) with a profile",
                  {"pairkit ca sign --dir fleet-ca term-0042.csr -o term-0042.crt",
                   "pairkit ca sign --dir fleet-ca --profile server --san dns:gate.example --san ip:fd00::1 gate.csr -o gate.crt",
                   "pairkit ca sign --dir fleet-ca csrs/*.csr --out-dir certs"},
                  [sg](Cli& c) { run_sign(c, *sg); });
  c->add_option("--dir", sg->dir, "CA folder")->required();
  c->add_option("CSR", sg->csrs, "Certificate requests ('-': stdin)")->required();
  cli.settings.bind(c, c->add_option("--profile", sg->profile, "terminal (clientAuth), server (serverAuth) or intermediate (CA, pathLen 0)")
                           ->check(CLI::IsMember({"terminal", "server", "intermediate"}))
                           ->capture_default_str(),
                    "ca.profile");
  c->add_option("--valid-for", sg->valid_for, "Lifetime (default: the profile's in ca.toml; never past the CA's)")
      ->check(duration_check());
  add_san_option(c, sg->sans)->allow_extra_args(false);
  c->add_option("-o,--out", sg->out, "Write the certificate to this file ('-': stdout, the default for one request)");
  c->add_option("--out-dir", sg->out_dir, "Write one NAME.crt per request NAME.csr into this folder");
  add_passphrase_options(c, sg->pass, "the CA key");
  add_token_options(c, cli, sg->token);
  c->add_flag("--force", sg->force, "Replace existing output files");

  auto rv = std::make_shared<RevokeOptions>();
  c = add_command(*group, cli, "revoke", "Revoke certificates by serial, certificate file or a list of serials",
                  {"pairkit ca revoke --dir fleet-ca --cert term-0042.crt --reason keyCompromise",
                   "pairkit ca revoke --dir fleet-ca 5F3A9C0D1E2B --reason cessationOfOperation",
                   "pairkit ca revoke --dir fleet-ca --serials-file lost-terminals.txt --reason keyCompromise",
                   "pairkit ca revoke --dir fleet-ca --undelivered --reason cessationOfOperation"},
                  [rv](Cli& c) { run_revoke(c, *rv); });
  c->add_option("--dir", rv->dir, "CA folder")->required();
  c->add_option("SERIAL", rv->serials, "Serials in hex, as 'pairkit ca list' shows them");
  c->add_option("--cert", rv->certs, "Certificate files issued by this CA")->allow_extra_args(false);
  c->add_option("--serials-file", rv->serials_file, "File with one serial per line ('#' comments; '-': stdin)");
  c->add_flag("--undelivered", rv->undelivered,
              "Every certificate signed but never written (see 'pairkit ca list --undelivered')");
  c->add_option("--reason", rv->reason,
                "RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, "
                "cessationOfOperation, certificateHold, removeFromCRL, privilegeWithdrawn, aACompromise")
      ->check([](const std::string& v) {
        ca::parse_reason(v);
        return std::string();
      });

  auto ls = std::make_shared<ListOptions>();
  c = add_command(*group, cli, "list", "List the certificates the CA issued",
                  {"pairkit ca list --dir fleet-ca", "pairkit --json ca list --dir fleet-ca --revoked",
                   "pairkit ca list --dir fleet-ca --undelivered"},
                  [ls](Cli& c) { run_list(c, *ls); });
  c->add_option("--dir", ls->dir, "CA folder")->required();
  c->add_flag("--revoked", ls->revoked, "Only revoked certificates");
  c->add_flag("--undelivered", ls->undelivered,
              "Only valid certificates signed but never written (an interrupted or failed 'ca sign')");

  auto dl = std::make_shared<DeliverOptions>();
  c = add_command(*group, cli, "deliver",
                  "Write certificates again from the index: by default those signed but never written",
                  {"pairkit ca deliver --dir fleet-ca", "pairkit ca deliver --dir fleet-ca --out-dir certs-again",
                   "pairkit ca deliver --dir fleet-ca 5F3A9C0D1E2B --out-dir /tmp/lost"},
                  [dl](Cli& c) { run_deliver(c, *dl); });
  c->add_option("--dir", dl->dir, "CA folder")->required();
  c->add_option("SERIAL", dl->serials, "Serials to write (default: every one signed but not written)");
  c->add_option("--out-dir", dl->out_dir, "Write into this folder instead of where 'ca sign' was to write them");
  c->add_flag("--force", dl->force, "Replace existing files");
}

}  // namespace pairkit::cli
