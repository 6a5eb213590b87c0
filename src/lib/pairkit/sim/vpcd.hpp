// Serving a card to pcscd through vsmartcard's virtual reader driver (vpcd):
// the card is a TCP client of vpcd; every message is a 2-byte big-endian
// length and a payload; a 1-byte payload is a control byte, anything longer is
// a command APDU answered with the response APDU.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pairkit/sim/apdu_card.hpp"

namespace pairkit::sim {

/// vpcd's default port (vsmartcard's VPCDPORT); the second reader slot listens on the next one.
inline constexpr uint16_t kVpcdDefaultPort = 35963;

/// Where vpcd listens.
struct VpcdAddress {
  std::string host = "127.0.0.1";
  uint16_t port = kVpcdDefaultPort;
  /// "127.0.0.1:35963", "[::1]:35963".
  std::string text() const;
};

/// Parses "HOST:PORT", "HOST" (default port), ":PORT" (default host) or
/// "[IPv6]:PORT"; throws UsageError naming the text.
VpcdAddress parse_vpcd_address(std::string_view spec);

/// vpcd's control bytes (a 1-byte payload).
enum class VpcdControl : uint8_t { power_off = 0, power_on = 1, reset = 2, atr = 4 };

/// One message vpcd sent and what the card answered, for a live transcript.
struct VpcdEvent {
  enum class Kind { power_off, power_on, reset, atr, apdu, unknown_control };
  Kind kind = Kind::apdu;
  std::vector<uint8_t> command;   ///< the payload vpcd sent
  std::vector<uint8_t> response;  ///< what went back (empty: no answer is due)
  std::string note;               ///< why the card could not answer (the card threw), else empty
};

/// A connected socket to vpcd (owns the descriptor).
class VpcdConnection {
public:
  /// Adopts a connected stream socket (tests pass one end of a socketpair).
  explicit VpcdConnection(int fd, std::string peer = "vpcd");
  VpcdConnection(VpcdConnection&& other) noexcept;
  VpcdConnection& operator=(VpcdConnection&& other) noexcept;
  VpcdConnection(const VpcdConnection&) = delete;
  VpcdConnection& operator=(const VpcdConnection&) = delete;
  ~VpcdConnection();

  int fd() const { return fd_; }
  /// "vpcd at 127.0.0.1:35963", used in error messages.
  const std::string& peer() const { return peer_; }

private:
  int fd_ = -1;
  std::string peer_;
};

/// Stops a wait: polled between attempts and while idle; true means stop now.
using StopFn = std::function<bool()>;

/// Connects to vpcd. Retries a refused or unreachable connection every
/// `retry_every` until `wait` has passed (0: one attempt) or `stop` says so,
/// because pcscd may still be loading the driver. A readable `stop_fd` (the
/// CLI's signal self-pipe; -1: none) ends an attempt or a pause between them
/// at once. Throws InputError naming the address and the reason.
VpcdConnection connect_vpcd(const VpcdAddress& address, std::chrono::milliseconds wait = {},
                            const StopFn& stop = {},
                            std::chrono::milliseconds retry_every = std::chrono::milliseconds(100), int stop_fd = -1);

/// How serve_card waits and reports.
struct ServeOptions {
  StopFn stop;                                       ///< polled while idle; true ends serving
  /// Serving ends as soon as this descriptor is readable (the CLI's signal
  /// self-pipe), even in the middle of a stalled read or write; -1: none.
  int stop_fd = -1;
  std::chrono::milliseconds poll_interval{200};      ///< how often `stop` is polled while idle
  /// A started message must arrive, and an answer must be taken by vpcd,
  /// within this: a reader that stops reading cannot hold the card forever.
  std::chrono::milliseconds message_timeout{5000};
  std::function<void(const VpcdEvent&)> on_event;    ///< every message, as it is answered
};

/// Why serving ended, and what happened meanwhile.
struct ServeSummary {
  enum class End { reader_closed, stopped };
  End end = End::reader_closed;
  uint64_t apdus = 0, power_ons = 0, power_offs = 0, resets = 0, atrs = 0;
};

/// Serves `card` over `conn` until vpcd closes the connection (pcscd stopped
/// or the reader was removed) or `opts.stop` returns true. Power off clears
/// the card's RAM (a tear), a reset is a power cycle. A card that throws
/// answers 6F 00 and the event carries the reason. Throws InputError when
/// vpcd breaks the framing (a truncated message, a message stalled past
/// `message_timeout`, an empty message), stops taking answers for
/// `message_timeout`, or the socket fails.
ServeSummary serve_card(VpcdConnection& conn, ApduCard& card, const ServeOptions& opts = {});

}  // namespace pairkit::sim
