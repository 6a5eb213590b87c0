// A token key as OpenSSL's EC key (see tls_key.hpp). EC_KEY_METHOD is
// deprecated in OpenSSL 3 in favour of providers; Debian 12 has no PKCS#11
// provider, and the libp11 engine would be a second PKCS#11 stack in the
// process with a login of its own.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "pairkit/gate/tls_key.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <vector>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/pkcs11.hpp"

namespace pairkit::gate {

namespace {

using KeyHolder = std::shared_ptr<const Botan::Private_Key>;

void free_holder(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<KeyHolder*>(ptr); }

int holder_index() {
  static const int index = EC_KEY_get_ex_new_index(0, nullptr, nullptr, nullptr, free_holder);
  return index;
}

// The digest OpenSSL hands over is signed as is (CKM_ECDSA); a token that
// fails says why in its InputError, which OpenSSL cannot carry: the
// handshake fails, and the next failure names the token again.
ECDSA_SIG* sign_sig(const unsigned char* dgst, int dlen, const BIGNUM*, const BIGNUM*, EC_KEY* ec) {
  const auto* holder = static_cast<const KeyHolder*>(EC_KEY_get_ex_data(ec, holder_index()));
  if (holder == nullptr || dlen < 0) return nullptr;
  std::vector<uint8_t> rs;
  try {
    rs = crypto::sign_digest(**holder, std::vector<uint8_t>(dgst, dgst + dlen), "");
  } catch (const std::exception&) {
    ERR_raise_data(ERR_LIB_EC, ERR_R_EC_LIB, "the token did not sign");
    return nullptr;
  }
  const int half = static_cast<int>(rs.size() / 2);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(rs.data(), half, nullptr);
  BIGNUM* s = BN_bin2bn(rs.data() + half, half, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return nullptr;
  }
  return sig;
}

int sign(int, const unsigned char* dgst, int dlen, unsigned char* out, unsigned int* outlen, const BIGNUM* kinv,
         const BIGNUM* r, EC_KEY* ec) {
  ECDSA_SIG* sig = sign_sig(dgst, dlen, kinv, r, ec);
  if (sig == nullptr) return 0;
  unsigned char* p = out;
  const int n = i2d_ECDSA_SIG(sig, &p);
  ECDSA_SIG_free(sig);
  if (n <= 0) return 0;
  *outlen = static_cast<unsigned int>(n);
  return 1;
}

const EC_KEY_METHOD* token_method() {
  static EC_KEY_METHOD* method = [] {
    EC_KEY_METHOD* m = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
    EC_KEY_METHOD_set_sign(m, sign, nullptr, sign_sig);
    return m;
  }();
  return method;
}

}  // namespace

void use_token_key(SSL_CTX* ctx, std::shared_ptr<const Botan::Private_Key> key, const std::string& what) {
  const std::string pem = crypto::public_key_pem(*key);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pub = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  EC_KEY* ec = pub ? EVP_PKEY_get1_EC_KEY(pub) : nullptr;
  EVP_PKEY_free(pub);
  if (ec == nullptr) {
    ERR_clear_error();
    throw InputError(what + ": TLS here signs with token keys of type EC (P-256, P-384) only, not " +
                     crypto::describe_key(*key));
  }
  // The method first: OpenSSL marks the key foreign when it is assigned.
  EC_KEY_set_method(ec, token_method());
  EC_KEY_set_ex_data(ec, holder_index(), new KeyHolder(std::move(key)));
  EVP_PKEY* pkey = EVP_PKEY_new();
  if (pkey == nullptr || EVP_PKEY_assign_EC_KEY(pkey, ec) != 1) {
    EC_KEY_free(ec);
    EVP_PKEY_free(pkey);
    throw InputError(what + ": OpenSSL could not take the token key");
  }
  const int ok = SSL_CTX_use_PrivateKey(ctx, pkey);
  EVP_PKEY_free(pkey);
  if (ok != 1 || (SSL_CTX_get0_certificate(ctx) != nullptr && SSL_CTX_check_private_key(ctx) != 1)) {
    ERR_clear_error();
    throw InputError(what + ": the token key is not the key of the certificate");
  }
}

}  // namespace pairkit::gate
