// Option helpers shared by several command groups, so that --type, --valid-for,
// --san and the subject fields read and validate the same way everywhere.
#pragma once
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "pairkit/ca/crl.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/san.hpp"

namespace pairkit::cli {

/// Checks a duration option's value (90s, 15m, 12h, 7d, 52w) while parsing,
/// with parse_duration's message.
CLI::Validator duration_check();

/// --type (default from settings key `key`, else p256).
CLI::Option* add_key_type_option(CLI::App* cmd, Cli& cli, std::string& type, const std::string& key = "key.type");

/// --valid-for DUR bound to a settings key.
CLI::Option* add_valid_for_option(CLI::App* cmd, Cli& cli, std::string& valid_for, const std::string& key,
                                  const std::string& what = "certificate lifetime");

/// --san dns:N|ip:A|uri:U|email:E (repeatable).
CLI::Option* add_san_option(CLI::App* cmd, std::vector<std::string>& sans);
std::vector<crypto::SubjectAltName> parse_sans(const std::vector<std::string>& specs);

/// --org, --ou, --country, --state, --locality (defaults from [subject]).
struct SubjectFlags {
  std::string organization, organizational_unit, country, state, locality;
  crypto::Subject subject(const std::string& common_name) const;
};
void add_subject_options(CLI::App* cmd, Cli& cli, SubjectFlags& flags);

/// --max-crl-size SIZE (settings key crl.max_size): how much of a CRL to read
/// before refusing it (pairkit(1), INPUT LIMITS).
CLI::Option* add_max_crl_size_option(CLI::App* cmd, Cli& cli, std::string& size);

/// Reads and indexes a CRL file ('-': stdin), refusing it past `max_size`
/// (that option's value; empty: the default limit) while reading.
ca::CrlIndex read_crl(Cli& cli, const std::string& file, const std::string& max_size);

/// -o FILE ('-' for stdout).
CLI::Option* add_output_option(CLI::App* cmd, std::string& out, const std::string& what);

}  // namespace pairkit::cli
