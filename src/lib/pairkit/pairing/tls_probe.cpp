// TLS pin probe: Botan 2 TLS client over a POSIX socket with timeouts; the
// certificate verification callback captures the leaf instead of checking CAs.
#include "pairkit/pairing/tls_probe.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include <botan/credentials_manager.h>
#include <botan/tls_callbacks.h>
#include <botan/tls_client.h>
#include <botan/tls_exceptn.h>
#include <botan/tls_policy.h>
#include <botan/tls_session_manager.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pairkit/core/error.hpp"

namespace pairkit::pairing {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::pair<std::string, std::string> split_address(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) throw UsageError("address '" + address + "' is not HOST:PORT");
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, address.substr(colon + 1)};
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

int connect_with_timeout(const std::string& address, std::chrono::milliseconds timeout) {
  const auto [host, port] = split_address(address);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
    throw InputError("cannot resolve " + address + ": " + ::gai_strerror(rc));
  std::string last_error = "no address";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      if (!wait_for(fd, POLLOUT, deadline)) {
        ::close(fd);
        ::freeaddrinfo(res);
        throw InputError("cannot connect to " + address + ": timed out after " + std::to_string(timeout.count()) +
                         " ms");
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err ? -1 : 0;
      errno = err;
    }
    if (rc == 0) {
      ::freeaddrinfo(res);
      return fd;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  throw InputError("cannot connect to " + address + ": " + last_error);
}

class Probe final : public Botan::TLS::Callbacks {
public:
  explicit Probe(int fd) : fd_(fd) {}

  void tls_emit_data(const uint8_t data[], size_t size) override {
    while (size > 0) {
      const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
          pollfd p{fd_, POLLOUT, 0};
          ::poll(&p, 1, 1000);
          continue;
        }
        throw InputError(std::string("send failed: ") + std::strerror(errno));
      }
      data += n;
      size -= static_cast<size_t>(n);
    }
  }
  void tls_record_received(uint64_t, const uint8_t[], size_t) override {}
  void tls_alert(Botan::TLS::Alert alert) override {
    if (alert.is_fatal()) alert_ = alert.type_string();
  }
  bool tls_session_established(const Botan::TLS::Session&) override { return false; }

  // The pin replaces CA validation: keep the leaf, accept the chain here. The
  // handshake still proves the server holds the leaf's private key.
  void tls_verify_cert_chain(const std::vector<Botan::X509_Certificate>& chain,
                             const std::vector<std::shared_ptr<const Botan::OCSP::Response>>&,
                             const std::vector<Botan::Certificate_Store*>&, Botan::Usage_Type, const std::string&,
                             const Botan::TLS::Policy&) override {
    if (chain.empty()) throw Botan::TLS::TLS_Exception(Botan::TLS::Alert::BAD_CERTIFICATE, "server sent no certificate");
    leaf_ = chain.front();
  }

  std::optional<Botan::X509_Certificate> leaf_;
  std::string alert_;

private:
  int fd_;
};

// No trusted roots (the pin decides) and, when given, one client identity.
class Credentials final : public Botan::Credentials_Manager {
public:
  Credentials(const Botan::X509_Certificate* cert, const Botan::Private_Key* key) : cert_(cert), key_(key) {}
  std::vector<Botan::X509_Certificate> cert_chain(const std::vector<std::string>& key_types, const std::string& type,
                                                  const std::string&) override {
    if (cert_ == nullptr || key_ == nullptr || type != "tls-client") return {};
    if (std::find(key_types.begin(), key_types.end(), key_->algo_name()) == key_types.end()) return {};
    return {*cert_};
  }
  Botan::Private_Key* private_key_for(const Botan::X509_Certificate&, const std::string&, const std::string&) override {
    return const_cast<Botan::Private_Key*>(key_);
  }

private:
  const Botan::X509_Certificate* cert_;
  const Botan::Private_Key* key_;
};

}  // namespace

Botan::X509_Certificate fetch_server_certificate(const std::string& address, std::chrono::milliseconds timeout,
                                                 Botan::RandomNumberGenerator& rng,
                                                 const Botan::X509_Certificate* client_cert,
                                                 const Botan::Private_Key* client_key) {
  Fd sock{connect_with_timeout(address, timeout)};
  Probe probe(sock.fd);
  Botan::TLS::Session_Manager_Noop sessions;
  Credentials creds(client_cert, client_key);
  Botan::TLS::Policy policy;
  const auto [host, port] = split_address(address);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  try {
    Botan::TLS::Client client(probe, sessions, creds, policy, rng,
                              Botan::TLS::Server_Information(host, static_cast<uint16_t>(std::stoi(port))));
    uint8_t buf[16384];
    while (!client.is_active()) {
      if (client.is_closed())
        throw InputError("TLS handshake with " + address + " failed" +
                         (probe.alert_.empty() ? std::string() : ": server sent alert " + probe.alert_));
      if (!wait_for(sock.fd, POLLIN, deadline))
        throw InputError("TLS handshake with " + address + " timed out after " + std::to_string(timeout.count()) +
                         " ms");
      const ssize_t n = ::recv(sock.fd, buf, sizeof buf, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0)
        throw InputError("TLS handshake with " + address + " failed: connection closed by the server" +
                         (probe.alert_.empty() ? std::string() : " (alert " + probe.alert_ + ")"));
      client.received_data(buf, static_cast<size_t>(n));
    }
    client.close();
  } catch (const Botan::Exception& e) {
    throw InputError("TLS handshake with " + address + " failed: " + e.what());
  }
  if (!probe.leaf_) throw InputError("TLS handshake with " + address + " gave no server certificate");
  return *probe.leaf_;
}

}  // namespace pairkit::pairing
