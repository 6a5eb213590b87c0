// The gate's TLS server context (OpenSSL 3 through Boost.Asio): TLS 1.2 at
// least, a client certificate asked for but not required.
#pragma once
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <botan/pk_keys.h>

namespace pairkit::gate {

/// A server context for the identity in `key_file` and `cert_file` (PEM, as
/// `device init --role server` writes them). Every client is asked for a
/// certificate and any chain is accepted: the registry decides whom to
/// trust, by fingerprint. Throws InputError naming the file that does not load.
/// With `token_key`, the key stays in its token and key_file is not read.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& key_file, const std::string& cert_file,
                                                            std::shared_ptr<const Botan::Private_Key> token_key = {});

}  // namespace pairkit::gate
