// The [check] listener's stream: plain HTTP on a loopback TCP or unix socket,
// with the interface of TlsStream so that one Session serves both ports.
#pragma once
#include <cstddef>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>

namespace pairkit::gate {

/// A connected socket of any stream family. Operations complete with
/// beast::error::timeout once time_out() was called (the owner's deadline)
/// until clear_timeout(), as TlsStream's do.
class PlainStream {
public:
  using socket_type = boost::asio::generic::stream_protocol::socket;
  using executor_type = socket_type::executor_type;

  explicit PlainStream(socket_type&& socket) : socket_(std::move(socket)) {}

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  socket_type& socket() noexcept { return socket_; }

  void time_out() {
    timed_out_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }
  void clear_timeout() noexcept { timed_out_ = false; }
  void cancel() {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }
  /// Whether a read would not wait (input, an end or an error is there).
  bool input_ready() noexcept;
  /// Nothing to drop: there is no handshake to fail.
  void drop_unread() noexcept {}

  /// Ends the sending side; the connection closes with the stream.
  template <class Handler>
  auto async_shutdown(Handler&& handler) {
    return boost::asio::async_compose<Handler, void(boost::system::error_code)>(
        [this, posted = false](auto& self, boost::system::error_code = {}) mutable {
          if (!posted) {
            posted = true;
            return boost::asio::post(get_executor(), std::move(self));
          }
          boost::system::error_code ec;
          socket_.shutdown(boost::asio::socket_base::shutdown_send, ec);
          self.complete(ec);
        },
        handler, socket_);
  }

  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return start(Op<MutableBuffers, true>{this, buffers}, std::forward<Handler>(handler));
  }

  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return start(Op<ConstBuffers, false>{this, buffers}, std::forward<Handler>(handler));
  }

private:
  template <class Buffers, bool Read>
  struct Op {
    PlainStream* stream;
    Buffers buffers;
    int step = 0;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, size_t n = 0) {
      // The first step runs from the executor: a handler is never called
      // from inside the initiating function.
      if (step == 0) {
        step = 1;
        return boost::asio::post(stream->get_executor(), std::move(self));
      }
      if (step == 1) {
        step = 2;
        if (stream->timed_out_) return self.complete(boost::beast::error::timeout, 0);
        // A copy: `self`, which holds `buffers`, is moved before asio reads them.
        const Buffers b = buffers;
        if constexpr (Read)
          return stream->socket_.async_read_some(b, std::move(self));
        else
          return stream->socket_.async_write_some(b, std::move(self));
      }
      if (ec && stream->timed_out_) ec = boost::beast::error::timeout;
      self.complete(ec, n);
    }
  };

  template <class Operation, class Handler>
  auto start(Operation op, Handler&& handler) {
    return boost::asio::async_compose<Handler, void(boost::system::error_code, size_t)>(std::move(op), handler,
                                                                                       socket_);
  }

  socket_type socket_;
  bool timed_out_ = false;
};

}  // namespace pairkit::gate
