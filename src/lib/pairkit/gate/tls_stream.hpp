// The gate server's TLS stream: OpenSSL straight on the non-blocking socket,
// a Beast AsyncReadStream/AsyncWriteStream that keeps no buffers of its own.
#pragma once
#include <algorithm>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <openssl/ssl.h>

namespace pairkit::gate {

/// Server side of one TLS connection. asio's ssl::stream copies every record
/// through two 17 KB vectors and a 2 x 17 KB BIO pair, ~70 KB per connection
/// even when idle; here OpenSSL reads and writes the socket itself, and with
/// SSL_MODE_RELEASE_BUFFERS an idle connection holds only the SSL object.
/// Operations retry SSL_* calls after the socket is ready; they complete with
/// beast::error::timeout once time_out() was called (the owner's deadline),
/// with operation_aborted after cancel(). One read and one write at a time.
class TlsStream {
public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;

  /// Takes the connected socket; `ctx` must be a server context. If OpenSSL
  /// cannot make the SSL object, the handshake fails (nothing throws).
  TlsStream(boost::asio::ip::tcp::socket&& socket, SSL_CTX* ctx);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }
  /// Null only when the SSL object could not be made.
  SSL* native_handle() const noexcept { return ssl_.get(); }

  /// The owner's deadline passed: pending and later operations complete with
  /// beast::error::timeout until clear_timeout().
  void time_out();
  void clear_timeout() noexcept { timed_out_ = false; }
  /// Pending waits complete with operation_aborted.
  void cancel();
  /// Whether a read would not wait: OpenSSL holds bytes it read ahead, or the
  /// socket has input, an end or an error. A wait for readiness comes after
  /// this check only: asio's edge-triggered epoll reports no input that
  /// arrived before the wait began.
  bool input_ready() noexcept;
  /// Reads and drops what the peer has sent and nobody will read (at most
  /// 64 KB, without waiting): closing a socket with unread input resets the
  /// connection, and the peer of a failed handshake should see a plain close.
  void drop_unread() noexcept;

  template <class Handler>
  auto async_handshake(Handler&& handler) {
    return start<false>(Kind::handshake, nullptr, 0, nullptr, std::forward<Handler>(handler));
  }

  /// Sends close_notify and waits for the peer's.
  template <class Handler>
  auto async_shutdown(Handler&& handler) {
    return start<false>(Kind::shutdown, nullptr, 0, nullptr, std::forward<Handler>(handler));
  }

  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    boost::asio::mutable_buffer target;
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      if (boost::asio::mutable_buffer b(*it); b.size() > 0) {
        target = b;
        break;
      }
    }
    return start<true>(Kind::read, target.data(), target.size(), nullptr, std::forward<Handler>(handler));
  }

  /// Beast hands an answer over as several buffers (headers, body): small
  /// ones are joined into one record, as beast::flat_stream would.
  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    const size_t total = boost::asio::buffer_size(buffers);
    boost::asio::const_buffer first;
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      if (boost::asio::const_buffer b(*it); b.size() > 0) {
        first = b;
        break;
      }
    }
    std::unique_ptr<char[]> joined;
    if (first.size() < total && first.size() < kRecord) {
      const size_t n = std::min(total, kRecord);
      joined = std::make_unique<char[]>(n);
      boost::asio::buffer_copy(boost::asio::buffer(joined.get(), n), buffers);
      first = boost::asio::const_buffer(joined.get(), n);
    }
    return start<true>(Kind::write, const_cast<void*>(first.data()), first.size(), std::move(joined),
                       std::forward<Handler>(handler));
  }

private:
  static constexpr size_t kRecord = 16384;
  enum class Kind { handshake, read, write, shutdown };
  enum class Next { done, wait_read, wait_write };
  struct Step {
    Next next;
    boost::system::error_code ec;
    size_t bytes;
  };

  /// One SSL_* call, its outcome mapped as asio's ssl::stream maps it (a
  /// close_notify is eof, a TCP close without one is stream_truncated).
  Step attempt(Kind kind, void* data, size_t size);

  template <bool WithSize>
  struct Op {
    TlsStream* stream;
    Kind kind;
    void* data;
    size_t size;
    std::unique_ptr<char[]> owned;  // the joined buffers of a write, kept until it completes
    bool posted = false;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      // The first attempt runs from the executor: a handler is never called
      // from inside the initiating function.
      if (!posted) {
        posted = true;
        return boost::asio::post(stream->get_executor(), std::move(self));
      }
      if (stream->timed_out_) return finish(self, boost::beast::error::timeout, 0);
      if (ec) return finish(self, ec, 0);
      const Step step = stream->attempt(kind, data, size);
      if (step.next == Next::wait_read)
        return stream->socket_.async_wait(boost::asio::socket_base::wait_read, std::move(self));
      if (step.next == Next::wait_write)
        return stream->socket_.async_wait(boost::asio::socket_base::wait_write, std::move(self));
      finish(self, step.ec, step.bytes);
    }

    template <class Self>
    void finish(Self& self, boost::system::error_code ec, size_t n) {
      owned.reset();
      if constexpr (WithSize)
        self.complete(ec, n);
      else
        self.complete(ec);
    }
  };

  template <bool WithSize, class Handler>
  auto start(Kind kind, void* data, size_t size, std::unique_ptr<char[]> owned, Handler&& handler) {
    using Signature = std::conditional_t<WithSize, void(boost::system::error_code, size_t),
                                         void(boost::system::error_code)>;
    return boost::asio::async_compose<Handler, Signature>(Op<WithSize>{this, kind, data, size, std::move(owned)},
                                                          handler, socket_);
  }

  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<SSL, void (*)(SSL*)> ssl_;
  bool timed_out_ = false;
};

}  // namespace pairkit::gate
