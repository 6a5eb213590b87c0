// Key generation, encoding and loading on top of Botan.
#include "pairkit/crypto/keys.hpp"

#include <botan/data_src.h>
#include <botan/ec_group.h>
#include <botan/ecc_key.h>
#include <botan/ecdsa.h>
#include <botan/ed25519.h>
#include <botan/pem.h>
#include <botan/pkcs8.h>
#include <botan/rsa.h>
#include <botan/x509_key.h>

#include "pairkit/core/error.hpp"

namespace pairkit::crypto {

const std::vector<std::string>& key_type_names() {
  static const std::vector<std::string> names = {"p256", "p384", "ed25519", "rsa2048", "rsa3072", "rsa4096"};
  return names;
}

KeyType parse_key_type(std::string_view name) {
  static const KeyType types[] = {KeyType::p256,    KeyType::p384,    KeyType::ed25519,
                                  KeyType::rsa2048, KeyType::rsa3072, KeyType::rsa4096};
  const auto& names = key_type_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return types[i];
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
  throw UsageError("unknown key type '" + std::string(name) + "' (expected one of: " + all + ")");
}

std::string key_type_name(KeyType t) { return key_type_names().at(static_cast<size_t>(t)); }

KeyType key_type_of(const Botan::Public_Key& key) {
  const std::string algo = key.algo_name();
  if (algo == "Ed25519") return KeyType::ed25519;
  if (algo == "RSA") {
    switch (key.key_length()) {
      case 2048: return KeyType::rsa2048;
      case 3072: return KeyType::rsa3072;
      case 4096: return KeyType::rsa4096;
      default: throw InputError("unsupported RSA key size " + std::to_string(key.key_length()));
    }
  }
  if (algo == "ECDSA") {
    const auto& ec = dynamic_cast<const Botan::EC_PublicKey&>(key);
    const std::string curve = ec.domain().get_curve_oid().to_formatted_string();
    if (curve == "secp256r1") return KeyType::p256;
    if (curve == "secp384r1") return KeyType::p384;
    throw InputError("unsupported elliptic curve " + curve);
  }
  throw InputError("unsupported key algorithm " + algo);
}

std::unique_ptr<Botan::Private_Key> generate_key(KeyType type, Botan::RandomNumberGenerator& rng) {
  switch (type) {
    case KeyType::p256: return std::make_unique<Botan::ECDSA_PrivateKey>(rng, Botan::EC_Group("secp256r1"));
    case KeyType::p384: return std::make_unique<Botan::ECDSA_PrivateKey>(rng, Botan::EC_Group("secp384r1"));
    case KeyType::ed25519: return std::make_unique<Botan::Ed25519_PrivateKey>(rng);
    case KeyType::rsa2048: return std::make_unique<Botan::RSA_PrivateKey>(rng, 2048);
    case KeyType::rsa3072: return std::make_unique<Botan::RSA_PrivateKey>(rng, 3072);
    case KeyType::rsa4096: return std::make_unique<Botan::RSA_PrivateKey>(rng, 4096);
  }
  throw UsageError("unknown key type");
}

std::string private_key_pem(const Botan::Private_Key& key, Botan::RandomNumberGenerator& rng,
                            const std::optional<Botan::secure_vector<char>>& passphrase) {
  if (!passphrase) return Botan::PKCS8::PEM_encode(key);
  const std::string pass(passphrase->begin(), passphrase->end());
  return Botan::PKCS8::PEM_encode_encrypted_pbkdf_iter(key, rng, pass, kPbkdf2Iterations, "AES-256/CBC",
                                                       "SHA-256");
}

std::string public_key_pem(const Botan::Public_Key& key) { return Botan::X509::PEM_encode(key); }

bool is_encrypted_private_key(const std::vector<uint8_t>& data) {
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  return text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos;
}

std::unique_ptr<Botan::Private_Key> load_private_key(const std::vector<uint8_t>& data, const std::string& name,
                                                     const std::optional<Botan::secure_vector<char>>& passphrase) {
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  if (text.find("-----BEGIN RSA PRIVATE KEY-----") != std::string_view::npos ||
      text.find("-----BEGIN EC PRIVATE KEY-----") != std::string_view::npos)
    throw InputError(name + " holds a legacy (non-PKCS#8) key: convert it with 'openssl pkcs8 -topk8'");
  const bool encrypted = is_encrypted_private_key(data);
  if (encrypted && !passphrase)
    throw InputError(name + " is encrypted: give --passphrase-file or --passphrase-env");
  try {
    Botan::DataSource_Memory src(data);
    std::unique_ptr<Botan::Private_Key> key;
    if (encrypted) {
      const std::string pass(passphrase->begin(), passphrase->end());
      key = Botan::PKCS8::load_key(src, pass);
    } else {
      key = Botan::PKCS8::load_key(src);
    }
    if (!key) throw InputError(name + " holds no private key");
    return key;
  } catch (const Botan::Decoding_Error& e) {
    if (encrypted) throw InputError("cannot decrypt " + name + ": wrong passphrase, or the file is damaged");
    throw InputError(name + " is not a PKCS#8 private key (" + e.what() + ")");
  } catch (const Botan::Exception& e) {
    if (encrypted) throw InputError("cannot decrypt " + name + ": wrong passphrase, or the file is damaged");
    throw InputError(name + " is not a private key pairkit can read (" + e.what() + ")");
  }
}

std::unique_ptr<Botan::Public_Key> load_public_key(const std::vector<uint8_t>& data, const std::string& name) {
  try {
    Botan::DataSource_Memory src(data);
    return std::unique_ptr<Botan::Public_Key>(Botan::X509::load_key(src));
  } catch (const std::exception& e) {
    throw InputError(name + " is not a public key (SubjectPublicKeyInfo PEM or DER): " + e.what());
  }
}

std::string describe_key(const Botan::Public_Key& key) {
  switch (key_type_of(key)) {
    case KeyType::p256: return "ECDSA P-256";
    case KeyType::p384: return "ECDSA P-384";
    case KeyType::ed25519: return "Ed25519";
    default: return "RSA " + std::to_string(key.key_length()) + " bits";
  }
}

std::string signature_hash_for(const Botan::Public_Key& key) {
  if (key.algo_name() == "Ed25519") return "Pure";
  if (key.algo_name() == "ECDSA" && key_type_of(key) == KeyType::p384) return "SHA-384";
  return "SHA-256";
}

}  // namespace pairkit::crypto
