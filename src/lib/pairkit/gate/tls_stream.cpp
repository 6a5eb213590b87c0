// The gate server's TLS stream: the socket BIO (send with MSG_NOSIGNAL, so a
// client that hangs up cannot raise SIGPIPE) and one SSL_* call per attempt.
#include "pairkit/gate/tls_stream.hpp"

#include <cerrno>
#include <cstdint>
#include <sys/socket.h>

#include <boost/asio/ssl/error.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>

namespace pairkit::gate {

namespace net = boost::asio;

namespace {

int socket_of(BIO* bio) { return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio))); }

bool transient(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

int bio_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::send(socket_of(bio), data, static_cast<size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && transient(errno)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

int bio_read(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::recv(socket_of(bio), data, static_cast<size_t>(size), 0);
  // OpenSSL asks BIO_eof() to tell a closed connection from a pause.
  if (n == 0) BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
  if (n < 0 && transient(errno)) BIO_set_retry_read(bio);
  return static_cast<int>(n);
}

long bio_ctrl(BIO* bio, int cmd, long, void*) {
  if (cmd == BIO_CTRL_FLUSH) return 1;
  if (cmd == BIO_CTRL_EOF) return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0;
  return 0;
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* socket_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "pairkit socket");
    if (m) {
      BIO_meth_set_write(m, bio_write);
      BIO_meth_set_read(m, bio_read);
      BIO_meth_set_ctrl(m, bio_ctrl);
      BIO_meth_set_create(m, bio_create);
    }
    return m;
  }();
  return method;
}

SSL* make_ssl(net::ip::tcp::socket& socket, SSL_CTX* ctx) {
  const BIO_METHOD* method = socket_method();
  if (!method) return nullptr;
  SSL* ssl = SSL_new(ctx);
  if (!ssl) return nullptr;
  BIO* bio = BIO_new(method);
  if (!bio) {
    SSL_free(ssl);
    return nullptr;
  }
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(socket.native_handle())));
  SSL_set_bio(ssl, bio, bio);
  // A write that waited for the socket is retried from the same bytes, maybe
  // at another address (a composed operation moves); a partial write lets
  // Beast go on with the rest.
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // One recv per batch of records, not two per record (header, then body);
  // the buffer is still released once drained.
  SSL_set_read_ahead(ssl, 1);
  SSL_set_accept_state(ssl);
  return ssl;
}

}  // namespace

TlsStream::TlsStream(net::ip::tcp::socket&& socket, SSL_CTX* ctx) : socket_(std::move(socket)), ssl_(nullptr, SSL_free) {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  if (!ec) ssl_.reset(make_ssl(socket_, ctx));
}

// The SSL object goes first: its BIO refers to the socket's descriptor.
TlsStream::~TlsStream() { ssl_.reset(); }

void TlsStream::time_out() {
  timed_out_ = true;
  cancel();
}

void TlsStream::cancel() {
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

bool TlsStream::input_ready() noexcept {
  if (ssl_ && SSL_has_pending(ssl_.get())) return true;
  char byte;
  const ssize_t n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || !transient(errno);
}

void TlsStream::drop_unread() noexcept {
  char sink[4096];
  for (int i = 0; i < 16; ++i) {
    if (::recv(socket_.native_handle(), sink, sizeof sink, MSG_DONTWAIT) <= 0) return;
  }
}

TlsStream::Step TlsStream::attempt(Kind kind, void* data, size_t size) {
  if (!ssl_) return {Next::done, net::error::no_memory, 0};
  if ((kind == Kind::read || kind == Kind::write) && size == 0) return {Next::done, {}, 0};
  SSL* ssl = ssl_.get();
  ERR_clear_error();
  errno = 0;
  int ret = 0;
  size_t bytes = 0;
  switch (kind) {
    case Kind::handshake:
      ret = SSL_do_handshake(ssl);
      break;
    case Kind::read:
      ret = SSL_read_ex(ssl, data, size, &bytes);
      break;
    case Kind::write:
      ret = SSL_write_ex(ssl, data, size, &bytes);
      break;
    case Kind::shutdown:
      ret = SSL_shutdown(ssl);
      // 0: our close_notify is out; the second call waits for the peer's.
      if (ret == 0) ret = SSL_shutdown(ssl);
      break;
  }
  if (ret == 1) return {Next::done, {}, bytes};
  const int saved_errno = errno;
  const int err = SSL_get_error(ssl, ret);
  const unsigned long reason = ERR_peek_last_error();
  ERR_clear_error();
  switch (err) {
    case SSL_ERROR_WANT_READ:
      return {Next::wait_read, {}, 0};
    case SSL_ERROR_WANT_WRITE:
      return {Next::wait_write, {}, 0};
    case SSL_ERROR_ZERO_RETURN:
      return {Next::done, net::error::eof, 0};
    case SSL_ERROR_SYSCALL:
      if (saved_errno != 0) return {Next::done, {saved_errno, boost::system::system_category()}, 0};
      return {Next::done, net::ssl::error::stream_truncated, 0};
    default:
      if (ERR_GET_LIB(reason) == ERR_LIB_SSL && ERR_GET_REASON(reason) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
        return {Next::done, net::ssl::error::stream_truncated, 0};
      if (reason != 0) return {Next::done, {static_cast<int>(reason), net::error::get_ssl_category()}, 0};
      return {Next::done, net::error::connection_aborted, 0};
  }
}

}  // namespace pairkit::gate
