// APDU round trips per second for `pairkit sim card`: over the vpcd framing
// alone (a socketpair, no pcscd) and through real PC/SC (SCardTransmit ->
// pcscd -> vpcd -> the card), measured in the same run, and their ratio.
// Run it through bench/sim_card.sh, which starts a private pcscd.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>
#include <winscard.h>

#include "doubles/table_card.hpp"
#include "pairkit/sim/vpcd.hpp"

using namespace pairkit::sim;
using Clock = std::chrono::steady_clock;

namespace {

const std::vector<uint8_t> kSelect = {0x00, 0xA4, 0x04, 0x00, 0x06, 0x2D, 0x54, 0x45, 0x53, 0x54, 0x70};

TableCard make_card() { return TableCard({0x3B, 0x80, 0x80, 0x01, 0x01}, {{kSelect, {0x90, 0x00}}}); }

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The vpcd side of a socketpair sends SELECT n times and reads each answer.
double raw_rate(int n) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) std::exit(3);
  VpcdConnection conn(sv[0], "socketpair");
  auto card = make_card();
  std::thread server([&] { serve_card(conn, card); });
  std::vector<uint8_t> frame = {0, uint8_t(kSelect.size())};
  frame.insert(frame.end(), kSelect.begin(), kSelect.end());
  uint8_t answer[4];
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    if (::send(sv[1], frame.data(), frame.size(), 0) != ssize_t(frame.size())) std::exit(3);
    if (::recv(sv[1], answer, 4, MSG_WAITALL) != 4 || answer[2] != 0x90) std::exit(3);
  }
  const double rate = n / seconds_since(t0);
  ::close(sv[1]);
  server.join();
  return rate;
}

[[noreturn]] void pcsc_fail(const char* what, LONG rv) {
  std::fprintf(stderr, "vpcd_bench: %s: %s\n", what, pcsc_stringify_error(rv));
  std::exit(3);
}

// SCardTransmit through pcscd to the same kind of card served over vpcd.
double pcsc_rate(int n, const std::string& vpcd, const char* reader) {
  auto conn = connect_vpcd(parse_vpcd_address(vpcd), std::chrono::seconds(10));
  auto card = make_card();
  std::atomic<bool> stop{false};
  ServeOptions opts;
  opts.stop = [&] { return stop.load(); };
  opts.poll_interval = std::chrono::milliseconds(50);
  std::thread server([&] { serve_card(conn, card, opts); });

  SCARDCONTEXT ctx;
  if (LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx); rv != SCARD_S_SUCCESS)
    pcsc_fail("SCardEstablishContext", rv);
  SCARD_READERSTATE state{};
  state.szReader = reader;
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  for (int i = 0; i < 100; ++i) {
    SCardGetStatusChange(ctx, 100, &state, 1);
    if (state.dwEventState & SCARD_STATE_PRESENT) break;
    state.dwCurrentState = state.dwEventState;
  }
  SCARDHANDLE h;
  DWORD proto;
  if (LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h, &proto);
      rv != SCARD_S_SUCCESS)
    pcsc_fail("SCardConnect", rv);
  const SCARD_IO_REQUEST* pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  uint8_t answer[258];
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    DWORD len = sizeof answer;
    if (LONG rv = SCardTransmit(h, pci, kSelect.data(), kSelect.size(), nullptr, answer, &len); rv != SCARD_S_SUCCESS)
      pcsc_fail("SCardTransmit", rv);
    if (len != 2 || answer[0] != 0x90) std::exit(3);
  }
  const double rate = n / seconds_since(t0);
  SCardDisconnect(h, SCARD_LEAVE_CARD);
  SCardReleaseContext(ctx);
  stop = true;
  server.join();
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 5000;
  const std::string vpcd = argc > 2 ? argv[2] : "127.0.0.1:35963";
  const char* reader = argc > 3 ? argv[3] : "Virtual PCD 00 00";
  const double raw = raw_rate(n);
  const double pcsc = pcsc_rate(n, vpcd, reader);
  std::printf("APDU round trips, %d each (SELECT -> 90 00, table card):\n", n);
  std::printf("  vpcd framing only (socketpair):        %10.0f APDUs/s\n", raw);
  std::printf("  PC/SC: SCardTransmit->pcscd->vpcd->card %9.0f APDUs/s\n", pcsc);
  std::printf("  ratio PC/SC / framing only:            %10.3f\n", pcsc / raw);
  return 0;
}
