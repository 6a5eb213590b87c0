// A live TLS handshake that fetches the certificate a server presents,
// without CA validation: the caller compares the leaf with a pin instead.
#pragma once
#include <chrono>
#include <string>

#include <botan/pk_keys.h>
#include <botan/rng.h>
#include <botan/x509cert.h>

namespace pairkit::pairing {

/// Connects to "host:port" over TCP, runs a full TLS handshake with Botan's
/// client (the server must prove it holds the leaf's key) and returns the
/// leaf certificate. Connecting may take up to `timeout`, and then the whole
/// handshake up to `timeout` again.
/// Throws InputError for refused connections, timeouts, name resolution and
/// handshake failures, naming the address.
/// With `client_cert` and `client_key`, the probe authenticates with them
/// when the server asks (mTLS); the key may be a token key.
Botan::X509_Certificate fetch_server_certificate(const std::string& address, std::chrono::milliseconds timeout,
                                                 Botan::RandomNumberGenerator& rng,
                                                 const Botan::X509_Certificate* client_cert = nullptr,
                                                 const Botan::Private_Key* client_key = nullptr);

}  // namespace pairkit::pairing
