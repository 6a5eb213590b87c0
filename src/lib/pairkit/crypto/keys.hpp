// Private keys: the supported types, generation, PKCS#8 PEM encoding (plain
// or PBES2-encrypted) and loading.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <botan/pk_keys.h>
#include <botan/rng.h>
#include <botan/secmem.h>

namespace pairkit::crypto {

enum class KeyType { p256, p384, ed25519, rsa2048, rsa3072, rsa4096 };

/// The names the command line accepts, in preference order.
const std::vector<std::string>& key_type_names();
/// Parses "p256" ... "rsa4096"; throws UsageError listing the valid names.
KeyType parse_key_type(std::string_view name);
std::string key_type_name(KeyType t);
/// The type of an existing key ("p256", "rsa2048", ...); throws InputError
/// for keys pairkit does not handle.
KeyType key_type_of(const Botan::Public_Key& key);

/// A fresh private key of the given type.
std::unique_ptr<Botan::Private_Key> generate_key(KeyType type, Botan::RandomNumberGenerator& rng);

/// PBKDF2-HMAC-SHA256 iterations for encrypted PKCS#8 (OWASP 2023 figure).
inline constexpr size_t kPbkdf2Iterations = 600000;

/// PKCS#8 PEM; with a passphrase, PBES2 (PBKDF2-SHA256, AES-256-CBC), which
/// openssl reads.
std::string private_key_pem(const Botan::Private_Key& key, Botan::RandomNumberGenerator& rng,
                            const std::optional<Botan::secure_vector<char>>& passphrase = std::nullopt);

/// SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
std::string public_key_pem(const Botan::Public_Key& key);

/// True if the bytes hold an encrypted PKCS#8 key.
bool is_encrypted_private_key(const std::vector<uint8_t>& data);

/// Loads a PKCS#8 private key (PEM or DER). `name` labels errors. A missing
/// passphrase for an encrypted key, or a wrong one, throws InputError.
std::unique_ptr<Botan::Private_Key> load_private_key(const std::vector<uint8_t>& data, const std::string& name,
                                                     const std::optional<Botan::secure_vector<char>>& passphrase);

/// Loads a SubjectPublicKeyInfo (PEM or DER). `name` labels errors: anything
/// else throws InputError.
std::unique_ptr<Botan::Public_Key> load_public_key(const std::vector<uint8_t>& data, const std::string& name);

/// Human description: "ECDSA P-256 (256 bits)", "RSA 2048 bits", "Ed25519".
std::string describe_key(const Botan::Public_Key& key);

/// The hash pairkit signs with for a key: SHA-384 for P-384, SHA-256 otherwise
/// ("Pure" for Ed25519).
std::string signature_hash_for(const Botan::Public_Key& key);

}  // namespace pairkit::crypto
