// The vpcd wire protocol: connecting to vpcd and answering its messages with
// a card's ATR and response APDUs.
#include "pairkit/sim/vpcd.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <utility>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pairkit/core/error.hpp"

namespace pairkit::sim {

namespace {

using Ms = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

int to_poll_ms(Ms d) { return d.count() < 0 ? 0 : d.count() > 1'000'000 ? 1'000'000 : static_cast<int>(d.count()); }

// How a read or a write of one message ended.
enum class Io { done, closed, stopped };

// What a wait on the socket saw.
enum class Wait { ready, stopped, timed_out };

// Waits until the socket is ready for `events` (or has an error for the next
// call to report), `stop_fd` is readable, or `deadline` passes.
Wait wait_until(const VpcdConnection& conn, short events, int stop_fd, SteadyClock::time_point deadline) {
  for (;;) {
    pollfd p[2] = {{conn.fd(), events, 0}, {stop_fd, POLLIN, 0}};
    const auto left = std::chrono::duration_cast<Ms>(deadline - SteadyClock::now());
    const int r = ::poll(p, stop_fd >= 0 ? 2 : 1, to_poll_ms(left));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw InputError(conn.peer() + ": poll failed: " + std::strerror(errno));
    if (stop_fd >= 0 && p[1].revents != 0) return Wait::stopped;
    if (r > 0) return Wait::ready;
    if (SteadyClock::now() >= deadline) return Wait::timed_out;
  }
}

// Reads exactly buf.size() bytes within `timeout`. At a message boundary
// (`boundary`), an orderly close before any byte is Io::closed.
Io read_exact(VpcdConnection& conn, std::span<uint8_t> buf, Ms timeout, bool boundary, int stop_fd) {
  const auto deadline = SteadyClock::now() + timeout;
  size_t got = 0;
  while (got < buf.size()) {
    const Wait w = wait_until(conn, POLLIN, stop_fd, deadline);
    if (w == Wait::stopped) return Io::stopped;
    if (w == Wait::timed_out)
      throw InputError(conn.peer() + ": message stalled: " + std::to_string(got) + " of " +
                       std::to_string(buf.size()) + " bytes after " + std::to_string(timeout.count()) + " ms");
    const ssize_t n = ::recv(conn.fd(), buf.data() + got, buf.size() - got, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0 && errno == ECONNRESET && boundary && got == 0) return Io::closed;
    if (n < 0) throw InputError(conn.peer() + ": read failed: " + std::strerror(errno));
    if (n == 0) {
      if (boundary && got == 0) return Io::closed;
      throw InputError(conn.peer() + " closed the connection in the middle of a message (" + std::to_string(got) +
                       " of " + std::to_string(buf.size()) + " bytes)");
    }
    got += static_cast<size_t>(n);
  }
  return Io::done;
}

// Sends one framed message within `timeout`: a vpcd that stops reading
// would otherwise block the card in send() for ever, deaf to signals.
// Io::closed when vpcd has gone away.
Io send_message(VpcdConnection& conn, std::span<const uint8_t> payload, Ms timeout, int stop_fd) {
  if (payload.size() > 0xFFFF)
    throw InputError(conn.peer() + ": a " + std::to_string(payload.size()) + "-byte answer does not fit a message");
  std::vector<uint8_t> frame;
  frame.reserve(payload.size() + 2);
  frame.push_back(static_cast<uint8_t>(payload.size() >> 8));
  frame.push_back(static_cast<uint8_t>(payload.size() & 0xFF));
  frame.insert(frame.end(), payload.begin(), payload.end());
  const auto deadline = SteadyClock::now() + timeout;
  size_t sent = 0;
  while (sent < frame.size()) {
    const ssize_t n = ::send(conn.fd(), frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) return Io::closed;
    if (n < 0 && errno == EAGAIN) {
      const Wait w = wait_until(conn, POLLOUT, stop_fd, deadline);
      if (w == Wait::stopped) return Io::stopped;
      if (w == Wait::timed_out)
        throw InputError(conn.peer() + " stopped reading: an answer stalled at " + std::to_string(sent) + " of " +
                         std::to_string(frame.size()) + " bytes for " + std::to_string(timeout.count()) + " ms");
      continue;
    }
    if (n < 0) throw InputError(conn.peer() + ": write failed: " + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  return Io::done;
}

// Sleeps for `d`, or less when `stop_fd` becomes readable; true if it did.
bool pause_unless_stopped(Ms d, int stop_fd) {
  const auto deadline = SteadyClock::now() + d;
  for (;;) {
    pollfd p{stop_fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<Ms>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    const int r = ::poll(&p, stop_fd >= 0 ? 1 : 0, to_poll_ms(left));
    if (r > 0) return true;
  }
}

// One non-blocking connect attempt bounded by `timeout` and `stop_fd`;
// returns the socket or -1 with `why` set.
int try_connect(const addrinfo* ai, Ms timeout, int stop_fd, std::string& why) {
  const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
  if (fd < 0) {
    why = std::strerror(errno);
    return -1;
  }
  int err = 0;
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
    if (errno != EINPROGRESS) {
      err = errno;
    } else {
      pollfd p[2] = {{fd, POLLOUT, 0}, {stop_fd, POLLIN, 0}};
      int r;
      do r = ::poll(p, stop_fd >= 0 ? 2 : 1, to_poll_ms(timeout));
      while (r < 0 && errno == EINTR);
      if (stop_fd >= 0 && p[1].revents != 0) {
        why = "stopped before vpcd answered";
        ::close(fd);
        return -1;
      }
      if (r == 0) {
        err = ETIMEDOUT;
      } else {
        socklen_t len = sizeof err;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
      }
    }
  }
  if (err != 0) {
    why = std::strerror(err);
    ::close(fd);
    return -1;
  }
  // The socket stays non-blocking: every read and write waits in poll(),
  // with a deadline and the stop descriptor.
  // An answer is one small write: send it at once.
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

}  // namespace

std::string VpcdAddress::text() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

VpcdAddress parse_vpcd_address(std::string_view spec) {
  const auto bad = [&](const std::string& why) {
    return UsageError("--vpcd '" + std::string(spec) + "': " + why + " (expected HOST:PORT, e.g. 127.0.0.1:35963)");
  };
  VpcdAddress a;
  std::string_view host = spec, port;
  if (!spec.empty() && spec.front() == '[') {
    const auto close = spec.find(']');
    if (close == std::string_view::npos) throw bad("unclosed '['");
    host = spec.substr(1, close - 1);
    const auto rest = spec.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw bad("expected ':' after ']'");
      port = rest.substr(1);
      if (port.empty()) throw bad("empty port");
    }
  } else if (const auto colon = spec.rfind(':'); colon != std::string_view::npos) {
    if (spec.find(':') != colon) throw bad("an IPv6 address needs brackets, as in [::1]:35963");
    host = spec.substr(0, colon);
    port = spec.substr(colon + 1);
    if (port.empty()) throw bad("empty port");
  }
  if (!host.empty()) a.host = std::string(host);
  if (a.host.find_first_of(" \t/") != std::string::npos) throw bad("not a host name");
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      throw bad("port '" + std::string(port) + "' is not 1-65535");
    a.port = static_cast<uint16_t>(value);
  }
  return a;
}

VpcdConnection::VpcdConnection(int fd, std::string peer) : fd_(fd), peer_(std::move(peer)) {}

VpcdConnection::VpcdConnection(VpcdConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), peer_(std::move(other.peer_)) {}

VpcdConnection& VpcdConnection::operator=(VpcdConnection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    peer_ = std::move(other.peer_);
  }
  return *this;
}

VpcdConnection::~VpcdConnection() {
  if (fd_ >= 0) ::close(fd_);
}

VpcdConnection connect_vpcd(const VpcdAddress& address, Ms wait, const StopFn& stop, Ms retry_every, int stop_fd) {
  const std::string peer = "vpcd at " + address.text();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const std::string port = std::to_string(address.port);
  if (const int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &list); rc != 0)
    throw InputError("cannot resolve " + peer + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(list, &::freeaddrinfo);

  const auto deadline = SteadyClock::now() + wait;
  std::string why;
  for (;;) {
    for (const addrinfo* ai = list; ai; ai = ai->ai_next) {
      const int fd = try_connect(ai, std::max(retry_every, Ms(5000)), stop_fd, why);
      if (fd >= 0) return VpcdConnection(fd, peer);
    }
    if (SteadyClock::now() + retry_every > deadline || (stop && stop())) break;
    if (pause_unless_stopped(retry_every, stop_fd)) {
      why = "stopped before vpcd answered";
      break;
    }
  }
  throw InputError("cannot connect to " + peer + ": " + why +
                   " (is pcscd running with the vsmartcard-vpcd reader driver?)");
}

ServeSummary serve_card(VpcdConnection& conn, ApduCard& card, const ServeOptions& opts) {
  ServeSummary sum;
  const auto emit = [&](const VpcdEvent& e) {
    if (opts.on_event) opts.on_event(e);
  };
  const auto stopped = [&] {
    sum.end = ServeSummary::End::stopped;
    return sum;
  };
  for (;;) {
    if (opts.stop && opts.stop()) return stopped();
    const Wait idle = wait_until(conn, POLLIN, opts.stop_fd, SteadyClock::now() + opts.poll_interval);
    if (idle == Wait::stopped) return stopped();
    if (idle == Wait::timed_out) continue;

    // vpcd writes a message's length and payload separately; acknowledging
    // at once keeps its Nagle algorithm from holding the payload back for a
    // delayed ACK (40 ms per APDU). Not TCP (a socketpair in tests): no-op.
    const int one = 1;
    ::setsockopt(conn.fd(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    uint8_t header[2];
    const Io head = read_exact(conn, header, opts.message_timeout, true, opts.stop_fd);
    if (head == Io::closed) return sum;
    if (head == Io::stopped) return stopped();
    const size_t length = (size_t(header[0]) << 8) | header[1];
    if (length == 0) throw InputError(conn.peer() + " sent an empty message");
    VpcdEvent ev;
    ev.command.resize(length);
    if (read_exact(conn, ev.command, opts.message_timeout, false, opts.stop_fd) == Io::stopped) return stopped();

    if (length == 1) {
      switch (static_cast<VpcdControl>(ev.command[0])) {
        case VpcdControl::power_off:
          ev.kind = VpcdEvent::Kind::power_off;
          card.power_off();
          ++sum.power_offs;
          break;
        case VpcdControl::power_on:
          ev.kind = VpcdEvent::Kind::power_on;
          card.power_on();
          ++sum.power_ons;
          break;
        case VpcdControl::reset:
          ev.kind = VpcdEvent::Kind::reset;
          card.power_off();
          card.power_on();
          ++sum.resets;
          break;
        case VpcdControl::atr:
          ev.kind = VpcdEvent::Kind::atr;
          ev.response = card.atr();
          ++sum.atrs;
          break;
        default:
          ev.kind = VpcdEvent::Kind::unknown_control;
          break;
      }
    } else {
      ev.kind = VpcdEvent::Kind::apdu;
      try {
        ev.response = card.transmit(ev.command);
      } catch (const std::exception& e) {
        ev.response = {0x6F, 0x00};
        ev.note = e.what();
      }
      if (ev.response.size() < 2) {
        ev.note = "the card answered " + std::to_string(ev.response.size()) + " bytes, not a response APDU";
        ev.response = {0x6F, 0x00};
      }
      ++sum.apdus;
    }
    const bool answer = ev.kind == VpcdEvent::Kind::atr || ev.kind == VpcdEvent::Kind::apdu;
    if (answer) {
      const Io sent = send_message(conn, ev.response, opts.message_timeout, opts.stop_fd);
      if (sent == Io::closed) return sum;
      if (sent == Io::stopped) return stopped();
    }
    emit(ev);
  }
}

}  // namespace pairkit::sim
