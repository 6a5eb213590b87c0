// The transport: one io_context per worker thread, each accepting on its own
// copy of the listening socket and of the [check] listener's (its connections
// and its handler stay on it; one Session serves both, over TLS or plain),
// a deadline on every read and write (Boost.Beast's advanced_server
// pattern), limits on headers, bodies and connections. Whatever a client
// sends ends at most its own connection.
#include "pairkit/gate/server.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/fingerprint.hpp"
#include "pairkit/crypto/pkcs11_uri.hpp"
#include "pairkit/device/identity.hpp"
#include "pairkit/device/layout.hpp"
#include "pairkit/gate/plain_stream.hpp"
#include "pairkit/gate/response_head.hpp"
#include "pairkit/gate/tls.hpp"
#include "pairkit/gate/tls_stream.hpp"

namespace pairkit::gate {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

std::string endpoint_text(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" + std::to_string(ep.port());
}

std::vector<uint8_t> peer_certificate_der(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert) return {};
  const int len = i2d_X509(cert, nullptr);
  if (len <= 0) return {};
  std::vector<uint8_t> der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  i2d_X509(cert, &p);
  return der;
}

std::string certificate_pem(X509* cert) {
  std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

/// "127.0.0.1:40123", "[::1]:7742" or "unix" for a socket's own address
/// (local) or its peer's; `address` gets the address alone.
std::string socket_address_text(int fd, bool local, std::string* address = nullptr) {
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  const int rc = local ? ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len)
                       : ::getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  if (rc != 0) return "-";
  char text[INET6_ADDRSTRLEN] = {};
  uint16_t port = 0;
  if (sa.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&sa);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (sa.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&sa);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  } else {
    if (address) *address = "unix";
    return "unix";
  }
  if (address) *address = text;
  return (sa.ss_family == AF_INET6 ? "[" + std::string(text) + "]" : std::string(text)) + ":" + std::to_string(port);
}

/// What a worker needs of its connections, whichever port they came from.
class SessionBase {
public:
  virtual ~SessionBase() = default;
  /// The server stops (see Session::stop).
  virtual void stop() = 0;
};

/// The TLS context and the certificate it presents, in the forms the
/// registry keeps: made once per (re)load, not per connection.
struct ServerTls {
  std::shared_ptr<ssl::context> context;
  std::string pem, sha256;

  static std::shared_ptr<ssl::context> make_context(const std::string& server_dir, const ServerHooks& hooks) {
    const std::string key = device::key_reference(server_dir), cert = server_dir + "/" + device::kCertFile;
    if (!crypto::is_pkcs11_uri(key)) return make_tls_context(key, cert);
    if (!hooks.token_key) throw InputError("the gate's key is in a token (" + key + ") and no token access was given");
    return make_tls_context(key, cert, hooks.token_key(key));
  }

  ServerTls(const std::string& server_dir, const ServerHooks& hooks)
      : context(make_context(server_dir, hooks)) {
    if (X509* own = SSL_CTX_get0_certificate(context->native_handle())) {
      pem = certificate_pem(own);
      std::vector<uint8_t> der(static_cast<size_t>(std::max(0, i2d_X509(own, nullptr))));
      unsigned char* p = der.data();
      i2d_X509(own, &p);
      sha256 = crypto::fingerprint(der, crypto::HashAlg::sha256, crypto::FpFormat::colon);
    }
  }
};

}  // namespace

/// One worker: its io_context, thread, handler and live connections (touched
/// only from its own thread).
struct Worker {
  explicit Worker(size_t i) : index(i) {}
  const size_t index;
  net::io_context ioc{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard;
  /// A dup() of the one listening socket, in this worker's epoll: a worker
  /// takes a connection when it is free to, with no hand-over between
  /// threads, and a busy worker leaves new ones to the other.
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> retry_timer;
  /// A connection accepted when the gate was at max_connections: it waits
  /// here, as it would in the backlog, and no other is accepted meanwhile.
  std::optional<tcp::socket> held;
  std::atomic<bool> paused{false};
  /// A dup() of the [check] listener's socket, when gate.toml has one.
  std::optional<net::basic_socket_acceptor<net::generic::stream_protocol>> check_acceptor;
  std::optional<net::steady_timer> check_retry_timer;
  std::unique_ptr<Handler> handler;
  std::unordered_set<SessionBase*> sessions;
  bool stopping = false;
  /// Request lines gathered while the worker is busy, written in one go once
  /// the handlers that were ready have run.
  std::string log_batch;
};

struct Server::Impl {
  ServerHooks hooks;
  std::vector<std::unique_ptr<Worker>> workers;
  net::signal_set signals;
  net::steady_timer grace_timer;
  std::string bound;
  std::string check_bound;  ///< the [check] listener's address, empty without one
  std::string check_socket;  ///< its unix socket's path, removed at the end
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> live{0};  ///< accepted connections not yet closed

  mutable std::mutex config_mu;
  std::shared_ptr<const GateConfig> config;
  std::shared_ptr<const ServerTls> tls;
  /// Moves on at each reload, so that a connection notices without a lock.
  std::atomic<uint64_t> config_generation{0};

  Impl(const GateConfig& cfg, ServerHooks h);
  ~Impl() {
    if (!check_socket.empty()) ::unlink(check_socket.c_str());
  }
  void bind_check(const std::string& listen);
  void do_accept_check(Worker& worker);
  std::shared_ptr<const GateConfig> current_config() const {
    std::lock_guard lock(config_mu);
    return config;
  }
  std::shared_ptr<const ServerTls> current_tls() const {
    std::lock_guard lock(config_mu);
    return tls;
  }
  void event(Severity s, const std::string& message) {
    hooks.log->line(s, format_event(hooks.clock->now(), s, message, current_config()->log_format));
  }
  void do_accept(Worker& worker);
  /// Counts a connection in, unless max_connections are open.
  bool take_slot();
  /// At the bound: the worker waits for a connection to end.
  void park(Worker& worker);
  void on_accept(beast::error_code ec, tcp::socket socket, Worker& worker);
  void wait_signal();
  void reload();
  void begin_stop();
  void session_ended();
  void log_request(Worker& worker, const std::string& line);
  void flush_log(Worker& worker);
};

namespace {

/// One connection: TLS on the gate's port (Stream = TlsStream), plain HTTP
/// from the trusted proxy on the [check] listener (Stream = PlainStream).
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <class Socket>
  static Stream open_stream(Socket&& socket, const ServerTls& tls) {
    if constexpr (kTls)
      return Stream(std::move(socket), tls.context->native_handle());
    else
      return Stream(std::move(socket));
  }

public:
  template <class Socket>
  Session(Server::Impl& server, Worker& worker, Socket&& socket)
      : server_(server),
        worker_(worker),
        config_generation_(server.config_generation.load()),
        config_(server.current_config()),
        tls_(server.current_tls()),
        stream_(open_stream(std::move(socket), *tls_)),
        deadline_(stream_.get_executor()) {
    beast::error_code ec;
    // Answers are written whole: Nagle would only hold them back for an ACK
    // (a unix socket refuses the option, harmlessly).
    stream_.socket().set_option(tcp::no_delay(true), ec);
    if constexpr (kTls) {
      const auto ep = stream_.socket().remote_endpoint(ec);
      if (!ec) {
        request_.remote_address = ep.address().to_string();
        remote_ = endpoint_text(ep);
      }
    } else {
      request_.via_proxy = true;
      remote_ = socket_address_text(stream_.socket().native_handle(), false, &request_.remote_address);
    }
    server_.hooks.metrics->connection_opened();
    worker_.sessions.insert(this);
  }

  ~Session() {
    worker_.sessions.erase(this);
    server_.hooks.metrics->connection_closed();
    server_.session_ended();
  }

  void start() {
    // The handshake and the first request's headers share one deadline.
    expires_after(config_->limits.handshake_timeout);
    if constexpr (kTls)
      stream_.async_handshake([self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
    else
      read_request();
  }

  /// The server stops: a connection waiting for a request closes now; one
  /// whose request is being read or answered closes after the answer.
  void stop() override {
    if (!busy_) stream_.cancel();
  }

private:
  /// The deadline of what the connection waits for now (tcp_stream's
  /// expires_after): when it passes, the pending operation fails with
  /// beast::error::timeout. A timer that outlives the session does nothing.
  void expires_after(std::chrono::steady_clock::duration d) {
    stream_.clear_timeout();
    const uint64_t armed = ++deadline_armed_;
    deadline_.expires_after(d);
    deadline_.async_wait([weak = this->weak_from_this(), armed](beast::error_code ec) {
      if (ec) return;
      const auto self = weak.lock();
      if (self && self->deadline_armed_ == armed) self->stream_.time_out();
    });
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      server_.hooks.metrics->handshake_failure();
      stream_.drop_unread();
      return;
    }
    // What the connection's requests share is set once: each request
    // fills in only its own fields.
    SSL* ssl = stream_.native_handle();
    request_.client_der = peer_certificate_der(ssl);
    if (!request_.client_der.empty()) {
      // The registry keeps both certificates; only an authenticated client needs them.
      request_.client_sha256 =
          crypto::fingerprint(request_.client_der, crypto::HashAlg::sha256, crypto::FpFormat::colon);
      request_.client_pem = certificate_pem(SSL_get0_peer_certificate(ssl));
      request_.server_pem = tls_->pem;
      request_.server_sha256 = tls_->sha256;
    }
    read_request();
  }

  void read_request() {
    if (worker_.stopping) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(config_->limits.max_header_bytes));
    parser_->body_limit(config_->limits.max_body_bytes);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    busy_ = true;
    started_ = std::chrono::steady_clock::now();
    // No body to wait for (a poll): the answer's write sets its own deadline.
    if (parser_->is_done()) return on_body({});
    expires_after(config_->limits.body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::header_limit) {
      started_ = std::chrono::steady_clock::now();
      return answer(error_response(431, "headers_too_large", "the request headers exceed " +
                                                                  std::to_string(config_->limits.max_header_bytes) +
                                                                  " bytes"),
                    "-", "other", false);
    }
    if (ec == http::error::body_limit) {
      started_ = std::chrono::steady_clock::now();
      return answer(error_response(413, "body_too_large",
                                   "the request body exceeds " + std::to_string(config_->limits.max_body_bytes) +
                                       " bytes"),
                    method_text(), route_text(), false);
    }
    if (ec == beast::error::timeout && parser_ && parser_->got_some()) {
      // A request begun and not finished in time is told so (RFC 9110,
      // 15.5.9); a connection that sent nothing of one is just closed.
      started_ = std::chrono::steady_clock::now();
      const bool head = parser_->is_header_done();
      return answer(error_response(408, "request_timeout", "the request did not arrive in time"),
                    head ? method_text() : "-", head ? route_text() : "other", false);
    }
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec == net::ssl::error::stream_truncated)
      return;  // closed by the client, a deadline or the stop: nothing to answer
    if (ec.category() == beast::error_code(http::error::bad_target).category()) {
      started_ = std::chrono::steady_clock::now();
      return answer(error_response(400, "bad_request", "the request is not valid HTTP/1.1"), "-", "other", false);
    }
  }

  std::string method_text() const { return parser_ ? std::string(parser_->get().method_string()) : "-"; }
  std::string route_text() const {
    return parser_ ? match_route(std::string_view(parser_->get().target().data(), parser_->get().target().size())).pattern
                   : "other";
  }

  void on_body(beast::error_code ec) {
    if (ec) {
      busy_ = false;
      return on_read_error(ec);
    }
    const auto& req = parser_->get();
    HttpRequest& request = request_;
    request.method.assign(req.method_string().data(), req.method_string().size());
    request.route = match_route(std::string_view(req.target().data(), req.target().size()));
    const auto content_type = req[http::field::content_type];
    request.content_type.assign(content_type.data(), content_type.size());
    if constexpr (!kTls) {
      if (request.route.kind == RouteKind::check) {
        const auto cert = req[config_->check.cert_header];
        request.forwarded_cert.assign(cert.data(), cert.size());
      }
    }
    if (request.route.kind == RouteKind::crl) {
      // Only the CRL is conditional: a poll pays for no header lookups.
      const auto none_match = req[http::field::if_none_match];
      const auto modified_since = req[http::field::if_modified_since];
      request.if_none_match.assign(none_match.data(), none_match.size());
      request.if_modified_since.assign(modified_since.data(), modified_since.size());
    }
    request.body = std::move(parser_->get().body());
    // A reload reaches open connections at their next request.
    if (const uint64_t generation = server_.config_generation.load(); generation != config_generation_) {
      config_ = server_.current_config();
      config_generation_ = generation;
    }
    HttpResponse response;
    try {
      response = worker_.handler->handle(request, *config_);
    } catch (const std::exception& e) {
      server_.event(Severity::error, "request " + request.route.pattern + " failed: " + e.what());
      response = error_response(500, "internal", "the gate could not answer; see its log");
    }
    request.body.clear();
    answer(std::move(response), request.method, request.route.pattern, req.keep_alive());
  }

  void answer(HttpResponse response, std::string method, std::string route, bool keep_alive) {
    busy_ = true;
    keep_alive_ = keep_alive && !worker_.stopping;
    log_ = {};
    log_.remote = remote_;
    log_.method = std::move(method);
    log_.route = std::move(route);
    log_.status = response.status;
    log_.fingerprint = request_.client_sha256;
    log_.request_id = response.request_id;
    log_.error = response.error_code;
    // One buffer, so one TLS record and one send for a small answer.
    out_ = response_head(response, keep_alive_);
    out_ += response.body;
    expires_after(config_->limits.body_timeout);
    net::async_write(stream_, net::buffer(out_),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    busy_ = false;
    const auto took = std::chrono::steady_clock::now() - started_;
    log_.at = server_.hooks.clock->now();
    log_.took = std::chrono::duration_cast<std::chrono::microseconds>(took);
    server_.hooks.metrics->request(log_.route, log_.status, took, worker_.index);
    server_.log_request(worker_, format_request(log_, config_->log_format));
    if (ec) return;
    if (log_.status == 413 || log_.status == 431) return drain();
    if (!keep_alive_) return close();
    // An idle connection keeps no answer, parser or read buffer: it waits
    // for the socket and only then makes them (the 1,000-idle-connection figure).
    std::string().swap(out_);
    parser_.reset();
    buffer_.shrink_to_fit();
    expires_after(config_->limits.idle_timeout);
    if (buffer_.size() > 0 || stream_.input_ready()) return read_request();
    stream_.socket().async_wait(net::socket_base::wait_read, [self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->read_request();
    });
  }

  /// After refusing a request whose body may still be on its way: read and
  /// drop what comes for a moment, so that closing does not reset the
  /// connection before the client has read the answer (a lingering close).
  void drain() {
    if (drained_ == 0) expires_after(std::chrono::seconds(1));
    if (drained_ > kMaxDrain) return;
    stream_.async_read_some(net::buffer(scratch_), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) return;
      self->drained_ += n;
      self->drain();
    });
  }

  void close() {
    expires_after(std::chrono::seconds(1));
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
  }

  Server::Impl& server_;
  Worker& worker_;
  uint64_t config_generation_;
  std::shared_ptr<const GateConfig> config_;
  std::shared_ptr<const ServerTls> tls_;
  Stream stream_;
  net::steady_timer deadline_;
  uint64_t deadline_armed_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_;  ///< the answer being written
  RequestLog log_;
  std::string remote_ = "-";
  HttpRequest request_;  ///< the connection's client and server certificates; the current request
  std::chrono::steady_clock::time_point started_{};
  bool busy_ = false, keep_alive_ = false;
  static constexpr size_t kMaxDrain = size_t{1} << 20;
  std::array<char, 512> scratch_{};
  size_t drained_ = 0;
};

}  // namespace

std::pair<std::string, uint16_t> parse_listen_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw UsageError("listen address '" + text + "' is not HOST:PORT (127.0.0.1:7741, [::]:7741)");
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
    throw UsageError("listen address '" + text + "': the port must be a number from 0 to 65535");
  beast::error_code bad;
  net::ip::make_address(host, bad);
  if (bad) throw UsageError("listen address '" + text + "': '" + host + "' is not an IP address");
  return {host, static_cast<uint16_t>(port)};
}

Server::Impl::Impl(const GateConfig& cfg, ServerHooks h)
    : hooks(std::move(h)),
      workers([&] {
        std::vector<std::unique_ptr<Worker>> w;
        for (int i = 0; i < std::max(1, hooks.threads); ++i) w.push_back(std::make_unique<Worker>(static_cast<size_t>(i)));
        return w;
      }()),
      signals(workers[0]->ioc),
      grace_timer(workers[0]->ioc),
      config(std::make_shared<const GateConfig>(cfg)),
      tls(std::make_shared<const ServerTls>(cfg.server_dir, hooks)) {
  const auto [host, port] = parse_listen_address(cfg.listen);
  const tcp::endpoint ep(net::ip::make_address(host), port);
  beast::error_code ec;
  tcp::acceptor& first = workers[0]->acceptor.emplace(workers[0]->ioc);
  first.open(ep.protocol(), ec);
  if (!ec) first.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) first.bind(ep, ec);
  if (!ec) first.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw InputError("cannot listen on " + cfg.listen + ": " + ec.message());
  bound = endpoint_text(first.local_endpoint());
  for (size_t i = 1; i < workers.size(); ++i) {
    const int fd = ::fcntl(first.native_handle(), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) throw InputError("cannot listen on " + cfg.listen + ": " + std::strerror(errno));
    workers[i]->acceptor.emplace(workers[i]->ioc, ep.protocol(), fd);
  }
  if (!cfg.check.listen.empty()) bind_check(cfg.check.listen);
  for (size_t i = 0; i < workers.size(); ++i) {
    workers[i]->retry_timer.emplace(workers[i]->ioc);
    workers[i]->check_retry_timer.emplace(workers[i]->ioc);
    workers[i]->handler = hooks.make_handler(static_cast<int>(i));
    workers[i]->guard.emplace(workers[i]->ioc.get_executor());
  }
}

void Server::Impl::bind_check(const std::string& listen) {
  net::generic::stream_protocol::endpoint ep;
  if (listen.rfind("unix:", 0) == 0) {
    check_socket = listen.substr(5);
    // A socket left by a gate that was killed is in bind()'s way; anything else is not ours to remove.
    struct stat st {};
    if (::lstat(check_socket.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(check_socket.c_str());
    ep = net::local::stream_protocol::endpoint(check_socket);
  } else {
    const auto [host, port] = parse_listen_address(listen);
    ep = tcp::endpoint(net::ip::make_address(host), port);
  }
  beast::error_code ec;
  auto& first = workers[0]->check_acceptor.emplace(workers[0]->ioc);
  first.open(ep.protocol(), ec);
  if (!ec && check_socket.empty()) first.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) first.bind(ep, ec);
  if (!ec) first.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw InputError("cannot listen on [check] " + listen + ": " + ec.message());
  check_bound = check_socket.empty() ? socket_address_text(first.native_handle(), true) : listen;
  for (size_t i = 1; i < workers.size(); ++i) {
    const int fd = ::fcntl(first.native_handle(), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) throw InputError("cannot listen on [check] " + listen + ": " + std::strerror(errno));
    workers[i]->check_acceptor.emplace(workers[i]->ioc, ep.protocol(), fd);
  }
}

/// The [check] listener: its connections count toward max_connections, and
/// one that finds the gate full is closed at once (the proxy answers 5xx,
/// which auth_request denies), not held: a proxy retries.
void Server::Impl::do_accept_check(Worker& worker) {
  if (stopping || worker.stopping || !worker.check_acceptor) return;
  worker.check_acceptor->async_accept(
      [this, &worker](beast::error_code ec, net::generic::stream_protocol::socket socket) {
        if (ec == net::error::operation_aborted || stopping || worker.stopping) return;
        if (ec) {
          hooks.metrics->connection_refused();
          event(Severity::warning, "accept failed on [check]: " + ec.message());
          worker.check_retry_timer->expires_after(std::chrono::milliseconds(100));
          worker.check_retry_timer->async_wait([this, &worker](beast::error_code e) {
            if (!e) do_accept_check(worker);
          });
          return;
        }
        if (take_slot())
          std::make_shared<Session<PlainStream>>(*this, worker, std::move(socket))->start();
        else
          hooks.metrics->connection_refused();
        do_accept_check(worker);
      });
}

/// Runs on the worker's own thread, as do on_accept and park.
void Server::Impl::do_accept(Worker& worker) {
  if (stopping || worker.stopping) return;
  if (worker.held) {
    if (!take_slot()) return park(worker);
    tcp::socket socket = std::move(*worker.held);
    worker.held.reset();
    std::make_shared<Session<TlsStream>>(*this, worker, std::move(socket))->start();
  }
  worker.acceptor->async_accept(
      [this, &worker](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket), worker); });
}

void Server::Impl::on_accept(beast::error_code ec, tcp::socket socket, Worker& worker) {
  if (ec == net::error::operation_aborted || stopping || worker.stopping) return;
  if (ec) {
    // Out of file descriptors, most likely: wait a little rather than spin.
    hooks.metrics->connection_refused();
    event(Severity::warning, "accept failed: " + ec.message());
    worker.retry_timer->expires_after(std::chrono::milliseconds(100));
    worker.retry_timer->async_wait([this, &worker](beast::error_code e) {
      if (!e) do_accept(worker);
    });
    return;
  }
  worker.held.emplace(std::move(socket));
  do_accept(worker);
}

bool Server::Impl::take_slot() {
  const int64_t max = current_config()->limits.max_connections;
  int64_t open = live.load();
  while (open < max)
    if (live.compare_exchange_weak(open, open + 1)) return true;
  return false;
}

void Server::Impl::park(Worker& worker) {
  worker.paused = true;
  // A connection that ended meanwhile found the flag unset: look again.
  if (live.load() < current_config()->limits.max_connections && worker.paused.exchange(false))
    net::post(worker.ioc, [this, &worker] { do_accept(worker); });
}

void Server::Impl::log_request(Worker& worker, const std::string& line) {
  if (worker.log_batch.empty()) net::post(worker.ioc, [this, &worker] { flush_log(worker); });
  worker.log_batch += line;
  worker.log_batch += '\n';
}

void Server::Impl::flush_log(Worker& worker) {
  if (worker.log_batch.empty()) return;
  hooks.log->lines(Severity::info, worker.log_batch);
  worker.log_batch.clear();
}

void Server::Impl::session_ended() {
  --live;
  for (auto& w : workers)
    if (w->paused.exchange(false)) net::post(w->ioc, [this, &worker = *w] { do_accept(worker); });
  if (stopping && live.load() == 0)
    net::post(workers[0]->ioc, [this] { grace_timer.cancel(); });
}

void Server::Impl::wait_signal() {
  signals.async_wait([this](beast::error_code ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      reload();
      return wait_signal();
    }
    event(Severity::info, std::string("stopping (") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ")");
    begin_stop();
  });
}

void Server::Impl::reload() {
  try {
    const GateConfig next = hooks.reload();
    auto next_tls = std::make_shared<const ServerTls>(next.server_dir, hooks);
    const auto old = current_config();
    if (next.listen != old->listen)
      event(Severity::warning, "listen changed to " + next.listen + ": that takes a restart; still on " + bound);
    if (next.check.listen != old->check.listen)
      event(Severity::warning, "[check] listen changed to '" + next.check.listen + "': that takes a restart; still on '" +
                                   check_bound + "'");
    {
      std::lock_guard lock(config_mu);
      config = std::make_shared<const GateConfig>(next);
      tls = std::move(next_tls);
    }
    config_generation.fetch_add(1);
    event(Severity::info, "reloaded gate.toml and the certificate");
  } catch (const std::exception& e) {
    event(Severity::error, std::string("reload failed, keeping the running configuration: ") + e.what());
  }
}

void Server::Impl::begin_stop() {
  if (stopping.exchange(true)) return;
  beast::error_code ignored;
  signals.cancel(ignored);
  for (auto& w : workers) {
    net::post(w->ioc, [&worker = *w] {
      beast::error_code ignored;
      worker.stopping = true;
      worker.acceptor->close(ignored);
      worker.retry_timer->cancel();
      if (worker.check_acceptor) worker.check_acceptor->close(ignored);
      worker.check_retry_timer->cancel();
      worker.held.reset();
      for (SessionBase* s : worker.sessions) s->stop();
      worker.guard.reset();
    });
  }
  grace_timer.expires_after(current_config()->limits.shutdown_grace);
  grace_timer.async_wait([this](beast::error_code ec) {
    if (ec) return;  // every connection ended in time
    event(Severity::warning, "shutdown grace over: closing " + std::to_string(hooks.metrics->connections()) +
                                 " connection(s)");
    for (auto& w : workers) w->ioc.stop();
  });
  if (live.load() == 0) grace_timer.cancel();
}

Server::Server(const GateConfig& config, ServerHooks hooks) : impl_(std::make_unique<Impl>(config, std::move(hooks))) {}

Server::~Server() = default;

std::string Server::endpoint() const { return impl_->bound; }

std::string Server::check_endpoint() const { return impl_->check_bound; }

void Server::run() {
  Impl& s = *impl_;
  s.signals.add(SIGINT);
  s.signals.add(SIGTERM);
  s.signals.add(SIGHUP);
  s.wait_signal();
  for (auto& w : s.workers)
    net::post(w->ioc, [&s, &worker = *w] {
      s.do_accept(worker);
      s.do_accept_check(worker);
    });
  std::vector<std::thread> threads;
  for (size_t i = 1; i < s.workers.size(); ++i) threads.emplace_back([&w = *s.workers[i]] { w.ioc.run(); });
  s.workers[0]->ioc.run();
  for (auto& t : threads) t.join();
  // Lines of a worker stopped at the end of the grace period.
  for (auto& w : s.workers) s.flush_log(*w);
}

void Server::stop() {
  net::post(impl_->workers[0]->ioc, [this] { impl_->begin_stop(); });
}

}  // namespace pairkit::gate
