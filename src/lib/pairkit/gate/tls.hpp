// The gate's TLS server context (OpenSSL 3 through Boost.Asio): TLS 1.2 at
// least, a client certificate asked for but not required.
#pragma once
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace pairkit::gate {

/// A server context for the identity in `key_file` and `cert_file` (PEM, as
/// `device init --role server` writes them). Every client is asked for a
/// certificate and any chain is accepted: the registry decides whom to
/// trust, by fingerprint. Throws InputError naming the file that does not load.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& key_file, const std::string& cert_file);

}  // namespace pairkit::gate
