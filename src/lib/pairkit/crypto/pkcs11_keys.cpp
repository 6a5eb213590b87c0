// Token keys as Botan keys (see pkcs11.hpp): the public part read from the
// token, the signature operation a C_Sign.
#include <botan/ber_dec.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/ed25519.h>
#include <botan/hash.h>
#include <botan/hash_id.h>
#include <botan/pk_ops.h>
#include <botan/rsa.h>
#include <botan/scan_name.h>
#include <botan/system_rng.h>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/pkcs11.hpp"
#include "pairkit/crypto/pkcs11_token.hpp"

namespace pairkit::crypto {

namespace {

using p11::Token;

enum class Kind { ecdsa, rsa, ed25519 };

// What a token key is: the object, its token, and the URI that names it.
struct KeyRef {
  std::shared_ptr<Token> token;
  CK_OBJECT_HANDLE handle;
  Kind kind;
  size_t signature_bytes;  // ECDSA r||s, RSA modulus, Ed25519 64
  std::string uri;
};

class TokenKey {
public:
  explicit TokenKey(KeyRef ref) : ref_(std::move(ref)) {}
  virtual ~TokenKey() = default;
  const KeyRef& ref() const { return ref_; }

private:
  KeyRef ref_;
};

// The data C_Sign takes for a digest: ECDSA signs it as is, RSA PKCS#1 v1.5
// signs its DigestInfo.
std::vector<uint8_t> sign_hashed(const KeyRef& k, const std::vector<uint8_t>& digest, const std::string& hash,
                                 bool pss) {
  if (k.kind == Kind::ecdsa) {
    CK_MECHANISM m{CKM_ECDSA, nullptr, 0};
    auto sig = k.token->sign(k.handle, m, digest.data(), digest.size(), k.signature_bytes);
    if (sig.size() != k.signature_bytes)
      throw InputError(k.token->name() + " answered an ECDSA signature of " + std::to_string(sig.size()) +
                       " bytes, not " + std::to_string(k.signature_bytes));
    return sig;
  }
  if (pss) {
    CK_RSA_PKCS_PSS_PARAMS params{};
    if (hash == "SHA-256") params = {CKM_SHA256, CKG_MGF1_SHA256, 32};
    else if (hash == "SHA-384") params = {CKM_SHA384, CKG_MGF1_SHA384, 48};
    else if (hash == "SHA-512") params = {CKM_SHA512, CKG_MGF1_SHA512, 64};
    else throw InputError(k.token->name() + ": RSA-PSS with " + hash + " is not supported");
    CK_MECHANISM m{CKM_RSA_PKCS_PSS, &params, sizeof params};
    return k.token->sign(k.handle, m, digest.data(), digest.size(), k.signature_bytes);
  }
  std::vector<uint8_t> info = Botan::pkcs_hash_id(hash);
  info.insert(info.end(), digest.begin(), digest.end());
  CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
  return k.token->sign(k.handle, m, info.data(), info.size(), k.signature_bytes);
}

// Botan asks for "EMSA1(SHA-256)" (ECDSA), "EMSA3(SHA-256)" (PKCS#1 v1.5),
// "EMSA4(SHA-256)" or "PSSR(SHA-256)" (PSS), "Pure" (Ed25519).
class Signature final : public Botan::PK_Ops::Signature {
public:
  Signature(const KeyRef& k, const std::string& params) : k_(k) {
    if (k.kind == Kind::ed25519) {
      if (params != "Pure" && !params.empty())
        throw InputError(k.token->name() + ": Ed25519 signs messages whole, not '" + params + "'");
      return;
    }
    const Botan::SCAN_Name req(params);
    const std::string& pad = req.algo_name();
    const bool wrapped = pad == "EMSA1" || pad == "EMSA3" || pad == "EMSA_PKCS1" || pad == "PKCS1v15" ||
                         pad == "EMSA4" || pad == "PSSR" || pad == "PSS";
    pss_ = pad == "EMSA4" || pad == "PSSR" || pad == "PSS";
    hash_name_ = wrapped ? req.arg(0) : pad;
    hash_ = Botan::HashFunction::create(hash_name_);
    if (!hash_ || (k.kind == Kind::ecdsa && (pad == "EMSA3" || pss_)) || (k.kind == Kind::rsa && pad == "EMSA1"))
      throw InputError(k.token->name() + ": cannot sign with '" + params + "'");
  }
  void update(const uint8_t msg[], size_t len) override {
    if (hash_) hash_->update(msg, len);
    else message_.insert(message_.end(), msg, msg + len);
  }
  Botan::secure_vector<uint8_t> sign(Botan::RandomNumberGenerator&) override {
    std::vector<uint8_t> sig;
    if (k_.kind == Kind::ed25519) {
      CK_MECHANISM m{CKM_EDDSA, nullptr, 0};
      sig = k_.token->sign(k_.handle, m, message_.data(), message_.size(), 64);
      message_.clear();
    } else {
      sig = sign_hashed(k_, hash_->final_stdvec(), hash_name_, pss_);
    }
    return Botan::secure_vector<uint8_t>(sig.begin(), sig.end());
  }
  size_t signature_length() const override { return k_.signature_bytes; }

private:
  KeyRef k_;
  std::unique_ptr<Botan::HashFunction> hash_;
  std::string hash_name_;
  bool pss_ = false;
  std::vector<uint8_t> message_;
};

[[noreturn]] void no_export(const KeyRef& k) {
  throw InputError("the private key " + k.uri + " stays in " + k.token->name() + ": it cannot be exported");
}

class EcdsaKey final : public Botan::ECDSA_PublicKey, public Botan::Private_Key, public TokenKey {
public:
  EcdsaKey(const Botan::EC_Group& g, const Botan::PointGFp& p, KeyRef ref)
      : Botan::EC_PublicKey(g, p), Botan::ECDSA_PublicKey(g, p), TokenKey(std::move(ref)) {}
  Botan::secure_vector<uint8_t> private_key_bits() const override { no_export(ref()); }
  std::unique_ptr<Botan::PK_Ops::Signature> create_signature_op(Botan::RandomNumberGenerator&,
                                                                 const std::string& params,
                                                                 const std::string&) const override {
    return std::make_unique<Signature>(ref(), params);
  }
};

class RsaKey final : public Botan::RSA_PublicKey, public Botan::Private_Key, public TokenKey {
public:
  RsaKey(const Botan::BigInt& n, const Botan::BigInt& e, KeyRef ref)
      : Botan::RSA_PublicKey(n, e), TokenKey(std::move(ref)) {}
  Botan::secure_vector<uint8_t> private_key_bits() const override { no_export(ref()); }
  std::unique_ptr<Botan::PK_Ops::Signature> create_signature_op(Botan::RandomNumberGenerator&,
                                                                 const std::string& params,
                                                                 const std::string&) const override {
    return std::make_unique<Signature>(ref(), params);
  }
};

class Ed25519Key final : public Botan::Ed25519_PublicKey, public Botan::Private_Key, public TokenKey {
public:
  Ed25519Key(const std::vector<uint8_t>& pub, KeyRef ref) : Botan::Ed25519_PublicKey(pub), TokenKey(std::move(ref)) {}
  Botan::secure_vector<uint8_t> private_key_bits() const override { no_export(ref()); }
  std::unique_ptr<Botan::PK_Ops::Signature> create_signature_op(Botan::RandomNumberGenerator&,
                                                                 const std::string& params,
                                                                 const std::string&) const override {
    return std::make_unique<Signature>(ref(), params);
  }
};

const char* class_name(CK_OBJECT_CLASS c) {
  switch (c) {
    case CKO_PUBLIC_KEY: return "a public key";
    case CKO_SECRET_KEY: return "a secret key";
    case CKO_CERTIFICATE: return "a certificate";
    case CKO_DATA: return "a data object";
    default: return "not a key";
  }
}

std::string describe_uri_object(const Pkcs11Uri& uri) {
  if (uri.object) return "'" + *uri.object + "'";
  if (uri.id) return "with the URI's id";
  return "at all";
}

// CKA_EC_POINT is a DER OCTET STRING around the point; some modules give the bare point.
std::vector<uint8_t> unwrap_point(const std::vector<uint8_t>& v, size_t bare_size, bool bare_starts_04) {
  if (v.size() == bare_size && (!bare_starts_04 || v[0] == 0x04)) return v;
  std::vector<uint8_t> inner;
  Botan::BER_Decoder(v).decode(inner, Botan::OCTET_STRING).verify_end();
  return inner;
}

// The public attributes of the key pair (the private object, else the
// public object with the same CKA_ID).
std::optional<std::vector<uint8_t>> public_attribute(Token& t, CK_OBJECT_HANDLE priv, CK_ATTRIBUTE_TYPE type) {
  if (auto v = t.attribute(priv, type)) return v;
  const auto id = t.attribute(priv, CKA_ID);
  if (!id) return std::nullopt;
  Pkcs11Uri by_id;
  by_id.id = *id;
  for (CK_OBJECT_HANDLE h : t.find_objects(by_id, CKO_PUBLIC_KEY))
    if (auto v = t.attribute(h, type)) return v;
  return std::nullopt;
}

std::string uri_of(Token& t, CK_OBJECT_HANDLE h, const char* type) {
  Pkcs11Uri u;
  u.token = t.label();
  if (auto label = t.attribute(h, CKA_LABEL); label && !label->empty()) u.object = std::string(label->begin(), label->end());
  if (auto id = t.attribute(h, CKA_ID); id && !id->empty()) u.id = *id;
  u.type = type;
  return format_pkcs11_uri(u);
}

// A Botan key for the object h (a private key, or a public key when `priv` is false).
std::unique_ptr<Botan::Public_Key> make_key(const std::shared_ptr<Token>& t, CK_OBJECT_HANDLE h, bool priv) {
  const CK_ULONG key_type = t->ulong_attribute(h, CKA_KEY_TYPE);
  const auto need = [&](CK_ATTRIBUTE_TYPE a, const char* what) {
    auto v = priv ? public_attribute(*t, h, a) : t->attribute(h, a);
    if (!v) throw InputError(t->name() + ": the key has no readable " + what);
    return *v;
  };
  KeyRef ref{t, h, Kind::ecdsa, 0, priv ? uri_of(*t, h, "private") : std::string()};
  try {
    if (key_type == CKK_EC) {
      const auto params = need(CKA_EC_PARAMS, "curve (CKA_EC_PARAMS)");
      const Botan::EC_Group group(params.data(), params.size());
      const std::string curve = group.get_curve_oid().to_formatted_string();
      if (curve != "secp256r1" && curve != "secp384r1")
        throw InputError(t->name() + ": the key's curve " + curve + " is not one pairkit signs with (P-256, P-384)");
      const size_t field = group.get_p_bytes();
      const auto point = unwrap_point(need(CKA_EC_POINT, "public point (CKA_EC_POINT)"), 2 * field + 1, true);
      ref.signature_bytes = 2 * group.get_order_bytes();
      if (!priv) return std::make_unique<Botan::ECDSA_PublicKey>(group, group.OS2ECP(point));
      return std::make_unique<EcdsaKey>(group, group.OS2ECP(point), std::move(ref));
    }
    if (key_type == CKK_RSA) {
      const auto n = need(CKA_MODULUS, "modulus");
      const auto e = need(CKA_PUBLIC_EXPONENT, "public exponent");
      const Botan::BigInt bn(n.data(), n.size()), be(e.data(), e.size());
      if (bn.bits() < 2048) throw InputError(t->name() + ": RSA keys under 2048 bits are not signed with");
      ref.kind = Kind::rsa;
      ref.signature_bytes = bn.bytes();
      if (!priv) return std::make_unique<Botan::RSA_PublicKey>(bn, be);
      return std::make_unique<RsaKey>(bn, be, std::move(ref));
    }
    if (key_type == CKK_EC_EDWARDS) {
      const auto point = unwrap_point(need(CKA_EC_POINT, "public point (CKA_EC_POINT)"), 32, false);
      if (point.size() != 32) throw InputError(t->name() + ": the key is an Edwards curve other than Ed25519");
      ref.kind = Kind::ed25519;
      ref.signature_bytes = 64;
      if (!priv) return std::make_unique<Botan::Ed25519_PublicKey>(point);
      return std::make_unique<Ed25519Key>(point, std::move(ref));
    }
  } catch (const Botan::Exception& e) {
    throw InputError(t->name() + ": the key's public part is malformed: " + e.what());
  }
  throw InputError(t->name() + ": the key's type (CKK " + std::to_string(key_type) +
                   ") is not one pairkit signs with (EC P-256/P-384, RSA, Ed25519)");
}

CK_OBJECT_HANDLE find_private_key(Token& t, const Pkcs11Uri& uri) {
  if (uri.type && *uri.type != "private")
    throw InputError(uri.text + " names a " + (*uri.type == "secret-key" ? std::string("secret key") : *uri.type) +
                     " object (type=" + *uri.type + "): a private key is needed to sign");
  t.login();
  const auto keys = t.find_objects(uri, CKO_PRIVATE_KEY);
  if (keys.size() == 1) return keys.front();
  if (keys.size() > 1)
    throw InputError(uri.text + " matches " + std::to_string(keys.size()) + " private keys in " + t.name() +
                     ": add object= or id=");
  if (uri.object || uri.id) {
    const auto others = t.find_objects(uri, std::nullopt);
    if (!others.empty())
      throw InputError("the object " + describe_uri_object(uri) + " in " + t.name() + " is " +
                       class_name(t.ulong_attribute(others.front(), CKA_CLASS)) + ", not a private key");
  }
  throw InputError("no private key " + describe_uri_object(uri) + " in " + t.name());
}

const TokenKey& token_key_of(const Botan::Private_Key& key) {
  const auto* k = dynamic_cast<const TokenKey*>(&key);
  if (k == nullptr) throw InputError("not a key in a token");
  return *k;
}

void add_bool(std::vector<CK_ATTRIBUTE>& t, CK_ATTRIBUTE_TYPE type, const CK_BBOOL& v) {
  t.push_back({type, const_cast<CK_BBOOL*>(&v), sizeof v});
}

}  // namespace

std::unique_ptr<Botan::Private_Key> load_token_key(const Pkcs11Uri& uri, const TokenAccess& access) {
  auto t = Token::find(uri, access);
  const CK_OBJECT_HANDLE h = find_private_key(*t, uri);
  if (auto can_sign = t->attribute(h, CKA_SIGN); can_sign && can_sign->size() == 1 && (*can_sign)[0] == CK_FALSE)
    throw InputError("the private key " + describe_uri_object(uri) + " in " + t->name() + " may not sign (CKA_SIGN false)");
  auto key = make_key(t, h, true);
  return std::unique_ptr<Botan::Private_Key>(dynamic_cast<Botan::Private_Key*>(key.release()));
}

std::unique_ptr<Botan::Public_Key> load_token_public_key(const Pkcs11Uri& uri, const TokenAccess& access) {
  auto t = Token::find(uri, access);
  // A private key's URI (type=private, as key gen prints it) names the pair
  // too: its public object, with the same label and id, needs no login.
  if (!uri.type || *uri.type == "public" || *uri.type == "private") {
    const auto pubs = t->find_objects(uri, CKO_PUBLIC_KEY);
    if (pubs.size() == 1) return make_key(t, pubs.front(), false);
    if (pubs.size() > 1)
      throw InputError(uri.text + " matches " + std::to_string(pubs.size()) + " public keys in " + t->name() +
                       ": add object= or id=");
    if (uri.type && *uri.type == "public")
      throw InputError("no public key " + describe_uri_object(uri) + " in " + t->name());
  }
  Pkcs11Uri as_private = uri;
  as_private.type.reset();
  const CK_OBJECT_HANDLE h = find_private_key(*t, as_private);
  auto key = make_key(t, h, true);
  return key;
}

GeneratedTokenKey generate_token_key(const Pkcs11Uri& uri, KeyType type, const TokenAccess& access, bool replace) {
  if (!uri.object) throw UsageError("a key made in a token needs a label: add object=NAME to " + uri.text);
  if (uri.type && *uri.type != "private")
    throw UsageError(uri.text + ": a generated key is named by its private key (type=private, or no type)");
  auto t = Token::find(uri, access);
  t->login();
  Pkcs11Uri same_label = uri;
  same_label.id.reset();
  auto existing = t->find_objects(same_label, std::nullopt);
  if (uri.id) {
    Pkcs11Uri same_id;
    same_id.id = uri.id;
    for (auto h : t->find_objects(same_id, std::nullopt)) existing.push_back(h);
  }
  if (!existing.empty() && !replace)
    throw InputError(t->name() + " already holds an object labelled '" + *uri.object +
                     (uri.id ? "' or with that id" : "'") + " (use --force to replace the key)");
  std::vector<uint8_t> id = uri.id.value_or(std::vector<uint8_t>{});
  if (id.empty()) {
    id.resize(16);
    Botan::system_rng().randomize(id.data(), id.size());
  }

  static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  const std::string& label = *uri.object;
  std::vector<CK_ATTRIBUTE> pub, priv;
  for (auto* tmpl : {&pub, &priv}) {
    add_bool(*tmpl, CKA_TOKEN, yes);
    tmpl->push_back({CKA_LABEL, const_cast<char*>(label.data()), static_cast<CK_ULONG>(label.size())});
    tmpl->push_back({CKA_ID, id.data(), static_cast<CK_ULONG>(id.size())});
  }
  add_bool(pub, CKA_VERIFY, yes);
  add_bool(priv, CKA_SIGN, yes);
  add_bool(priv, CKA_PRIVATE, yes);
  add_bool(priv, CKA_SENSITIVE, yes);
  add_bool(priv, CKA_EXTRACTABLE, no);

  // DER object identifiers of the curves (CKA_EC_PARAMS).
  static const std::vector<uint8_t> p256{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  static const std::vector<uint8_t> p384{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
  static const std::vector<uint8_t> ed25519{0x06, 0x03, 0x2b, 0x65, 0x70};
  static const std::vector<uint8_t> f4{0x01, 0x00, 0x01};
  CK_ULONG bits = 0;
  CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  const auto ec = [&](const std::vector<uint8_t>& oid) {
    pub.push_back({CKA_EC_PARAMS, const_cast<uint8_t*>(oid.data()), static_cast<CK_ULONG>(oid.size())});
  };
  switch (type) {
    case KeyType::p256: ec(p256); break;
    case KeyType::p384: ec(p384); break;
    case KeyType::ed25519:
      mech.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
      ec(ed25519);
      break;
    case KeyType::rsa2048:
    case KeyType::rsa3072:
    case KeyType::rsa4096:
      mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
      bits = type == KeyType::rsa2048 ? 2048 : type == KeyType::rsa3072 ? 3072 : 4096;
      pub.push_back({CKA_MODULUS_BITS, &bits, sizeof bits});
      pub.push_back({CKA_PUBLIC_EXPONENT, const_cast<uint8_t*>(f4.data()), static_cast<CK_ULONG>(f4.size())});
      break;
  }
  CK_OBJECT_HANDLE pub_h = CK_INVALID_HANDLE, priv_h = CK_INVALID_HANDLE;
  {
    std::lock_guard lock(t->mutex());
    const CK_RV rv = t->fn()->C_GenerateKeyPair(t->session(), &mech, pub.data(), static_cast<CK_ULONG>(pub.size()),
                                                priv.data(), static_cast<CK_ULONG>(priv.size()), &pub_h, &priv_h);
    if (rv == CKR_TEMPLATE_INCONSISTENT || rv == CKR_ATTRIBUTE_VALUE_INVALID)
      t->fail(CKR_CURVE_NOT_SUPPORTED, key_type_name(type) + " keys");
    if (rv != CKR_OK) t->fail(rv, key_type_name(type) + " keys");
    // The old pair goes only once the new one exists.
    for (CK_OBJECT_HANDLE h : existing)
      if (const CK_RV drv = t->fn()->C_DestroyObject(t->session(), h); drv != CKR_OK)
        t->fail(drv, "removing the key the new one replaces (both are in the token now)");
  }
  auto key = make_key(t, priv_h, true);
  GeneratedTokenKey out;
  out.uri = token_key_of(*dynamic_cast<Botan::Private_Key*>(key.get())).ref().uri;
  out.key.reset(dynamic_cast<Botan::Private_Key*>(key.release()));
  return out;
}

void close_tokens() noexcept { p11::close_all(); }

bool is_token_key(const Botan::Private_Key& key) { return dynamic_cast<const TokenKey*>(&key) != nullptr; }

std::string token_key_uri(const Botan::Private_Key& key) { return token_key_of(key).ref().uri; }

std::vector<uint8_t> sign_digest(const Botan::Private_Key& token_key, const std::vector<uint8_t>& digest,
                                 const std::string& hash) {
  return sign_hashed(token_key_of(token_key).ref(), digest, hash, false);
}

}  // namespace pairkit::crypto
