// OpenSSL is the gate's transport only; certificates are still read,
// hashed and judged by crypto/ and the registry.
#include "pairkit/gate/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/gate/tls_key.hpp"

namespace pairkit::gate {

namespace {

std::string openssl_reason() {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0) return "unreadable";
  const char* reason = ERR_reason_error_string(e);
  return reason ? reason : "unreadable";
}

int accept_any_chain(int, X509_STORE_CTX*) { return 1; }

}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& key_file, const std::string& cert_file,
                                                            std::shared_ptr<const Botan::Private_Key> token_key) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* raw = ctx->native_handle();
  SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
  SSL_CTX_set_options(raw, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle connections keep no read or write buffers (the 1,000-idle-connection target).
  SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS);
  // Without it, OpenSSL refuses to resume sessions once a peer certificate is requested.
  static constexpr unsigned char sid[] = "pairkit-gate";
  SSL_CTX_set_session_id_context(raw, sid, sizeof sid - 1);
  // No TLS 1.3 session tickets: terminals open a new connection per poll and
  // never resume, and the two tickets OpenSSL sends after each handshake held
  // the answer back behind the client's delayed ACK (48 ms at one client).
  SSL_CTX_set_num_tickets(raw, 0);
  SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, accept_any_chain);

  ERR_clear_error();
  if (!path_exists(cert_file)) throw InputError("the gate's certificate " + cert_file + " does not exist");
  if (SSL_CTX_use_certificate_chain_file(raw, cert_file.c_str()) != 1)
    throw InputError("cannot load the gate's certificate " + cert_file + ": " + openssl_reason());
  if (token_key) {
    use_token_key(raw, std::move(token_key), "the gate's key");
    return ctx;
  }
  if (!path_exists(key_file)) throw InputError("the gate's key " + key_file + " does not exist");
  // An encrypted key would make OpenSSL prompt on the terminal: refuse it instead.
  SSL_CTX_set_default_passwd_cb(raw, [](char*, int, int, void*) { return 0; });
  if (SSL_CTX_use_PrivateKey_file(raw, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    throw InputError("cannot load the gate's key " + key_file + " (a gate's key has no passphrase): " +
                     openssl_reason());
  if (SSL_CTX_check_private_key(raw) != 1)
    throw InputError("the gate's key " + key_file + " does not match its certificate " + cert_file);
  return ctx;
}

}  // namespace pairkit::gate
