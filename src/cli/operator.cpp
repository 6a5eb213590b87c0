// pairkit operator add | list | remove: the people who decide on pairing
// requests, each with a TOTP second factor (pairkit-operator(1)).
#include <unistd.h>

#include <iostream>
#include <memory>

#include "groups.hpp"
#include "options.hpp"
#include "registry_options.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/totp.hpp"
#include "pairkit/pairing/registry.hpp"
#include "pairkit/qr/render.hpp"

namespace pairkit::cli {

namespace {

struct OperatorAddOptions {
  DbOptions db;
  std::string name, out, format;
  bool force = false;
};

struct OperatorNameOptions {
  DbOptions db;
  std::string name;
};

void run_add(Cli& cli, const OperatorAddOptions& o) {
  if (o.name.empty()) throw UsageError("--name is required");
  std::optional<qr::Format> format;
  if (!o.format.empty()) {
    format = qr::parse_format(o.format);
  } else if (!o.out.empty()) {
    format = qr::format_from_path(o.out);
    if (!format) throw UsageError("cannot tell the format from '" + o.out + "': use --format png|svg|pbm|utf8|ansi");
  }
  if (!o.out.empty() && o.out != "-" && path_exists(o.out) && !o.force)
    throw InputError(o.out + " exists; add --force to replace it");
  auto reg = open_registry(o.db, IfMissing::create);
  const auto secret = reg->add_operator(o.name, cli.rng(), cli.clock());
  const std::string uri = crypto::totp_uri(o.name, secret);

  // The QR code holds the secret as well: its file is private.
  std::string qr_file;
  const bool to_terminal = o.out.empty() && ::isatty(1) && !cli.json;
  if (!o.out.empty() || to_terminal) {
    qr::RenderOptions ro;
    ro.format = format.value_or(qr::Format::utf8);
    const bool text = ro.format == qr::Format::utf8 || ro.format == qr::Format::ansi;
    ro.scale = text ? 1 : 8;
    const std::string data = qr::render(qr::encode_symbol(uri, qr::Ecc::M), ro);
    if (!o.out.empty() && o.out != "-") {
      cli.write_output(o.out, data, {kPrivateFileMode, o.force});
      qr_file = o.out;
    } else if (!cli.json) {
      std::cout << uri << "\n" << data;
      cli.info("scan the code with a TOTP app (RFC 6238); it is shown only now");
      return;
    }
  }
  if (cli.json) {
    cli.emit_json({{"name", o.name}, {"uri", uri}, {"qr_file", qr_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(qr_file)}});
    return;
  }
  std::cout << uri << "\n";
  cli.info("enrolled operator " + o.name + (qr_file.empty() ? "" : "; the QR code is in " + qr_file + " (0600)") +
           ": add the URI to a TOTP app (RFC 6238); it is shown only now");
}

void run_list(Cli& cli, const DbOptions& o) {
  auto reg = open_registry(o, IfMissing::fail);
  const auto ops = reg->operators(cli.clock());
  auto locked = [](const pairing::OperatorRow& r) {
    return r.locked_until ? nlohmann::json(format_time(*r.locked_until)) : nlohmann::json(nullptr);
  };
  if (cli.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : ops)
      arr.push_back({{"name", r.name}, {"created_at", format_time(r.created_at)}, {"failures", r.failures},
                     {"locked_until", locked(r)}});
    cli.emit_json(arr);
    return;
  }
  if (ops.empty()) cli.info("no operators in " + o.location() + " (pairkit operator add)");
  for (const auto& r : ops) {
    std::cout << r.name << "  created " << format_time(r.created_at) << "  failures " << r.failures;
    if (r.locked_until) std::cout << "  locked until " << format_time(*r.locked_until);
    std::cout << "\n";
  }
  if (!reg->otp_required())
    cli.info("note: registry " + o.location() + " does not require a second factor yet (pairkit pair require-otp)");
}

void run_remove(Cli& cli, const OperatorNameOptions& o) {
  if (o.name.empty()) throw UsageError("--name is required");
  auto reg = open_registry(o.db, IfMissing::fail);
  reg->remove_operator(o.name, cli.clock());
  if (cli.json) {
    cli.emit_json({{"name", o.name}, {"removed", true}});
    return;
  }
  std::cout << "removed operator " << o.name << "\n";
}

}  // namespace

void add_operator_group(CLI::App& app, Cli& cli) {
  auto* group = add_group(app, "operator", "Operators who approve pairings, each with a TOTP second factor");

  auto add = std::make_shared<OperatorAddOptions>();
  auto* c = add_command(*group, cli, "add", "Enrol an operator: print the otpauth:// URI once and show it as a QR code",
                        {"pairkit operator add --db server/pairing.db --name alice",
                         "pairkit operator add --db server/pairing.db --name alice -o alice-otp.png"},
                        [add](Cli& c) { run_add(c, *add); });
  add_db_options(c, cli, add->db);
  c->add_option("--name", add->name, "The operator's name: 1-64 of A-Z a-z 0-9 . _ -");
  add_output_option(c, add->out, "the QR code (0600: it holds the secret; default: on the terminal)");
  c->add_option("--format", add->format, "png, svg, pbm, utf8 or ansi (default: from -o's extension)")
      ->check(CLI::IsMember({"png", "svg", "pbm", "utf8", "ansi"}));
  c->add_flag("--force", add->force, "Replace an existing QR file");

  auto list = std::make_shared<DbOptions>();
  c = add_command(*group, cli, "list", "List operators: created, wrong codes in a row, locked until",
                  {"pairkit operator list --db server/pairing.db", "pairkit --json operator list --db pairing.db"},
                  [list](Cli& c) { run_list(c, *list); });
  cli.mark_public_only(c);
  add_db_options(c, cli, *list);

  auto remove = std::make_shared<OperatorNameOptions>();
  c = add_command(*group, cli, "remove", "Remove an operator and their TOTP secret",
                  {"pairkit operator remove --db server/pairing.db --name alice"},
                  [remove](Cli& c) { run_remove(c, *remove); });
  cli.mark_public_only(c);
  add_db_options(c, cli, remove->db);
  c->add_option("--name", remove->name, "The operator's name");
}

}  // namespace pairkit::cli
