// vpcd framing: the input is what vpcd sends (length-prefixed messages,
// control bytes, APDUs) to a simulated card over a socket pair.
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <thread>

#include "fuzz_target.hpp"
#include "pairkit/sim/vpcd.hpp"

PAIRKIT_FUZZ_TARGET(vpcd) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return;
  pairkit::sim::VpcdConnection conn(fds[0], "vpcd");
  const int reader = fds[1];
  // The card's answers are drained on the side, so that no answer waits on a full socket.
  std::thread drain([reader, data] {
    for (size_t sent = 0; sent < data.size();) {
      const ssize_t n = ::send(reader, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    ::shutdown(reader, SHUT_WR);
    std::array<uint8_t, 4096> buf;
    while (::read(reader, buf.data(), buf.size()) > 0) {
    }
  });
  // However serving ends, hanging up ends the drain.
  struct Join {
    std::thread& t;
    int card_fd, reader_fd;
    ~Join() {
      ::shutdown(card_fd, SHUT_RDWR);
      t.join();
      ::close(reader_fd);
    }
  } join{drain, conn.fd(), reader};
  const auto card = pairkit::sim::make_simulated_card({"modern", 1, false, 1});
  pairkit::sim::ServeOptions opts;
  opts.message_timeout = std::chrono::milliseconds(200);
  (void)pairkit::sim::serve_card(conn, *card, opts);
}
