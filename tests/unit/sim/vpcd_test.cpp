// The vpcd wire protocol against a fake vpcd (the other end of a socketpair)
// and a table-driven test-double card.
#include <doctest/doctest.h>

#include <cstring>
#include <thread>
#include <utility>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pairkit/core/error.hpp"
#include "pairkit/sim/bytes.hpp"
#include "doubles/table_card.hpp"
#include "pairkit/sim/vpcd.hpp"

using namespace pairkit;
using namespace pairkit::sim;
using namespace std::chrono_literals;

namespace {


// The vpcd side of a socketpair.
struct FakeVpcd {
  int fd = -1;
  FakeVpcd() = default;
  FakeVpcd(FakeVpcd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  FakeVpcd& operator=(FakeVpcd&&) = delete;
  ~FakeVpcd() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  void send_raw(const Bytes& b) const { REQUIRE(::send(fd, b.data(), b.size(), MSG_NOSIGNAL) == ssize_t(b.size())); }
  void send(const Bytes& payload) const {
    Bytes frame = {uint8_t(payload.size() >> 8), uint8_t(payload.size() & 0xFF)};
    frame.insert(frame.end(), payload.begin(), payload.end());
    send_raw(frame);
  }
  Bytes receive() const {
    uint8_t h[2];
    REQUIRE(::recv(fd, h, 2, MSG_WAITALL) == 2);
    Bytes b(size_t(h[0]) << 8 | h[1]);
    if (!b.empty()) REQUIRE(::recv(fd, b.data(), b.size(), MSG_WAITALL) == ssize_t(b.size()));
    return b;
  }
};

std::pair<VpcdConnection, FakeVpcd> make_pair() {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  FakeVpcd fake;
  fake.fd = sv[1];
  return {VpcdConnection(sv[0], "fake vpcd"), std::move(fake)};
}

TableCard demo_card() {
  return TableCard::parse("atr => 3B 80 80 01 01\n"
                          "00 A4 04 00 06 2D 54 45 53 54 70 => 90 00  # select\n"
                          "80 30 => 69 85\n",
                          "demo.table");
}

ServeOptions quick() {
  ServeOptions o;
  o.poll_interval = 20ms;
  o.message_timeout = 300ms;
  return o;
}

}  // namespace

TEST_CASE("vpcd: power, ATR and APDUs are answered until vpcd closes") {
  auto [conn, fake] = make_pair();
  auto card = demo_card();
  std::vector<VpcdEvent> events;
  auto opts = quick();
  opts.on_event = [&](const VpcdEvent& e) { events.push_back(e); };
  Bytes atr, select, other, unknown;
  std::thread vpcd([&, &fake = fake] {
    fake.send({0x01});
    fake.send({0x04});
    atr = fake.receive();
    fake.send({0x00, 0xA4, 0x04, 0x00, 0x06, 0x2D, 0x54, 0x45, 0x53, 0x54, 0x70});
    select = fake.receive();
    fake.send({0x80, 0x30, 0x00, 0x00});
    other = fake.receive();
    fake.send({0x80, 0x99, 0x00, 0x00});
    unknown = fake.receive();
    fake.send({0x02});
    fake.send({0x07});
    fake.send({0x00});
    fake.close();
  });
  const auto sum = serve_card(conn, card, opts);
  vpcd.join();
  CHECK(sum.end == ServeSummary::End::reader_closed);
  CHECK(atr == Bytes{0x3B, 0x80, 0x80, 0x01, 0x01});
  CHECK(select == Bytes{0x90, 0x00});
  CHECK(other == Bytes{0x69, 0x85});
  CHECK(unknown == Bytes{0x6D, 0x00});
  CHECK(sum.apdus == 3);
  CHECK(sum.atrs == 1);
  CHECK(sum.power_ons == 1);
  CHECK(sum.resets == 1);
  CHECK(sum.power_offs == 1);
  // a reset is a power cycle: RAM cleared
  CHECK(card.power_ons() == 2);
  CHECK(card.power_offs() == 2);
  REQUIRE(events.size() == 8);
  CHECK(events[0].kind == VpcdEvent::Kind::power_on);
  CHECK(events[2].kind == VpcdEvent::Kind::apdu);
  CHECK(hex(events[2].command) == "00 A4 04 00 06 2D 54 45 53 54 70");
  CHECK(hex(events[2].response) == "90 00");
  CHECK(events[6].kind == VpcdEvent::Kind::unknown_control);
  CHECK(events[6].response.empty());
  CHECK(card.received().size() == 3);
}

TEST_CASE("vpcd: the stop predicate ends an idle session") {
  auto [conn, fake] = make_pair();
  auto card = demo_card();
  int polls = 0;
  auto opts = quick();
  opts.stop = [&] { return ++polls >= 3; };
  const auto sum = serve_card(conn, card, opts);
  CHECK(sum.end == ServeSummary::End::stopped);
  CHECK(polls == 3);
  CHECK(sum.apdus == 0);
}

TEST_CASE("vpcd: broken framing is an InputError naming the peer") {
  auto card = demo_card();
  SUBCASE("a message cut short by a close") {
    auto [conn, fake] = make_pair();
    fake.send_raw({0x00, 0x0A, 0x00, 0xA4, 0x04});
    fake.close();
    CHECK_THROWS_WITH_AS(serve_card(conn, card, quick()), doctest::Contains("fake vpcd closed the connection in the middle of a message (3 of 10 bytes)"), InputError);
  }
  SUBCASE("a message that stalls") {
    auto [conn, fake] = make_pair();
    fake.send_raw({0x00, 0x0A, 0x00, 0xA4, 0x04});
    CHECK_THROWS_WITH_AS(serve_card(conn, card, quick()), doctest::Contains("fake vpcd: message stalled: 3 of 10 bytes"),
                         InputError);
  }
  SUBCASE("an empty message") {
    auto [conn, fake] = make_pair();
    fake.send_raw({0x00, 0x00});
    CHECK_THROWS_WITH_AS(serve_card(conn, card, quick()), doctest::Contains("fake vpcd sent an empty message"), InputError);
  }
  SUBCASE("a half header then a close") {
    auto [conn, fake] = make_pair();
    fake.send_raw({0x00});
    fake.close();
    CHECK_THROWS_AS(serve_card(conn, card, quick()), InputError);
  }
}

TEST_CASE("vpcd: a card that throws answers 6F 00 and serving goes on") {
  struct Faulty : TableCard {
    Faulty() : TableCard({0x3B, 0x00}, {}) {}
    std::vector<uint8_t> transmit(std::span<const uint8_t>) override { throw std::runtime_error("EEPROM worn out"); }
  } card;
  auto [conn, fake] = make_pair();
  std::vector<VpcdEvent> events;
  auto opts = quick();
  opts.on_event = [&](const VpcdEvent& e) { events.push_back(e); };
  Bytes first, second;
  std::thread vpcd([&, &fake = fake] {
    fake.send({0x00, 0xB0, 0x00, 0x00, 0x00});
    first = fake.receive();
    fake.send({0x00, 0xB0, 0x00, 0x00, 0x00});
    second = fake.receive();
    fake.close();
  });
  const auto sum = serve_card(conn, card, opts);
  vpcd.join();
  CHECK(first == Bytes{0x6F, 0x00});
  CHECK(second == Bytes{0x6F, 0x00});
  CHECK(sum.apdus == 2);
  REQUIRE(events.size() == 2);
  CHECK(events[0].note == "EEPROM worn out");
}

TEST_CASE("vpcd: vpcd going away while the answer is sent ends serving quietly") {
  auto [conn, fake] = make_pair();
  auto card = demo_card();
  fake.send({0x04});
  fake.close();
  const auto sum = serve_card(conn, card, quick());
  CHECK(sum.end == ServeSummary::End::reader_closed);
}

namespace {

// A card whose answers are 252 bytes, and a card end that buffers little:
// a vpcd that stops reading leaves the card stuck writing after a few.
TableCard chatty_card() {
  std::string table = "atr => 3B 00\n00 B0 =>";
  for (int i = 0; i < 250; ++i) table += " AB";
  return TableCard::parse(table + " 90 00\n", "chatty.table");
}

// Queues `n` READ BINARY commands that vpcd will never read the answers of.
void queue_reads(const FakeVpcd& fake, VpcdConnection& conn, int n) {
  const int small = 4096;
  REQUIRE(::setsockopt(conn.fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
  for (int i = 0; i < n; ++i) fake.send({0x00, 0xB0, 0x00, 0x00, 0xFA});
}

}  // namespace

TEST_CASE("vpcd: a vpcd that stops taking answers ends serving at the write deadline") {
  auto [conn, fake] = make_pair();
  auto card = chatty_card();
  queue_reads(fake, conn, 100);
  CHECK_THROWS_WITH_AS(serve_card(conn, card, quick()),
                       doctest::Contains("fake vpcd stopped reading: an answer stalled at"), InputError);
  CHECK(card.received().size() < 100);
}

TEST_CASE("vpcd: the stop descriptor ends a write that vpcd does not take") {
  auto [conn, fake] = make_pair();
  auto card = chatty_card();
  queue_reads(fake, conn, 100);
  int stop[2];
  REQUIRE(::pipe(stop) == 0);
  auto opts = quick();
  opts.message_timeout = 60s;  // far beyond the test: only the descriptor can end it
  opts.stop_fd = stop[0];
  std::thread signal([w = stop[1]] {
    std::this_thread::sleep_for(50ms);
    (void)!::write(w, "x", 1);
  });
  const auto sum = serve_card(conn, card, opts);
  signal.join();
  ::close(stop[0]);
  ::close(stop[1]);
  CHECK(sum.end == ServeSummary::End::stopped);
  CHECK(sum.apdus < 100);
}

TEST_CASE("vpcd: addresses") {
  CHECK(parse_vpcd_address("127.0.0.1:35963").text() == "127.0.0.1:35963");
  CHECK(parse_vpcd_address("localhost").port == kVpcdDefaultPort);
  CHECK(parse_vpcd_address("localhost").host == "localhost");
  CHECK(parse_vpcd_address(":35964").host == "127.0.0.1");
  CHECK(parse_vpcd_address(":35964").port == 35964);
  CHECK(parse_vpcd_address("[::1]:4000").host == "::1");
  CHECK(parse_vpcd_address("[::1]:4000").text() == "[::1]:4000");
  CHECK(parse_vpcd_address("[::1]").port == kVpcdDefaultPort);
  for (const char* bad : {"host:", "host:0", "host:65536", "host:12x", "::1", "[::1", "[::1]x", "[::1]:", "a b:1"})
    CHECK_THROWS_AS(parse_vpcd_address(bad), UsageError);
  CHECK_THROWS_WITH(parse_vpcd_address("h:99999"), doctest::Contains("--vpcd 'h:99999': port '99999' is not 1-65535"));
}

TEST_CASE("vpcd: connecting") {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listener >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  socklen_t len = sizeof sa;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
  const uint16_t port = ntohs(sa.sin_port);
  VpcdAddress addr{"127.0.0.1", port};

  SUBCASE("refused, once") {
    ::close(listener);
    CHECK_THROWS_WITH_AS(connect_vpcd(addr), doctest::Contains("cannot connect to vpcd at 127.0.0.1:"), InputError);
  }
  SUBCASE("refused, retried until the stop predicate says so") {
    ::close(listener);
    int tries = 0;
    CHECK_THROWS_AS(connect_vpcd(addr, 60s, [&] { return ++tries >= 3; }, 1ms), InputError);
    CHECK(tries == 3);
  }
  SUBCASE("accepted: the connection carries messages") {
    REQUIRE(::listen(listener, 1) == 0);
    auto conn = connect_vpcd(addr, 1s);
    CHECK(conn.peer() == "vpcd at 127.0.0.1:" + std::to_string(port));
    FakeVpcd fake;
    fake.fd = ::accept(listener, nullptr, nullptr);
    REQUIRE(fake.fd >= 0);
    ::close(listener);
    auto card = demo_card();
    fake.send({0x04});
    fake.close();
    const auto sum = serve_card(conn, card, quick());
    CHECK(sum.atrs == 1);
  }
  SUBCASE("an unknown host") {
    ::close(listener);
    CHECK_THROWS_WITH_AS(connect_vpcd({"no-such-host.invalid", 1}), doctest::Contains("cannot resolve vpcd at no-such-host.invalid:1"),
                         InputError);
  }
}

TEST_CASE("table card: parsing and errors name the line") {
  const auto card = demo_card();
  CHECK(card.atr() == Bytes{0x3B, 0x80, 0x80, 0x01, 0x01});
  CHECK_THROWS_WITH_AS(TableCard::parse("00 A4 => 90 00\n80 30 69 85\n", "t"), doctest::Contains("t:2: expected 'COMMAND => RESPONSE'"),
                       InputError);
  CHECK_THROWS_WITH_AS(TableCard::parse("00 A => 90 00\n", "t"), doctest::Contains("t:1: odd number of hex digits"),
                       InputError);
  CHECK_THROWS_WITH_AS(TableCard::parse("00 => 90\n", "t"), doctest::Contains("t:1: a response needs at least SW1 SW2"),
                       InputError);
  CHECK_THROWS_AS(TableCard::parse("zz => 90 00\n", "t"), InputError);
  CHECK(parse_hex("00:a4 04", "x") == Bytes{0x00, 0xA4, 0x04});
}
