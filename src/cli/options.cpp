// Shared option definitions.
#include "options.hpp"

#include "pairkit/core/byte_size.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/keys.hpp"

namespace pairkit::cli {

CLI::Validator duration_check() {
  return CLI::Validator(
      [](const std::string& v) {
        parse_duration(v);
        return std::string();
      },
      "");  // no description: --help shows the option as it did
}

namespace {
size_t crl_limit(const std::string& text) {
  if (text.empty()) return limits::kCrlDefault;
  const uint64_t n = parse_byte_size(text);
  if (n > limits::kCrlMax)
    throw UsageError("--max-crl-size " + text + " is more than pairkit reads of a CRL (" +
                     format_byte_size(limits::kCrlMax) + ")");
  return static_cast<size_t>(n);
}
}  // namespace

CLI::Option* add_max_crl_size_option(CLI::App* cmd, Cli& cli, std::string& size) {
  auto* opt = cmd->add_option("--max-crl-size", size,
                              "Refuse a CRL larger than this (bytes, or with K, M or G; default " +
                                  format_byte_size(limits::kCrlDefault) + ", at most " +
                                  format_byte_size(limits::kCrlMax) + ")")
                  ->check([](const std::string& v) {
                    crl_limit(v);
                    return std::string();
                  });
  cli.settings.bind(cmd, opt, "crl.max_size");
  return opt;
}

ca::CrlIndex read_crl(Cli& cli, const std::string& file, const std::string& max_size) {
  std::vector<uint8_t> data;
  try {
    data = cli.read_input(file, crl_limit(max_size));
  } catch (const InputTooLarge& e) {
    throw InputTooLarge(std::string(e.what()) + ", the limit for a CRL (raise it with --max-crl-size or crl.max_size)");
  }
  return ca::CrlIndex(std::move(data), Cli::display_name(file));
}

CLI::Option* add_key_type_option(CLI::App* cmd, Cli& cli, std::string& type, const std::string& key) {
  std::string choices;  // shown in --help and offered by the completions
  for (const auto& n : crypto::key_type_names()) choices += (choices.empty() ? "" : ",") + n;
  auto* opt = cmd->add_option("--type", type, "Key type: p256, p384, ed25519, rsa2048, rsa3072 or rsa4096")
                  ->check([](const std::string& v) {
                    crypto::parse_key_type(v);
                    return std::string();
                  })
                  ->type_name("TEXT:{" + choices + "}")
                  ->capture_default_str();
  cli.settings.bind(cmd, opt, key);
  return opt;
}

CLI::Option* add_valid_for_option(CLI::App* cmd, Cli& cli, std::string& valid_for, const std::string& key,
                                  const std::string& what) {
  auto* opt = cmd->add_option("--valid-for", valid_for, "Duration: " + what + " (90s, 15m, 12h, 7d, 52w)")
                  ->check(duration_check())
                  ->capture_default_str();
  cli.settings.bind(cmd, opt, key);
  return opt;
}

CLI::Option* add_san_option(CLI::App* cmd, std::vector<std::string>& sans) {
  return cmd->add_option("--san", sans, "Subject alternative name: dns:NAME, ip:ADDR (IPv4 or IPv6), uri:URI, email:ADDR")
      ->check([](const std::string& v) {
        crypto::parse_san(v);
        return std::string();
      });
}

std::vector<crypto::SubjectAltName> parse_sans(const std::vector<std::string>& specs) {
  std::vector<crypto::SubjectAltName> out;
  for (const auto& s : specs) {
    auto san = crypto::parse_san(s);
    if (std::find(out.begin(), out.end(), san) == out.end()) out.push_back(std::move(san));
  }
  return out;
}

crypto::Subject SubjectFlags::subject(const std::string& common_name) const {
  crypto::Subject s;
  s.common_name = common_name;
  s.organization = organization;
  s.organizational_unit = organizational_unit;
  s.country = country;
  s.state = state;
  s.locality = locality;
  if (!s.country.empty() && s.country.size() != 2)
    throw UsageError("--country must be a two-letter ISO 3166 code, not '" + s.country + "'");
  return s;
}

void add_subject_options(CLI::App* cmd, Cli& cli, SubjectFlags& f) {
  cli.settings.bind(cmd, cmd->add_option("--org", f.organization, "Subject organization (O)"), "subject.organization");
  cli.settings.bind(cmd, cmd->add_option("--ou", f.organizational_unit, "Subject organizational unit (OU)"),
                    "subject.organizational_unit");
  cli.settings.bind(cmd, cmd->add_option("--country", f.country, "Subject country (C), two letters"), "subject.country");
  cli.settings.bind(cmd, cmd->add_option("--state", f.state, "Subject state or province (ST)"), "subject.state");
  cli.settings.bind(cmd, cmd->add_option("--locality", f.locality, "Subject locality (L)"), "subject.locality");
}

CLI::Option* add_output_option(CLI::App* cmd, std::string& out, const std::string& what) {
  return cmd->add_option("-o,--out", out, "Write " + what + " to this file ('-': stdout)")->capture_default_str();
}

}  // namespace pairkit::cli
