// The gate server's TLS stream against a blocking OpenSSL client on
// loopback: records in and out, close_notify, truncation, garbage, deadline.
#include <doctest/doctest.h>

#include <array>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pairkit/core/clock.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/core/temp_dir.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/gate/tls.hpp"
#include "pairkit/gate/tls_stream.hpp"

using namespace pairkit;
using namespace pairkit::gate;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

// A gate identity, its TLS context and a loopback listener.
struct Fixture {
  TempDir tmp;
  std::shared_ptr<net::ssl::context> tls;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};

  Fixture() {
    auto rng = make_seeded_rng(7741);
    FixedClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
    device::InitOptions o;
    o.serial = "GATE-1";
    o.role = device::Role::server;
    device::init(tmp.path() + "/srv", o, *rng, clock);
    tls = make_tls_context(tmp.path() + "/srv/key.pem", tmp.path() + "/srv/cert.pem");
  }
  uint16_t port() const { return acceptor.local_endpoint().port(); }
  std::unique_ptr<TlsStream> accept() {
    tcp::socket s(ioc);
    acceptor.accept(s);
    return std::make_unique<TlsStream>(std::move(s), tls->native_handle());
  }
};

// A blocking client: plain OpenSSL on a plain socket.
struct Client {
  int fd = -1;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = nullptr;

  explicit Client(uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fd = -1;
  }
  ~Client() {
    if (ssl) SSL_free(ssl);
    SSL_CTX_free(ctx);
    if (fd >= 0) ::close(fd);
  }
  bool handshake() {
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    return SSL_connect(ssl) == 1;
  }
  std::string read_exact(size_t n) {
    std::string out(n, '\0');
    size_t got = 0;
    while (got < n) {
      size_t k = 0;
      if (SSL_read_ex(ssl, out.data() + got, n - got, &k) != 1) break;
      got += k;
    }
    out.resize(got);
    return out;
  }
  // What a plain read sees once the server hangs up: 0 for a close, -1 for a reset.
  ssize_t read_to_end() {
    char sink[4096];
    ssize_t n;
    while ((n = ::recv(fd, sink, sizeof sink, 0)) > 0) {
    }
    return n;
  }
};

}  // namespace

TEST_CASE("tls stream: handshake, an exact read, a joined write larger than a record, close_notify as eof") {
  Fixture f;
  std::string client_got;
  std::thread client([&, port = f.port()] {
    Client c(port);
    if (!c.handshake()) return;
    SSL_write(c.ssl, "ping", 4);
    client_got = c.read_exact(4 + 40000);
    SSL_shutdown(c.ssl);
  });
  auto stream = f.accept();
  const std::string head = "pong", body(40000, 'x');
  std::array<char, 4> in{};
  error_code hs = net::error::fault, rd = hs, wr = hs, end;
  size_t written = 0;
  stream->async_handshake([&](error_code ec) {
    hs = ec;
    net::async_read(*stream, net::buffer(in), [&](error_code ec, size_t) {
      rd = ec;
      const std::array<net::const_buffer, 2> out{net::buffer(head), net::buffer(body)};
      net::async_write(*stream, out, [&](error_code ec, size_t n) {
        wr = ec;
        written = n;
        stream->async_read_some(net::buffer(in), [&](error_code ec, size_t) { end = ec; });
      });
    });
  });
  f.ioc.run();
  client.join();
  CHECK_FALSE(hs);
  CHECK_FALSE(rd);
  CHECK(std::string(in.data(), 4) == "ping");
  CHECK_FALSE(wr);
  CHECK(written == head.size() + body.size());
  CHECK(client_got == head + body);
  CHECK(end == net::error::eof);
}

TEST_CASE("tls stream: a TCP close without close_notify is stream_truncated") {
  Fixture f;
  std::thread client([&, port = f.port()] {
    Client c(port);
    c.handshake();
  });
  auto stream = f.accept();
  error_code rd;
  std::array<char, 16> in{};
  stream->async_handshake([&](error_code ec) {
    if (!ec) stream->async_read_some(net::buffer(in), [&](error_code ec, size_t) { rd = ec; });
  });
  f.ioc.run();
  client.join();
  CHECK(rd == net::ssl::error::stream_truncated);
}

TEST_CASE("tls stream: plaintext fails the handshake, and the client sees a close, not a reset") {
  Fixture f;
  ssize_t last = 1;
  std::thread client([&, port = f.port()] {
    Client c(port);
    const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    ::send(c.fd, req, sizeof req - 1, MSG_NOSIGNAL);
    last = c.read_to_end();
  });
  auto stream = f.accept();
  error_code hs;
  stream->async_handshake([&](error_code ec) {
    hs = ec;
    if (ec) stream->drop_unread();
  });
  f.ioc.run();
  stream.reset();
  client.join();
  CHECK(hs.category() == net::error::get_ssl_category());
  CHECK(last == 0);
}

TEST_CASE("tls stream: the owner's deadline ends a pending read with timeout") {
  Fixture f;
  std::thread client([&, port = f.port()] {
    Client c(port);
    if (c.handshake()) c.read_exact(1);
  });
  auto stream = f.accept();
  error_code rd;
  std::array<char, 16> in{};
  stream->async_handshake([&](error_code ec) {
    if (ec) return;
    stream->async_read_some(net::buffer(in), [&](error_code ec, size_t) { rd = ec; });
    net::post(f.ioc, [&] { stream->time_out(); });
  });
  f.ioc.run();
  stream.reset();
  client.join();
  CHECK(rd == boost::beast::error::timeout);
}
