// One client TLS connection for the gate load generator (tls_conn.hpp).
#include "tls_conn.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace gate_load {

Identity::Identity(const std::string& cert_file, const std::string& key_file) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) throw std::runtime_error("SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  // A peer that closes without close_notify reads as end of stream, not as an error.
  SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
  // Every connection is a full handshake, as a polling terminal's is: no resumption.
  SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx_, SSL_OP_NO_TICKET);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  if (!cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx_, cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx_) != 1) {
      SSL_CTX_free(ctx_);
      throw std::runtime_error("cannot load the client identity " + cert_file + " / " + key_file);
    }
  }
}

Identity::~Identity() { SSL_CTX_free(ctx_); }

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::ok: return "ok";
    case Outcome::connect: return "connect";
    case Outcome::handshake: return "handshake";
    case Outcome::reset: return "reset";
    case Outcome::closed_early: return "closed_early";
    case Outcome::timeout: return "timeout";
    case Outcome::bad_response: return "bad_response";
  }
  return "unknown";
}

Conn::Conn(Conn&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      ssl_(std::exchange(o.ssl_, nullptr)),
      failed_(std::exchange(o.failed_, false)),
      pending_(std::move(o.pending_)) {}

Conn& Conn::operator=(Conn&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = std::exchange(o.fd_, -1);
    ssl_ = std::exchange(o.ssl_, nullptr);
    failed_ = std::exchange(o.failed_, false);
    pending_ = std::move(o.pending_);
  }
  return *this;
}

Conn::~Conn() { close(); }

Outcome Conn::connect_tcp(uint16_t port, const std::string& source, std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Outcome::connect;
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (!source.empty()) {
    // Any address of 127.0.0.0/8 is this machine: terminals "from" many
    // addresses without leaving loopback.
    ::inet_pton(AF_INET, source.c_str(), &addr.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return Outcome::connect;
  }
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return errno == EINPROGRESS || errno == EAGAIN ? Outcome::timeout : Outcome::connect;
  return Outcome::ok;
}

namespace {
// What a failed SSL_* call on a blocking socket with timeouts means.
Outcome classify(SSL* ssl, int ret, Outcome protocol_error) {
  const int err = SSL_get_error(ssl, ret);
  const int saved = errno;
  ERR_clear_error();
  if (err == SSL_ERROR_ZERO_RETURN) return Outcome::closed_early;
  if (err == SSL_ERROR_SYSCALL) {
    if (saved == EAGAIN || saved == EWOULDBLOCK) return Outcome::timeout;
    if (saved == ECONNRESET || saved == EPIPE) return Outcome::reset;
    return Outcome::closed_early;
  }
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return Outcome::timeout;
  return protocol_error;
}

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  return true;
}
}  // namespace

Outcome Conn::handshake(const Identity& id) {
  ssl_ = SSL_new(id.ctx());
  if (ssl_ == nullptr) return Outcome::handshake;
  SSL_set_fd(ssl_, fd_);
  const int ret = SSL_connect(ssl_);
  if (ret == 1) return Outcome::ok;
  const Outcome o = classify(ssl_, ret, Outcome::handshake);
  // No close_notify on a connection whose handshake failed.
  SSL_free(ssl_);
  ssl_ = nullptr;
  return o == Outcome::closed_early ? Outcome::handshake : o;
}

Outcome Conn::write_all(const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    if (ssl_ != nullptr) {
      const int n = SSL_write(ssl_, data.data() + off, static_cast<int>(data.size() - off));
      if (n <= 0) {
        failed_ = true;
        return classify(ssl_, n, Outcome::reset);
      }
      off += static_cast<size_t>(n);
    } else {
      const ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? Outcome::timeout : Outcome::reset;
      off += static_cast<size_t>(n);
    }
  }
  return Outcome::ok;
}

Outcome Conn::read_some(char* buf, size_t cap, size_t& got) {
  got = 0;
  if (ssl_ != nullptr) {
    const int n = SSL_read(ssl_, buf, static_cast<int>(cap));
    if (n <= 0) {
      failed_ = true;
      return classify(ssl_, n, Outcome::reset);
    }
    got = static_cast<size_t>(n);
    return Outcome::ok;
  }
  const ssize_t n = ::recv(fd_, buf, cap, 0);
  if (n == 0) return Outcome::closed_early;
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Outcome::timeout;
    return Outcome::reset;
  }
  got = static_cast<size_t>(n);
  return Outcome::ok;
}

Outcome Conn::read_response(Response& r) {
  r = Response{};
  std::string buf = std::move(pending_);
  pending_.clear();
  char chunk[16 * 1024];
  size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (buf.size() > 64 * 1024) return Outcome::bad_response;
    size_t got;
    const Outcome o = read_some(chunk, sizeof chunk, got);
    if (o != Outcome::ok) return o;
    buf.append(chunk, got);
  }
  const std::string_view head(buf.data(), head_end);
  if (head.size() < 12 || head.substr(0, 7) != "HTTP/1.") return Outcome::bad_response;
  r.status = std::atoi(std::string(head.substr(9, 3)).c_str());
  if (r.status < 100 || r.status > 599) return Outcome::bad_response;
  long long length = -1;
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos < head.size()) {
    const size_t next = head.find("\r\n", pos + 2);
    const std::string_view line = head.substr(pos + 2, (next == std::string_view::npos ? head.size() : next) - pos - 2);
    if (iequals_prefix(line, "content-length:")) length = std::atoll(std::string(line.substr(15)).c_str());
    else if (iequals_prefix(line, "retry-after:")) r.retry_after = true;
    else if (iequals_prefix(line, "connection:") && line.find("close") != std::string_view::npos) r.close = true;
    else if (iequals_prefix(line, "transfer-encoding:")) return Outcome::bad_response;  // neither peer chunks
    pos = next;
  }
  std::string body = buf.substr(head_end + 4);
  if (length >= 0) {
    while (body.size() < static_cast<size_t>(length)) {
      size_t got;
      const Outcome o = read_some(chunk, sizeof chunk, got);
      if (o != Outcome::ok) return o;
      body.append(chunk, got);
    }
    pending_ = body.substr(static_cast<size_t>(length));
    body.resize(static_cast<size_t>(length));
  } else {
    for (;;) {  // no length: the body runs to the end of the stream
      size_t got;
      const Outcome o = read_some(chunk, sizeof chunk, got);
      if (o == Outcome::closed_early) break;
      if (o != Outcome::ok) return o;
      body.append(chunk, got);
    }
    r.close = true;
  }
  r.body_bytes = body.size();
  r.body = body.substr(0, 4096);
  return Outcome::ok;
}

bool Conn::peer_closed() {
  if (fd_ < 0) return true;
  pollfd p{fd_, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  return (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

void Conn::close() {
  if (ssl_ != nullptr) {
    // OpenSSL forbids SSL_shutdown after a fatal error on the connection.
    if (!failed_) SSL_shutdown(ssl_);
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  failed_ = false;
  pending_.clear();
}

}  // namespace gate_load
