// pairkit sim run and sim verify-log: scripted e-purse sessions and their signed
// logs. (sim card, the PC/SC side, is in sim_card.cpp.)
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "groups.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/sim/log_verify.hpp"
#include "pairkit/sim/runner.hpp"
#include "pairkit/sim/script.hpp"
#include "pairkit/sim/transcript.hpp"

namespace pairkit::cli {

namespace {

struct SimRunOptions {
  std::vector<std::string> scripts;
  std::string out;
  std::string transcript;
  std::string format = "text";
  std::optional<uint64_t> seed;
  std::string profile;
  std::string card;
  size_t max_steps = sim::kDefaultMaxSteps;
  bool force = false;
};

struct SimVerifyLogOptions {
  std::string log;
  std::string backend_pub;
};

std::string render(const std::vector<sim::ScriptReport>& reps, const std::string& format) {
  if (format == "text") {
    std::string all;
    for (const auto& r : reps) all += (all.empty() ? "" : "\n") + sim::text_transcript(r);
    return all;
  }
  if (format == "json") {
    nlohmann::json scripts = nlohmann::json::array();
    bool passed = true;
    for (const auto& r : reps) {
      scripts.push_back(sim::json_transcript(r));
      passed = passed && r.passed();
    }
    return nlohmann::json{{"passed", passed}, {"scripts", std::move(scripts)}}.dump(2) + "\n";
  }
  nlohmann::json msgs = nlohmann::json::array();
  int id = 1;
  for (const auto& r : reps)
    for (auto& m : sim::xfs4iot_transcript(r, id)) msgs.push_back(std::move(m));
  return msgs.dump(2) + "\n";
}

/// The files `--out` writes for one script, path -> content.
std::vector<std::pair<std::string, std::string>> out_files(const sim::ScriptReport& rep, const std::string& dir,
                                                           const std::string& format) {
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back(dir + "/transcript.txt", sim::text_transcript(rep));
  if (format != "text")
    files.emplace_back(dir + (format == "json" ? "/transcript.json" : "/transcript.xfs4iot.json"),
                       render({rep}, format));
  const sim::Profile profile(rep.profile);
  files.emplace_back(dir + "/backend.pub", crypto::public_key_pem(*profile.load_public(rep.backend_pub)));
  for (const auto& [id, records] : rep.logs) {
    std::string lines;
    for (const auto& r : records) lines += sim::to_json(r).dump() + "\n";
    files.emplace_back(dir + "/terminal-" + std::to_string(id) + ".jsonl", lines);
  }
  return files;
}

void run_sim_run(Cli& cli, const SimRunOptions& o) {
  const std::string format = cli.json ? "json" : o.format;
  std::vector<sim::Script> scripts;
  for (const auto& path : o.scripts) {
    const auto data = cli.read_input(path, limits::kToml);
    scripts.push_back(sim::parse_script(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()),
                                        Cli::display_name(path), o.max_steps));
    if (!o.profile.empty()) scripts.back().profile = sim::parse_profile(o.profile);
    if (!o.card.empty())
      for (auto& c : scripts.back().cards) c.mode = o.card == "reference" ? sim::CardMode::reference : sim::CardMode::faithful;
  }
  sim::KeyPool pool;
  std::vector<sim::ScriptReport> reports;
  for (const auto& s : scripts) {
    uint64_t seed = o.seed ? *o.seed : s.seed.value_or(0);
    if (!o.seed && !s.seed) cli.rng().randomize(reinterpret_cast<uint8_t*>(&seed), sizeof seed);
    reports.push_back(sim::run_script(s, seed, pool));
  }

  // Everything to write is known before the first byte goes out, so a refused
  // overwrite leaves nothing half-written.
  std::vector<std::pair<std::string, std::string>> files;
  if (!o.out.empty()) {
    std::set<std::string> stems;
    for (size_t i = 0; i < reports.size(); ++i) {
      std::string dir = o.out;
      if (reports.size() > 1) {
        std::string stem = std::filesystem::path(o.scripts[i]).stem().string();
        while (!stems.insert(stem).second) stem += "_";
        dir += "/" + stem;
      }
      for (auto& f : out_files(reports[i], dir, format)) files.push_back(std::move(f));
    }
  }
  if (!o.transcript.empty() && o.transcript != "-") files.emplace_back(o.transcript, render(reports, format));
  if (!o.force)
    for (const auto& [path, _] : files)
      if (path_exists(path)) throw InputError(path + " exists (use --force to replace it)");
  for (const auto& [path, content] : files) {
    make_dirs(parent_dir(path), 0755);
    write_file_atomic(path, content, {kPublicFileMode, o.force});
  }
  if (o.transcript.empty() || o.transcript == "-") std::cout << render(reports, format) << std::flush;
  if (!o.out.empty()) cli.info("wrote transcript, backend.pub and terminal logs to " + o.out);

  std::vector<std::string> failures;
  for (const auto& r : reports)
    for (const auto& s : r.steps)
      for (const auto& f : s.failures)
        failures.push_back(r.file + ": step " + std::to_string(s.index) + " (line " + std::to_string(s.step.line) +
                           ", " + s.step.action + "): " + f);
  if (!failures.empty()) {
    for (size_t i = 1; i < failures.size(); ++i) cli.info("  also: " + failures[i]);
    throw CheckFailed("expectation failed: " + failures.front() +
                      (failures.size() > 1 ? " (and " + std::to_string(failures.size() - 1) + " more)" : ""));
  }
  if (!o.out.empty()) cli.info("next: pairkit sim verify-log " + o.out + "/terminal-ID.jsonl --backend-pub " +
                               o.out + "/backend.pub");
}

void run_sim_verify_log(Cli& cli, const SimVerifyLogOptions& o) {
  const auto key = sim::load_backend_key(cli.read_input(o.backend_pub, limits::kObject), Cli::display_name(o.backend_pub));
  const std::string log_name = Cli::display_name(o.log);
  const auto log = cli.read_input(o.log, limits::kSimLog);
  const size_t records =
      sim::verify_log(key, std::string_view(reinterpret_cast<const char*>(log.data()), log.size()), log_name);
  if (cli.json) {
    cli.emit_json({{"file", o.log}, {"records", records}, {"profile", key.profile.name()}, {"valid", true}});
    return;
  }
  std::cout << log_name << ": " << records << " record(s) verified (" << key.profile.name()
            << " profile): back-end signatures on the card certificates and card signatures on the transactions\n";
}

}  // namespace

void add_sim_group(CLI::App& app, Cli& cli) {
  CLI::App* sim = add_group(app, "sim", "Simulate e-purse card and terminal sessions");

  auto run = std::make_shared<SimRunOptions>();
  auto* c = add_command(*sim, cli, "run", "Run card/terminal session scripts (TOML) and print the APDU transcript",
                        {"pairkit sim run examples/sim/payment.toml",
                         "pairkit sim run examples/sim/*.toml --format json",
                         "pairkit sim run pay.toml --seed 7 --out session/ --format xfs4iot"},
                        [run](Cli& c) { run_sim_run(c, *run); });
  c->add_option("SCRIPT", run->scripts, "Simulation script(s) ('-': stdin)")->required();
  c->add_option("--out", run->out, "Folder for transcript.txt, backend.pub and terminal-ID.jsonl logs");
  c->add_option("--transcript", run->transcript, "Write the transcript to this file instead of stdout");
  c->add_option("--format", run->format, "Transcript format")
      ->check(CLI::IsMember({"text", "json", "xfs4iot"}));
  c->add_option("--seed", run->seed, "Seed for every key (overrides the scripts' [sim] seed)")
      ->check(CLI::Range(uint64_t(1), UINT64_MAX));
  c->add_option("--profile", run->profile, "Crypto profile for every script (overrides [sim] profile)")
      ->check(CLI::IsMember({"legacy", "modern"}));
  c->add_option("--card", run->card,
                 "Card for every script: faithful, or reference (reproduces the reference's defect 1, to show "
                 "that attack scripts detect it)")
      ->check(CLI::IsMember({"faithful", "reference"}));
  cli.settings.bind(c, c->add_option("--max-steps", run->max_steps, "Refuse scripts with more steps")
                           ->check(CLI::Range(size_t(1), size_t(1) << 20))
                           ->capture_default_str(),
                    "sim.max_steps");
  c->add_flag("--force", run->force, "Replace existing output files");

  auto vl = std::make_shared<SimVerifyLogOptions>();
  c = add_command(*sim, cli, "verify-log", "Re-verify every record of a terminal log under the back-end key",
                  {"pairkit sim verify-log session/terminal-2345.jsonl --backend-pub session/backend.pub"},
                  [vl](Cli& c) { run_sim_verify_log(c, *vl); });
  c->add_option("LOG", vl->log, "Terminal log (JSON lines) ('-': stdin)")->required();
  c->add_option("--backend-pub", vl->backend_pub, "The back end's public key (SPKI PEM)")->required();
}

}  // namespace pairkit::cli
