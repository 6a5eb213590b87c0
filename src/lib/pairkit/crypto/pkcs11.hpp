// Keys that stay in a PKCS#11 token (an HSM, a smart card, a TPM behind its
// PKCS#11 module): loading them as Botan private keys whose signatures run
// in the token, reading their public part, and generating them there.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <botan/pk_keys.h>
#include <botan/secmem.h>

#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/pkcs11_uri.hpp"

namespace pairkit::crypto {

/// Asked for a token's user PIN, at most once per token in a process, and
/// only when the token needs a login; nullopt when there is none to give.
using PinPrompt = std::function<std::optional<Botan::secure_vector<char>>(const std::string& token_label)>;

/// How to reach tokens: the module (a shared library path) and the PIN.
struct TokenAccess {
  std::string module_path;
  PinPrompt pin;
};

/// The private key the URI names, as a Botan private key whose signature
/// operations call C_Sign in the token (ECDSA, RSA PKCS#1 v1.5 and PSS,
/// EdDSA); its public part comes from the token. Everything that signs with
/// a Botan::Private_Key (certificates, CSRs, CRLs, TLS client
/// authentication) works with it unchanged; exporting it throws InputError.
/// The token is logged in once per process. Throws InputError naming the
/// token and object for: a module that is not one, no token or several
/// tokens matching, a wrong or locked PIN, no such private key, an object of
/// another class, a key type pairkit does not sign with, a token removed.
std::unique_ptr<Botan::Private_Key> load_token_key(const Pkcs11Uri& uri, const TokenAccess& access);

/// The public key of the key pair the URI names (its public object, else the
/// private key's public attributes), logging in only when the token hides them.
std::unique_ptr<Botan::Public_Key> load_token_public_key(const Pkcs11Uri& uri, const TokenAccess& access);

/// A key pair generated in the token: private key sensitive, not
/// extractable, CKA_TOKEN; labelled with the URI's object=, with the URI's
/// id= or 16 random bytes as CKA_ID. Refuses (InputError) when the token
/// already holds an object with that label or ID, unless `replace`: then the
/// old pair is destroyed once the new one exists. Returns the key and the
/// URI that names it from now on (token, object, id, type=private).
struct GeneratedTokenKey {
  std::unique_ptr<Botan::Private_Key> key;
  std::string uri;
};
GeneratedTokenKey generate_token_key(const Pkcs11Uri& uri, KeyType type, const TokenAccess& access, bool replace);

/// True for keys from load_token_key and generate_token_key.
bool is_token_key(const Botan::Private_Key& key);

/// The URI of a token key, canonical, without pin-source or module-path.
std::string token_key_uri(const Botan::Private_Key& key);

/// Signs a digest already computed (for TLS libraries that hash first): an
/// ECDSA key returns r||s, each as long as the group order; an RSA key
/// returns the PKCS#1 v1.5 signature of `digest` under `hash`'s DigestInfo
/// ("SHA-256", "SHA-384", "SHA-512"). Throws InputError as load_token_key.
std::vector<uint8_t> sign_digest(const Botan::Private_Key& token_key, const std::vector<uint8_t>& digest,
                                 const std::string& hash);

/// Closes the sessions of the tokens no key holds any more and finalizes
/// their modules. A process that used tokens calls it before it exits: a
/// module's own static state may be gone by the time static destructors run.
void close_tokens() noexcept;

}  // namespace pairkit::crypto
