// A CA folder (key, certificate, ca.toml with profile defaults, index
// database) and signing requests into it: subject from the CSR, extensions
// from the profile only, random serials unique in the index, validity never
// past the CA's own.
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <botan/pk_keys.h>
#include <botan/pkcs10.h>
#include <botan/rng.h>
#include <botan/secmem.h>
#include <botan/x509cert.h>

#include "pairkit/ca/index_store.hpp"
#include "pairkit/core/clock.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/pkcs11.hpp"

namespace pairkit::ca {

inline constexpr const char* kKeyFile = "ca.key";
inline constexpr const char* kCertFile = "ca.crt";
inline constexpr const char* kConfigFile = "ca.toml";
inline constexpr const char* kIndexFile = "index.db";

/// ca.toml: the CA's name and the defaults of its profiles.
struct CaConfig {
  std::string name;
  std::chrono::seconds crl_next_update = std::chrono::days(7);
  std::map<std::string, std::chrono::seconds> valid_for;  ///< profile name -> default lifetime
  std::string key_uri;  ///< ca.key in ca.toml: the pkcs11: URI of a key in a token; empty for ca.key
  /// [index] url in ca.toml: where the index lives when not in CA_DIR/index.db
  /// (a postgresql:// URL shared by several gates; a path is taken relative to the CA folder).
  std::string index_url;

  /// The default lifetime of a profile (terminal 7d, server 397d, intermediate 1825d unless ca.toml says otherwise).
  std::chrono::seconds valid_for_of(crypto::Profile p) const;
};

struct InitOptions {
  crypto::Subject subject;
  crypto::KeyType key_type = crypto::KeyType::p256;
  /// A key to use instead of a new one. A token key stays in its token:
  /// ca.toml records its URI and no ca.key is written.
  const Botan::Private_Key* key = nullptr;
  std::chrono::seconds valid_for = std::chrono::weeks(520);
  std::optional<Botan::secure_vector<char>> passphrase;
  /// Where to create the index (a postgresql:// URL, or a path); empty:
  /// CA_DIR/index.db. Recorded in ca.toml as [index] url.
  std::string index;
};

/// The CA profiles `ca sign` accepts.
bool is_ca_profile(crypto::Profile p);

class CaDir {
public:
  /// Creates a CA in dir (0700): key (0600, encrypted with a passphrase if
  /// given), self-signed certificate, ca.toml, index.db (or the index at
  /// opts.index). Refuses a folder that holds any of them, and a database
  /// that holds a CA index already; on failure removes the files it made.
  static CaDir init(const std::string& dir, const InitOptions& opts, Botan::RandomNumberGenerator& rng,
                    const Clock& clock);
  /// Opens an existing CA (certificate and ca.toml; the key is read on demand).
  static CaDir open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  std::string path(const char* file) const { return dir_ + "/" + file; }
  const Botan::X509_Certificate& cert() const { return cert_; }
  const CaConfig& config() const { return config_; }

  bool key_encrypted() const;
  /// The pkcs11: URI of a CA key held in a token; empty when it is ca.key.
  const std::string& key_uri() const { return config_.key_uri; }
  /// The CA key; a wrong or missing passphrase is an InputError naming the
  /// file. A key in a token is reached through `token` (InputError without).
  std::unique_ptr<Botan::Private_Key> load_key(const std::optional<Botan::secure_vector<char>>& passphrase,
                                               const crypto::TokenAccess* token = nullptr) const;
  /// Where the index lives: ca.toml's [index] url, else CA_DIR/index.db.
  std::string index_location() const;
  std::unique_ptr<IndexStore> open_index() const { return ca::open_index(index_location()); }

private:
  CaDir(std::string dir, Botan::X509_Certificate cert, CaConfig config)
      : dir_(std::move(dir)), cert_(std::move(cert)), config_(std::move(config)) {}
  std::string dir_;
  Botan::X509_Certificate cert_;
  CaConfig config_;
};

struct SignOptions {
  crypto::Profile profile = crypto::Profile::terminal;
  std::optional<std::chrono::seconds> valid_for;  ///< default: the profile's in ca.toml
  std::vector<crypto::SubjectAltName> sans;      ///< --san: added; replaces requested names of the same type
  TimePoint now{};
};

/// Throws UsageError for options the profile cannot take (an intermediate
/// gets no SANs). prepare_request checks this too; a caller with many
/// requests calls it first, so a usage error comes before any request is read.
void check_sign_options(const SignOptions& opts);

/// A request that passed its checks, ready to be signed.
struct PreparedRequest {
  std::string name;  ///< file name, for messages
  crypto::CertSpec spec;
  std::shared_ptr<Botan::Public_Key> subject_key;
  bool clipped = false;  ///< validity was cut to the CA's notAfter
  std::string out;       ///< where the certificate will be written ("-": standard output), for the index
};

/// Parses a CSR (PEM or DER) once; Botan checks its self-signature while
/// parsing. Throws InputError naming `name`: "signature does not verify" for
/// a tampered request, the kind of object found for anything else.
Botan::PKCS10_Request load_request(const std::vector<uint8_t>& data, const std::string& name);

/// The SANs a certificate of `profile` gets: requested names of the types the
/// profile allows, with `given` names replacing requested ones of their type.
std::vector<crypto::SubjectAltName> profile_sans(crypto::Profile profile,
                                                 const std::vector<crypto::SubjectAltName>& requested,
                                                 const std::vector<crypto::SubjectAltName>& given);

/// Builds what will be signed from a parsed request (Botan verifies a CSR's
/// self-signature when it parses it, see load_request). Throws InputError
/// naming `name` for a server request without any SAN; UsageError for
/// options the profile cannot take.
PreparedRequest prepare_request(const Botan::PKCS10_Request& csr, const std::string& name, const CaDir& ca,
                                const SignOptions& opts);

/// Signs a batch with `issuer` (the CA's) and records it in the index in one
/// transaction, each certificate kept (PEM) and marked not yet delivered to
/// its request's `out` (IndexStore::mark_delivered, once written). Serials
/// are random; one the index already holds is drawn again and the
/// certificate re-signed. Returns the certificates in request order.
std::vector<Botan::X509_Certificate> issue_batch(IndexStore& db, crypto::Issuer& issuer,
                                                 std::span<const PreparedRequest> requests,
                                                 Botan::RandomNumberGenerator& rng);

}  // namespace pairkit::ca
