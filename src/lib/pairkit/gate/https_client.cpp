// The gate client's HTTPS transport: Boost.Beast over Asio's OpenSSL stream,
// each step (connect, handshake, write, read) an async operation run to its
// deadline, so a dead or silent gate costs a bounded wait, never a hang.
#include "pairkit/gate/https_client.hpp"
#include "pairkit/gate/tls_key.hpp"

#include <charconv>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pairkit/core/files.hpp"
#include "pairkit/gate/http_date.hpp"

namespace pairkit::gate {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HostPort::text() const {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port)
                                             : host + ":" + std::to_string(port);
}

HostPort split_address(const std::string& address) {
  HostPort hp;
  std::string port;
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':')
      throw UsageError("address '" + address + "' is not [IPv6]:PORT");
    hp.host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || address.find(':') != colon)
      throw UsageError("address '" + address + "' is not HOST:PORT (an IPv6 address goes in brackets: [::1]:7741)");
    hp.host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (hp.host.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
    throw UsageError("address '" + address + "' needs a host and a port from 1 to 65535");
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

namespace {

// OpenSSL's reason for the last failure, or the error code's message.
std::string tls_reason(const beast::error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category()) {
    const std::string reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value())) ?: "";
    if (!reason.empty()) return reason;
  }
  return ec.message();
}

std::string duration_text(std::chrono::milliseconds d) {
  return d.count() % 1000 ? std::to_string(d.count()) + "ms" : std::to_string(d.count() / 1000) + "s";
}

}  // namespace

struct HttpsClient::Impl {
  asio::ssl::context ctx{asio::ssl::context::tls_client};
};

HttpsClient::HttpsClient(std::string address, const HttpsClientOptions& opts)
    : address_(std::move(address)), opts_(opts), impl_(std::make_unique<Impl>()) {
  split_address(address_);
  auto* ctx = impl_->ctx.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // The pin, checked after the handshake, authenticates the gate; a CA has
  // no say, so the chain is not verified here.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  // An encrypted key must fail here, not stop an unattended device at
  // OpenSSL's passphrase prompt.
  SSL_CTX_set_default_passwd_cb(ctx, [](char*, int, int, void*) { return 0; });
  for (const std::string* path : {&opts_.cert_pem, &opts_.key_pem}) {
    if (path == &opts_.key_pem && opts_.token_key) continue;
    if (!path_exists(*path)) throw InputError("cannot read " + *path + ": no such file");
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, opts_.cert_pem.c_str()) != 1) {
    ERR_clear_error();
    throw InputError("cannot use " + opts_.cert_pem + " as the client certificate (not a PEM certificate)");
  }
  if (opts_.token_key) {
    use_token_key(ctx, opts_.token_key, "the client key");
    return;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, opts_.key_pem.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    throw InputError("cannot use " + opts_.key_pem + " as the client key (encrypted, not PEM, or not the key of " +
                     opts_.cert_pem + ")");
  }
}

HttpsClient::~HttpsClient() = default;

HttpsResponse HttpsClient::request(const std::string& method, const std::string& target, const std::string& body,
                                   const PeerCheck& check, const std::string& content_type, const std::string& accept) {
  const HostPort hp = split_address(address_);
  asio::io_context ioc;
  beast::ssl_stream<beast::tcp_stream> stream(ioc, impl_->ctx);
  beast::error_code ec;
  // Runs one async operation to completion; its deadline is on the stream.
  auto run = [&ioc] {
    ioc.restart();
    ioc.run();
  };
  auto fail = [&](const std::string& what) -> NetworkError {
    if (ec == beast::error::timeout)
      return NetworkError(what + " " + address_ + ": no answer within " +
                          duration_text(what == "cannot connect to" ? opts_.connect_timeout : opts_.io_timeout));
    return NetworkError(what + " " + address_ + ": " + tls_reason(ec));
  };

  tcp::resolver resolver(ioc);
  const auto endpoints = resolver.resolve(hp.host, std::to_string(hp.port), tcp::resolver::numeric_service, ec);
  if (ec) throw NetworkError("cannot resolve " + hp.host + ": " + ec.message());

  beast::get_lowest_layer(stream).expires_after(opts_.connect_timeout);
  beast::get_lowest_layer(stream).async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  run();
  if (ec) throw fail("cannot connect to");

  // SNI for a name (never for an address literal, as RFC 6066 says).
  beast::error_code not_ip;
  asio::ip::make_address(hp.host, not_ip);
  if (not_ip) SSL_set_tlsext_host_name(stream.native_handle(), hp.host.c_str());
  beast::get_lowest_layer(stream).expires_after(opts_.io_timeout);
  stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
  run();
  if (ec) throw fail("TLS handshake with");

  peer_der_.clear();
  if (X509* peer = SSL_get1_peer_certificate(stream.native_handle())) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(peer, &der);
    if (len > 0) peer_der_.assign(der, der + len);
    OPENSSL_free(der);
    X509_free(peer);
  }
  if (peer_der_.empty()) throw NetworkError("the gate at " + address_ + " presented no certificate");
  check(peer_der_);

  http::request<http::string_body> req{method == "POST" ? http::verb::post : http::verb::get, target, 11};
  req.set(http::field::host, hp.text());
  req.set(http::field::user_agent, "pairkit-gate-join");
  req.set(http::field::accept, accept);
  if (!body.empty()) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.keep_alive(false);
  req.prepare_payload();
  beast::get_lowest_layer(stream).expires_after(opts_.io_timeout);
  http::async_write(stream, req, [&](beast::error_code e, size_t) { ec = e; });
  run();
  if (ec) throw fail("cannot send to");

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(opts_.max_body_bytes);
  beast::get_lowest_layer(stream).expires_after(opts_.io_timeout);
  http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
  run();
  if (ec == http::error::body_limit)
    throw NetworkError("the gate at " + address_ + " sent an answer over " + std::to_string(opts_.max_body_bytes) +
                       " bytes");
  if (ec) throw fail("no answer from");

  HttpsResponse r;
  const auto& res = parser.get();
  r.status = static_cast<int>(res.result_int());
  r.body = res.body();
  if (const auto it = res.find(http::field::retry_after); it != res.end()) {
    const auto v = it->value();
    long long seconds = 0;
    const auto [end, err] = std::from_chars(v.data(), v.data() + v.size(), seconds);
    // An absurd number or an unreadable date is ignored: the caller's own backoff applies.
    if (err == std::errc() && end == v.data() + v.size()) {
      if (seconds >= 0 && seconds <= 24 * 3600) r.retry_after = std::chrono::seconds(seconds);
    } else {
      r.retry_at = parse_http_date(std::string_view(v.data(), v.size()));
    }
  }
  // Closing politely is a courtesy to the gate; its failure changes nothing.
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
  stream.async_shutdown([](beast::error_code) {});
  run();
  return r;
}

}  // namespace pairkit::gate
