// A TLS key that stays in a PKCS#11 token, for OpenSSL: an EC key whose
// ECDSA method signs in the token (crypto::sign_digest), through pairkit's
// own PKCS#11 layer and its one login.
#pragma once
#include <memory>
#include <string>

#include <botan/pk_keys.h>
#include <openssl/ssl.h>

namespace pairkit::gate {

/// Installs a token key (from crypto::load_token_key) as ctx's private key;
/// the context keeps it alive. OpenSSL 3 keeps a key with its own method on
/// the legacy path, which calls that method for every signature. Only EC
/// keys (P-256, P-384) are bridged: InputError for others, naming `what`.
/// Throws InputError when the certificate already on ctx is not the key's.
void use_token_key(SSL_CTX* ctx, std::shared_ptr<const Botan::Private_Key> key, const std::string& what);

}  // namespace pairkit::gate
