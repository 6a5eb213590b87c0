// CA folder and request signing (see authority.hpp).
#include "pairkit/ca/authority.hpp"

#include <cstdio>
#include <sstream>

#include <botan/data_src.h>
#include <toml++/toml.h>

#include "pairkit/ca/crl.hpp"
#include "pairkit/core/db_location.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/core/toml_file.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/core/input_limits.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/x509.hpp"

namespace pairkit::ca {

using crypto::Profile;
using crypto::SubjectAltName;

namespace {

std::chrono::seconds builtin_valid_for(Profile p) {
  switch (p) {
    case Profile::terminal: return std::chrono::days(7);
    case Profile::server: return std::chrono::days(397);
    default: return std::chrono::days(1825);
  }
}

std::string config_text(const CaConfig& c, crypto::KeyType key_type, TimePoint created) {
  toml::table ca{{"name", c.name}, {"key_type", crypto::key_type_name(key_type)}, {"created", format_time(created)}};
  if (!c.key_uri.empty()) ca.insert("key", c.key_uri);
  toml::table t{
      {"ca", ca},
      {"crl", toml::table{{"next_update", format_duration(c.crl_next_update)}}},
      {"profiles", toml::table{{"terminal", toml::table{{"valid_for", format_duration(c.valid_for_of(Profile::terminal))}}},
                               {"server", toml::table{{"valid_for", format_duration(c.valid_for_of(Profile::server))}}},
                               {"intermediate",
                                toml::table{{"valid_for", format_duration(c.valid_for_of(Profile::intermediate))}}}}}};
  if (!c.index_url.empty()) t.insert("index", toml::table{{"url", c.index_url}});
  std::ostringstream os;
  os << "# pairkit CA: profile defaults (ca sign --valid-for and crl issue --next-update override them)\n" << t << "\n";
  return os.str();
}

CaConfig parse_config(const std::string& path) {
  toml::table t = read_toml_file(path, limits::kToml);
  CaConfig c;
  c.name = t["ca"]["name"].value_or(std::string());
  if (const auto k = t["ca"]["key"]) {
    const auto uri = k.value<std::string>();
    if (!uri || !crypto::is_pkcs11_uri(*uri)) throw InputError(path + ": ca.key must be the pkcs11: URI of the CA key");
    c.key_uri = *uri;
  }
  if (const auto u = t["index"]["url"]) {
    const auto url = u.value<std::string>();
    if (!url || url->empty()) throw InputError(path + ": index.url must be a postgresql:// URL or a path");
    try {
      parse_db_location(*url);
    } catch (const UsageError& e) {
      throw InputError(path + ": index.url: " + e.what());
    }
    c.index_url = *url;
  }
  auto duration_at = [&](const toml::node_view<toml::node>& n, const std::string& key) -> std::optional<std::chrono::seconds> {
    if (!n) return std::nullopt;
    const auto s = n.value<std::string>();
    if (!s) throw InputError(path + ": " + key + " must be a duration string such as \"7d\"");
    try {
      return parse_duration(*s);
    } catch (const UsageError& e) {
      throw InputError(path + ": " + key + ": " + e.what());
    }
  };
  if (auto d = duration_at(t["crl"]["next_update"], "crl.next_update")) c.crl_next_update = *d;
  if (const auto* profiles = t["profiles"].as_table()) {
    for (const auto& [name, node] : *profiles) {
      const std::string n(name.str());
      if (n != "terminal" && n != "server" && n != "intermediate")
        throw InputError(path + ": unknown profile '" + n + "' (terminal, server or intermediate)");
      if (auto d = duration_at(t["profiles"][n]["valid_for"], "profiles." + n + ".valid_for")) c.valid_for[n] = *d;
    }
  }
  return c;
}

}  // namespace

std::chrono::seconds CaConfig::valid_for_of(Profile p) const {
  if (auto it = valid_for.find(crypto::profile_name(p)); it != valid_for.end()) return it->second;
  return builtin_valid_for(p);
}

bool is_ca_profile(Profile p) { return p == Profile::terminal || p == Profile::server || p == Profile::intermediate; }

CaDir CaDir::init(const std::string& dir, const InitOptions& opts, Botan::RandomNumberGenerator& rng,
                  const Clock& clock) {
  for (const char* f : {kKeyFile, kCertFile, kConfigFile, kIndexFile})
    if (path_exists(dir + "/" + f)) throw InputError(dir + " already holds a CA (" + f + " exists); refusing to replace it");
  make_dirs(dir, kPrivateDirMode);
  std::unique_ptr<Botan::Private_Key> made_key;
  if (!opts.key) made_key = crypto::generate_key(opts.key_type, rng);
  const Botan::Private_Key* key = opts.key ? opts.key : made_key.get();
  const bool in_token = crypto::is_token_key(*key);
  crypto::CertSpec spec;
  spec.subject = opts.subject.to_dn();
  spec.profile = Profile::ca;
  spec.not_before = clock.now();
  spec.not_after = spec.not_before + opts.valid_for;
  const auto cert = crypto::self_sign(*key, spec, rng);
  CaConfig config;
  config.name = opts.subject.common_name;
  if (in_token) config.key_uri = crypto::token_key_uri(*key);

  std::vector<std::string> made;
  try {
    if (!in_token) {
      const std::string key_path = dir + "/" + kKeyFile;
      write_file_atomic(key_path, crypto::private_key_pem(*key, rng, opts.passphrase), {kPrivateFileMode, false});
      made.push_back(key_path);
    }
    const std::string cert_path = dir + "/" + kCertFile;
    write_file_atomic(cert_path, cert.PEM_encode(), {kPublicFileMode, false});
    made.push_back(cert_path);
    config.index_url = opts.index;
    const std::string index = CaDir(dir, cert, config).index_location();
    // A file there already is refused by create_index, and must not be removed.
    if (const auto where = parse_db_location(index); where.engine == DbEngine::sqlite && !path_exists(where.target))
      made.push_back(where.target);
    create_index(index);
    const std::string config_path = dir + "/" + kConfigFile;
    write_file_atomic(config_path, config_text(config, crypto::key_type_of(*key), spec.not_before), {kPublicFileMode, false});
  } catch (...) {
    for (const auto& p : made) {
      std::remove(p.c_str());
      std::remove((p + "-wal").c_str());
      std::remove((p + "-shm").c_str());
    }
    throw;
  }
  return CaDir(dir, cert, config);
}

CaDir CaDir::open(const std::string& dir) {
  const std::string cert_path = dir + "/" + kCertFile;
  if (!path_exists(cert_path) && !path_exists(dir + "/" + kConfigFile))
    throw InputError(dir + " is not a CA folder (no " + kCertFile + "; make one with 'pairkit ca init --dir " + dir + "')");
  auto cert = crypto::load_certificate(read_file(cert_path, limits::kObject), cert_path);
  auto config = parse_config(dir + "/" + kConfigFile);
  return CaDir(dir, std::move(cert), std::move(config));
}

std::string CaDir::index_location() const {
  const std::string& url = config_.index_url;
  if (url.empty()) return path(kIndexFile);
  const auto where = parse_db_location(url);
  if (where.engine == DbEngine::sqlite && !where.target.starts_with('/')) return dir_ + "/" + where.target;
  return url;
}

bool CaDir::key_encrypted() const {
  return key_uri().empty() && crypto::is_encrypted_private_key(read_file(path(kKeyFile), limits::kObject));
}

std::unique_ptr<Botan::Private_Key> CaDir::load_key(const std::optional<Botan::secure_vector<char>>& passphrase,
                                                    const crypto::TokenAccess* token) const {
  const bool in_token = !key_uri().empty();
  if (in_token && token == nullptr) throw InputError("the key of the CA in " + dir_ + " is in a token (" + key_uri() + ")");
  const std::string p = in_token ? key_uri() : path(kKeyFile);
  auto key = in_token ? crypto::load_token_key(crypto::parse_pkcs11_uri(key_uri()), *token)
                      : crypto::load_private_key(read_file(p, limits::kObject), p, passphrase);
  const std::unique_ptr<Botan::Public_Key> pub(cert_.subject_public_key());
  if (key->subject_public_key() != pub->subject_public_key())
    throw InputError(p + " does not hold the key of " + path(kCertFile));
  return key;
}

std::vector<SubjectAltName> profile_sans(Profile profile, const std::vector<SubjectAltName>& requested,
                                         const std::vector<SubjectAltName>& given) {
  using T = SubjectAltName::Type;
  auto allowed = [&](T t) { return profile != Profile::intermediate && t != T::email; };
  std::vector<SubjectAltName> out;
  auto overridden = [&](T t) {
    for (const auto& g : given)
      if (g.type == t) return true;
    return false;
  };
  for (const auto& r : requested)
    if (allowed(r.type) && !overridden(r.type) && std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  for (const auto& g : given)
    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  return out;
}

Botan::PKCS10_Request load_request(const std::vector<uint8_t>& data, const std::string& name) {
  std::string why;
  try {
    Botan::DataSource_Memory src(data);
    return Botan::PKCS10_Request(src);
  } catch (const std::exception& e) {
    why = e.what();
  }
  if (why.find("Bad signature") != std::string::npos)
    throw InputError(name + ": the request's signature does not verify (altered or damaged request); refused");
  crypto::load_csr(data, name);  // throws the precise complaint (garbage, a certificate, ...)
  throw InputError(name + " is not a usable certificate request (" + why + ")");
}

void check_sign_options(const SignOptions& opts) {
  if (opts.profile == Profile::intermediate && !opts.sans.empty())
    throw UsageError("the intermediate profile takes no --san");
}

PreparedRequest prepare_request(const Botan::PKCS10_Request& csr, const std::string& name, const CaDir& ca,
                                const SignOptions& opts) {
  PreparedRequest p;
  p.name = name;
  try {
    p.subject_key.reset(csr.subject_public_key());
  } catch (const std::exception& e) {
    throw InputError(name + ": unusable public key in the request (" + e.what() + ")");
  }
  // Botan 2's PKCS10_Request constructor has verified the self-signature
  // already (a bad one throws there), so `csr` is known to be intact.
  check_sign_options(opts);
  p.spec.subject = csr.subject_dn();
  if (p.spec.subject.empty()) throw InputError(name + ": the request has an empty subject");
  p.spec.profile = opts.profile;
  p.spec.sans = profile_sans(opts.profile, crypto::sans_of(csr.extensions()), opts.sans);
  if (opts.profile == Profile::server && p.spec.sans.empty())
    throw InputError(name + ": a server certificate needs at least one SAN (the request has none; add --san dns:NAME)");
  const auto ca_end = crypto::to_time_point(ca.cert().not_after());
  if (opts.now >= ca_end)
    throw InputError("the CA certificate " + ca.path(kCertFile) + " expired on " + format_time(ca_end));
  p.spec.not_before = opts.now;
  p.spec.not_after = opts.now + opts.valid_for.value_or(ca.config().valid_for_of(opts.profile));
  if (p.spec.not_after > ca_end) {
    p.spec.not_after = ca_end;
    p.clipped = true;
  }
  return p;
}

std::vector<Botan::X509_Certificate> issue_batch(IndexStore& db, crypto::Issuer& issuer,
                                                 std::span<const PreparedRequest> requests,
                                                 Botan::RandomNumberGenerator& rng) {
  // Sign outside the transaction: other `ca sign` processes on this CA wait
  // for the write lock only while a batch is recorded.
  std::vector<Botan::X509_Certificate> certs;
  certs.reserve(requests.size());
  for (const auto& r : requests) certs.push_back(issuer.issue(*r.subject_key, r.spec, crypto::random_serial(rng), rng));
  db.transaction([&] {
    for (size_t i = 0; i < certs.size(); ++i) {
      for (;;) {
        const auto& c = certs[i];
        IndexEntry e;
        e.serial = serial_hex(c.serial_number());
        e.subject = crypto::dn_to_string(c.subject_dn());
        e.profile = crypto::profile_name(requests[i].spec.profile);
        e.not_before = requests[i].spec.not_before;
        e.not_after = requests[i].spec.not_after;
        e.sha256 = crypto::fingerprint(c.BER_encode(), crypto::HashAlg::sha256, crypto::FpFormat::colon);
        e.pem = c.PEM_encode();
        e.delivered_to = requests[i].out;
        e.delivered = false;
        if (db.insert(e)) break;
        certs[i] = issuer.issue(*requests[i].subject_key, requests[i].spec, crypto::random_serial(rng), rng);
      }
    }
  });
  return certs;
}

}  // namespace pairkit::ca
