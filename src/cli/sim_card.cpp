// pairkit sim card: serves one simulated purse card to PC/SC applications
// through pcscd's vsmartcard virtual reader (vpcd).
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>

#include <fcntl.h>
#include <unistd.h>

#include "groups.hpp"
#include "pairkit/core/duration.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/sim/apdu.hpp"
#include "pairkit/sim/bytes.hpp"
#include "pairkit/sim/vpcd.hpp"
#include "pairkit_config.h"
#if PAIRKIT_TEST_SEAMS
#include "doubles/table_card.hpp"  // tests/doubles, compiled in by test builds only
#endif

namespace pairkit::cli {

namespace {

struct SimCardOptions {
  std::string vpcd = "127.0.0.1:35963";
  std::string profile = "legacy";
  uint32_t card_id = 1;
  bool personalize = false;
  uint64_t seed = 0;
  std::string wait = "0s";
};

// Set by SIGINT / SIGTERM, which also write a byte to the self-pipe that
// every wait of the vpcd loop watches: a stalled read or write ends at once.
std::atomic<bool> g_stop{false};
std::atomic<int> g_stop_pipe{-1};

extern "C" void on_stop_signal(int) {
  g_stop.store(true);
  const int saved = errno;
  const int fd = g_stop_pipe.load();
  if (fd >= 0) (void)!::write(fd, "x", 1);
  errno = saved;
}

// Installs the stop handlers and their self-pipe for the lifetime of the
// object; no SA_RESTART, so a blocking poll returns at once.
class StopSignals {
public:
  StopSignals() {
    if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw InputError(std::string("pipe: ") + std::strerror(errno));
    g_stop.store(false);
    g_stop_pipe.store(pipe_[1]);
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    g_stop_pipe.store(-1);
    ::close(pipe_[0]);
    ::close(pipe_[1]);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  /// Readable once SIGINT or SIGTERM has arrived.
  int fd() const { return pipe_[0]; }

private:
  int pipe_[2] = {-1, -1};
  struct sigaction old_int_ {}, old_term_ {};
};

std::unique_ptr<sim::ApduCard> make_card(Cli& cli, const sim::CardSetup& setup) {
#if PAIRKIT_TEST_SEAMS
  // Test builds: PAIRKIT_TEST_CARD=FILE serves a table-driven test double
  // instead, to test the PC/SC path without the purse protocol.
  if (const char* table = std::getenv("PAIRKIT_TEST_CARD"); table && *table) {
    const auto bytes = cli.read_input(table, limits::kToml);
    return std::make_unique<sim::TableCard>(
        sim::TableCard::parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), table));
  }
#else
  (void)cli;
#endif
  return sim::make_simulated_card(setup);
}

std::string event_line(const sim::VpcdEvent& e) {
  using Kind = sim::VpcdEvent::Kind;
  switch (e.kind) {
    case Kind::power_on: return "power on\n";
    case Kind::power_off: return "power off (RAM cleared)\n";
    case Kind::reset: return "reset (RAM cleared)\n";
    case Kind::unknown_control: return "ignored control byte " + sim::hex(e.command) + "\n";
    case Kind::atr: return "";  // pcscd asks for the ATR to poll for the card: too frequent to show
    case Kind::apdu:
      // scriptor's notation, with "  # meaning" comments (pairkit-sim(1), SIM CARD)
      return "> " + sim::hex(e.command) + "  # " + sim::ins_name(e.command[1]) + "\n< " + sim::hex(e.response) +
             "  # " + (e.note.empty() ? sim::sw_meaning(sim::status_of(e.response)) : "card error: " + e.note) + "\n";
  }
  return "";
}

void run_sim_card(Cli& cli, const SimCardOptions& o) {
  const auto address = sim::parse_vpcd_address(o.vpcd);
  const auto wait = o.wait == "0s" || o.wait == "0" ? std::chrono::seconds(0) : parse_duration(o.wait);
  sim::CardSetup setup;
  setup.profile = o.profile;
  setup.card_id = o.card_id;
  setup.personalize = o.personalize;
  setup.seed = o.seed;
  auto card = make_card(cli, setup);

  StopSignals signals;
  const auto stop = [] { return g_stop.load(); };
  auto conn = sim::connect_vpcd(address, std::chrono::duration_cast<std::chrono::milliseconds>(wait), stop,
                                std::chrono::milliseconds(100), signals.fd());
  cli.info("serving card " + std::to_string(o.card_id) + " (" + o.profile + (o.personalize ? ", personalized" : "") +
           ") to " + conn.peer() + "; Ctrl-C stops");

  sim::ServeOptions serve;
  serve.stop = stop;
  serve.stop_fd = signals.fd();
  if (!cli.json)
    serve.on_event = [](const sim::VpcdEvent& e) {
      const auto line = event_line(e);
      if (!line.empty()) std::cout << line << std::flush;
    };
  const auto sum = sim::serve_card(conn, *card, serve);
  const bool closed = sum.end == sim::ServeSummary::End::reader_closed;
  if (cli.json) {
    cli.emit_json({{"vpcd", address.text()},
                   {"card_id", o.card_id},
                   {"profile", o.profile},
                   {"personalized", o.personalize},
                   {"ended", closed ? "reader_closed" : "stopped"},
                   {"apdus", sum.apdus},
                   {"power_ons", sum.power_ons},
                   {"power_offs", sum.power_offs},
                   {"resets", sum.resets},
                   {"atr_requests", sum.atrs}});
    return;
  }
  cli.info(std::string(closed ? "the reader closed the connection" : "stopped") + " after " +
           std::to_string(sum.apdus) + " APDUs");
}

}  // namespace

void add_sim_card_command(CLI::App& app, Cli& cli) {
  CLI::App* group = add_group(app, "sim", "Simulate e-purse card and terminal sessions");
  auto o = std::make_shared<SimCardOptions>();
  auto* c = add_command(
      *group, cli, "card", "Serve one simulated card to PC/SC applications through pcscd's vpcd virtual reader",
      {"pairkit sim card --personalize          # then: scriptor, opensc-tool, your terminal software",
       "pairkit sim card --vpcd 127.0.0.1:35964 --profile modern --card-id 42 --personalize --seed 7"},
      [o](Cli& c) { run_sim_card(c, *o); });
  cli.settings.bind(c, c->add_option("--vpcd", o->vpcd, "Where vpcd listens (HOST:PORT; the second slot is :35964)")
                           ->capture_default_str(),
                    "sim.vpcd");
  cli.settings.bind(c, c->add_option("--profile", o->profile, "Crypto profile: legacy (RSA-2048, SHA-1) or modern")
                           ->check(CLI::IsMember({"legacy", "modern"}))
                           ->capture_default_str(),
                    "sim.profile");
  c->add_option("--card-id", o->card_id, "The card's ID")->check(CLI::Range(uint32_t(1), UINT32_MAX))
      ->capture_default_str();
  c->add_flag("--personalize", o->personalize, "Personalize the card (with a fresh back end) before serving it");
  c->add_option("--seed", o->seed, "Seed for the card's keys and randomness (same seed, same card)");
  c->add_option("--wait", o->wait, "Keep retrying to connect for this long (e.g. 10s) while pcscd starts")
      ->capture_default_str();
}

}  // namespace pairkit::cli
