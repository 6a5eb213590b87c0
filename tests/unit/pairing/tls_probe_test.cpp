// TLS probe error paths that need no peer (the live handshakes are in tests/cli/pin.t.sh).
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"
#include "pairkit/pairing/tls_probe.hpp"

using namespace pairkit;
using namespace std::chrono_literals;

TEST_CASE("refused connections and malformed addresses") {
  // A port that was just free: bind, read the number, close.
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  ::close(s);
  auto rng = make_system_rng();
  CHECK_THROWS_WITH_AS(pairing::fetch_server_certificate("127.0.0.1:" + std::to_string(port), 2000ms, *rng),
                       doctest::Contains("Connection refused"), InputError);
  CHECK_THROWS_AS(pairing::fetch_server_certificate("no-port", 2000ms, *rng), UsageError);
}

TEST_CASE("a peer that accepts but never answers times out") {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(s, 4);  // the kernel completes the TCP handshake; nobody speaks TLS
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  auto rng = make_system_rng();
  CHECK_THROWS_WITH_AS(pairing::fetch_server_certificate("127.0.0.1:" + std::to_string(ntohs(a.sin_port)), 300ms, *rng),
                       doctest::Contains("timed out"), InputError);
  ::close(s);
}
