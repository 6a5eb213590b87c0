// pairkit backup keygen | create | inspect | verify | restore
#include <iostream>
#include <memory>
#include <optional>

#include <botan/hex.h>

#include "groups.hpp"
#include "key_ref.hpp"
#include "options.hpp"
#include "pairkit/backup/age.hpp"
#include "pairkit/backup/armor.hpp"
#include "pairkit/backup/opened.hpp"
#include "pairkit/backup/pipeline.hpp"
#include "pairkit/backup/restore_point.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/core/file_stream.hpp"
#include "pairkit_config.h"
#include "progress.hpp"
#include "secrets.hpp"

namespace pairkit::cli {

namespace {

using namespace pairkit::backup;

struct KeygenOptions {
  std::string out = "-";
  bool force = false;
};

struct CreateOptions {
  std::string from, out;
  PassphraseOptions pass;
  std::vector<std::string> recipients;
  std::vector<std::string> includes;
  int work_factor = kDefaultWorkFactor;
  bool armor = false, force = false;
};

struct KeyOptions {
  PassphraseOptions pass;
  std::vector<std::string> identities;
};

struct ReadOptions {
  std::string file;
  KeyOptions key;
};

struct RestoreOptions {
  std::string file, to;
  KeyOptions key;
  TokenOptions token;
  bool force = false;
};

std::string tool_version() { return std::string("pairkit ") + PAIRKIT_VERSION; }

// "  restored 123 MiB", updated every 16 MiB: a large restore point takes seconds.
class ByteProgress {
public:
  ByteProgress(const Cli& cli, std::string verb) : line_(cli, Progress::End::erase), verb_(std::move(verb)) {}
  /// Clears the progress line (before the result is printed).
  void done() { line_.done(); }
  void add(size_t n) {
    total_ += n;
    if (!line_.on() || total_ < next_) return;
    next_ = total_ + (16u << 20);
    line_.show("  " + verb_ + " " + std::to_string(total_ >> 20) + " MiB");
  }

private:
  Progress line_;
  std::string verb_;
  uint64_t total_ = 0, next_ = 16u << 20;
};

class ProgressSink final : public ByteSink {
public:
  ProgressSink(ByteSink& out, ByteProgress& p) : out_(out), p_(p) {}
  void write(std::span<const uint8_t> data) override {
    out_.write(data);
    p_.add(data.size());
  }
  void finish() override { out_.finish(); }
  bool can_rewrite(uint64_t end) override { return out_.can_rewrite(end); }
  void rewrite(uint64_t offset, std::span<const uint8_t> data) override { out_.rewrite(offset, data); }
  std::span<uint8_t> space(size_t max) override { return out_.space(max); }
  void commit(size_t n) override {
    out_.commit(n);
    p_.add(n);
  }

private:
  ByteSink& out_;
  ByteProgress& p_;
};

class ProgressSource final : public ByteSource {
public:
  ProgressSource(ByteSource& in, ByteProgress& p) : in_(in), p_(p) {}
  size_t read(std::span<uint8_t> buf) override {
    const size_t n = in_.read(buf);
    p_.add(n);
    return n;
  }
  std::span<const uint8_t> view(size_t max) override {
    const auto v = in_.view(max);
    p_.add(v.size());
    return v;
  }

private:
  ByteSource& in_;
  ByteProgress& p_;
};

void add_key_options(CLI::App* c, KeyOptions& k) {
  add_passphrase_options(c, k.pass, "the restore point");
  c->add_option("-i,--identity", k.identities, "age identity file (AGE-SECRET-KEY-1..., from backup keygen or age-keygen)")
      ->check(CLI::ExistingFile);
}

// A restore point opened with the keys the options name: identity files, a
// passphrase, or both.
OpenedBackup open_backup(const std::string& file, const KeyOptions& k) {
  const std::string name = Cli::display_name(file);
  return OpenedBackup(file, name, [&] {
    auto ids = read_identity_files(k.identities);
    if (k.pass.given() || k.identities.empty()) {
      auto pass = read_passphrase(k.pass, Prompt::once, "Passphrase for " + name);
      if (!pass) throw UsageError("give --identity FILE, --passphrase-file FILE or --passphrase-env VAR to open " + name);
      ids.push_back(std::make_unique<ScryptIdentity>(std::move(*pass)));
    }
    return ids;
  });
}

void run_keygen(Cli& cli, const KeygenOptions& o) {
  if (cli.json && o.out == "-") throw UsageError("--json needs -o FILE (the identity itself goes to stdout otherwise)");
  const auto id = X25519Identity::generate(cli.rng());
  const std::string recipient = id.recipient().encode();
  const std::string text = "# created: " + format_time(cli.clock().now()) + "\n# public key: " + recipient + "\n" +
                           id.encode() + "\n";
  cli.write_output(o.out, text, {kPrivateFileMode, o.force});
  if (cli.json) {
    cli.emit_json({{"file", o.out}, {"recipient", recipient}});
    return;
  }
  if (o.out == "-") {
    std::cerr << "Public key: " << recipient << "\n";
    return;
  }
  std::cout << recipient << "\n";
  cli.info("wrote age identity to " + o.out + " (mode 0600); keep a copy away from the device");
  cli.info("next: pairkit backup create --from DIR -o restore.age --recipient " + recipient);
}

nlohmann::json manifest_json(const Manifest& m) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : m.files) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", f.mode);
    files.push_back({{"path", f.path}, {"mode", mode}, {"size", f.size}, {"sha256", f.sha256},
                     {"sqlite_snapshot", f.sqlite_snapshot}});
  }
  return {{"format_version", m.format_version}, {"created", format_time(m.created)},
          {"tool_version", m.tool_version},     {"serial", m.serial},
          {"role", m.role},                     {"cert_sha256", m.cert_sha256},
          {"spki_pin", m.spki_pin},             {"device_id", m.device_id},
          {"key_uri", m.key_uri.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.key_uri)},
          {"files", files}};
}

// A restored identity whose key is in a token is whole only where that
// token is: its public key must be the certificate's.
std::string token_key_status(Cli& cli, const Manifest& m, const TokenOptions& t, bool& whole) {
  whole = false;
  const std::string otherwise =
      ": this identity needs a new key and a new pairing (pairkit device init --force --token URI, then gate join)";
  try {
    auto uri = crypto::parse_pkcs11_uri(m.key_uri);
    uri.type.reset();  // its public object: no login needed to read it
    const auto pub = crypto::load_token_public_key(uri, token_access(cli, t, uri));
    whole = crypto::spki_pin(pub->subject_public_key()) == m.spki_pin;
    if (whole) return "its key is in the token here (" + m.key_uri + "): the identity is ready";
    return "the token here holds another key under " + m.key_uri + otherwise;
  } catch (const Error& e) {
    return "its key is in a token that is not reachable here (" + std::string(e.what()) + ")" + otherwise;
  }
}

void print_manifest(const Manifest& m) {
  std::cout << "format:      pairkit restore point v" << m.format_version << "\n"
            << "created:     " << format_time(m.created) << "\n"
            << "tool:        " << m.tool_version << "\n"
            << "device:      " << m.serial << " (" << m.role << ")\n"
            << "cert sha256: " << m.cert_sha256 << "\n"
            << "spki pin:    " << m.spki_pin << "\n"
            << "device id:   " << m.device_id << "\n"
            << "files:\n";
  for (const auto& f : m.files) {
    char line[96];
    std::snprintf(line, sizeof line, "  %04o %12llu  ", f.mode, static_cast<unsigned long long>(f.size));
    std::cout << line << f.sha256.substr(0, 16) << "  " << f.path << (f.sqlite_snapshot ? "  (SQLite snapshot)" : "")
              << "\n";
  }
}

void run_create(Cli& cli, const CreateOptions& o) {
  if (cli.json && o.out == "-") throw UsageError("--json needs -o FILE (the restore point itself goes to stdout otherwise)");
  if (o.pass.given() && !o.recipients.empty())
    throw UsageError("give either a passphrase or --recipient, not both (age allows a passphrase only alone)");
  std::vector<std::unique_ptr<Recipient>> rs;
  for (const auto& r : o.recipients) rs.push_back(std::make_unique<X25519Recipient>(X25519Recipient::parse(r)));
  if (rs.empty()) {
    auto pass = read_passphrase(o.pass, Prompt::confirm, "Passphrase for the restore point");
    if (!pass) throw UsageError("give --recipient age1..., --passphrase-file FILE or --passphrase-env VAR");
    rs.push_back(std::make_unique<ScryptRecipient>(std::move(*pass), o.work_factor));
  } else if (o.work_factor != kDefaultWorkFactor) {
    ScryptRecipient check({'x'}, o.work_factor);  // validates the value even if unused
  }
  std::vector<const Recipient*> ptrs;
  for (const auto& r : rs) ptrs.push_back(r.get());

  AtomicFileSink file(o.out, kPrivateFileMode, o.force);
  std::optional<ArmorSink> armor;
  ByteSink* sink = &file;
  if (o.armor) {
    armor.emplace(file);
    sink = &*armor;
  }
  AgeWriter age(*sink, ptrs, cli.rng());
  // Two stages: files are read and hashed on this thread; encrypted and
  // written on the other (a third for writing cost more in copies than it gained).
  ThreadedSink pipe(age);
  backup::CreateOptions co{o.from, o.includes, tool_version(), o.out == "-" ? "" : parent_dir(o.out)};
  ByteProgress progress(cli, "archived");
  ProgressSink counted(pipe, progress);
  const auto m = create_restore_point(co, counted, cli.clock());
  progress.done();
  pipe.finish();
  file.commit();
  uint64_t total = 0;
  for (const auto& f : m.files) total += f.size;
  if (cli.json) {
    auto j = manifest_json(m);
    j["file"] = o.out;
    j["armor"] = o.armor;
    j["recipients"] = o.recipients.empty() ? nlohmann::json("passphrase") : nlohmann::json(o.recipients);
    cli.emit_json(j);
    return;
  }
  if (!m.key_uri.empty())
    cli.info("the key stays in its token: the restore point holds its URI (" + m.key_uri +
             "), not the key, and a restore works only where that token is");
  if (o.out != "-") {
    cli.info("wrote restore point " + o.out + " (mode 0600): device " + m.serial + ", " +
             std::to_string(m.files.size()) + " files, " + std::to_string(total) + " bytes");
    cli.info("next: pairkit backup verify " + o.out + (o.recipients.empty() ? " --passphrase-file FILE" : " --identity FILE"));
  }
}

void run_inspect(Cli& cli, const ReadOptions& o) {
  OpenedBackup b = open_backup(o.file, o.key);
  const auto m = b.wrap([&] { return read_manifest(b.plain(), b.name()); });
  if (cli.json) {
    auto j = manifest_json(m);
    j["file"] = o.file;
    cli.emit_json(j);
    return;
  }
  std::cout << "restore point: " << b.name() << "\n";
  print_manifest(m);
}

void run_verify(Cli& cli, const ReadOptions& o) {
  OpenedBackup b = open_backup(o.file, o.key);
  ByteProgress progress(cli, "verified");
  ThreadedSource ahead(b.plain());  // decryption runs on a second thread while hashes are checked
  ProgressSource counted(ahead, progress);
  const auto r = b.wrap([&] { return verify_restore_point(counted, b.name()); });
  progress.done();
  if (cli.json) {
    auto j = manifest_json(r.manifest);
    j["file"] = o.file;
    j["ok"] = true;
    j["key_checked"] = r.key_checked;
    cli.emit_json(j);
    return;
  }
  std::cout << "ok: " << b.name() << ": device " << r.manifest.serial << ", " << r.manifest.files.size()
            << " files, every SHA-256 matches the manifest, "
            << (!r.manifest.key_uri.empty() ? "the key is in a token (" + r.manifest.key_uri + "), not in the restore point"
                : r.key_checked ? std::string("the key matches the certificate")
                                : std::string("the key is encrypted (not checked against the certificate)"))
            << "\n";
}

void run_restore(Cli& cli, const RestoreOptions& o) {
  // Refuse an occupied target before asking for a passphrase or decrypting anything.
  if (!o.force) {
    const auto problem = restore_target_problem(o.to);
    if (!problem.empty()) throw InputError(problem);
  }
  OpenedBackup b = open_backup(o.file, o.key);
  ByteProgress progress(cli, "restored");
  ThreadedSource ahead(b.plain());  // decryption runs on a second thread while files are checked and written
  ProgressSource counted(ahead, progress);
  const auto r = b.wrap([&] { return restore_to(counted, b.name(), o.to, o.force, cli.clock()); });
  progress.done();
  const auto& m = r.report.manifest;
  if (cli.json) {
    auto j = manifest_json(m);
    j["file"] = o.file;
    j["to"] = o.to;
    j["previous"] = r.previous.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.previous);
    cli.emit_json(j);
    return;
  }
  std::cout << "restored device " << m.serial << " (" << m.role << ") to " << o.to << "\n"
            << "cert sha256: " << m.cert_sha256 << "\n";
  if (!r.previous.empty()) cli.info("the identity that was there is kept in " + r.previous);
  bool whole = true;
  if (!m.key_uri.empty()) cli.info(token_key_status(cli, m, o.token, whole));
  if (whole) cli.info("next: pairkit fingerprint " + o.to + "/cert.pem  (the same fingerprint: pairings still hold)");
}

}  // namespace

void add_backup_group(CLI::App& app, Cli& cli) {
  auto* group = add_group(app, "backup", "Encrypted restore points (age files) of a device identity");

  auto kg = std::make_shared<KeygenOptions>();
  auto* c = add_command(*group, cli, "keygen", "Generate an age X25519 identity; prints its age1... recipient",
                        {"pairkit backup keygen -o backup-identity.txt"}, [kg](Cli& c) { run_keygen(c, *kg); });
  cli.mark_few_secrets(c);
  add_output_option(c, kg->out, "the identity");
  c->add_flag("--force", kg->force, "Replace an existing identity file");

  auto cr = std::make_shared<CreateOptions>();
  c = add_command(*group, cli, "create", "Write an encrypted restore point of a device folder",
                  {"pairkit backup create --from terminal -o terminal.age --recipient age1...",
                   "pairkit backup create --from terminal -o terminal.age --passphrase-file pass.txt --work-factor 15"},
                  [cr](Cli& c) { run_create(c, *cr); });
  cli.mark_few_secrets(c);
  c->add_option("--from", cr->from, "Device identity folder (from device init)")->required();
  c->add_option("-o,--out", cr->out, "Restore point file to write ('-': stdout)")->required();
  add_passphrase_options(c, cr->pass, "the restore point (scrypt)");
  c->add_option("-r,--recipient", cr->recipients, "Encrypt to this age X25519 recipient (age1...); repeatable");
  c->add_option("--include", cr->includes, "Also back up this file of the folder (relative path); repeatable");
  cli.settings.bind(c, c->add_option("--work-factor", cr->work_factor, "scrypt work factor, log2 N (1-22; default 18)")
                           ->check(CLI::Range(1, kMaxWorkFactor)),
                    "backup.work_factor");
  c->add_flag("-a,--armor", cr->armor, "Write the PEM-like ASCII armor");
  c->add_flag("--force", cr->force, "Replace an existing output file");

  auto in = std::make_shared<ReadOptions>();
  c = add_command(*group, cli, "inspect", "Show a restore point's manifest and files (needs the key)",
                  {"pairkit backup inspect terminal.age --identity backup-identity.txt"},
                  [in](Cli& c) { run_inspect(c, *in); });
  cli.mark_few_secrets(c);
  c->add_option("FILE", in->file, "Restore point ('-': stdin)")->required();
  add_key_options(c, in->key);

  auto ve = std::make_shared<ReadOptions>();
  c = add_command(*group, cli, "verify", "Decrypt everything, check every hash and that the key matches the certificate",
                  {"pairkit backup verify terminal.age --passphrase-file pass.txt"},
                  [ve](Cli& c) { run_verify(c, *ve); });
  cli.mark_few_secrets(c);
  c->add_option("FILE", ve->file, "Restore point ('-': stdin)")->required();
  add_key_options(c, ve->key);

  auto re = std::make_shared<RestoreOptions>();
  c = add_command(*group, cli, "restore", "Restore a device identity folder from a restore point",
                  {"pairkit backup restore terminal.age --to terminal --identity backup-identity.txt",
                   "pairkit backup restore terminal.age --to terminal --passphrase-file pass.txt --force"},
                  [re](Cli& c) { run_restore(c, *re); });
  cli.mark_few_secrets(c);
  c->add_option("FILE", re->file, "Restore point ('-': stdin)")->required();
  c->add_option("--to", re->to, "Device folder to restore into")->required();
  add_key_options(c, re->key);
  c->add_flag("--force", re->force, "Replace an existing identity (kept as DIR.previous-TIME)");
  add_token_options(c, cli, re->token);
}

}  // namespace pairkit::cli
