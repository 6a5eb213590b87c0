// The purse card through its APDUs: personalization, sessions with real
// terminals, and the status words the PC/SC tests rely on. Modern profile
// (Ed25519) keeps these fast; the CLI tests run both profiles.
#include <doctest/doctest.h>

#include "pairkit/sim/apdu.hpp"
#include "pairkit/sim/apdu_card.hpp"
#include "pairkit/sim/card.hpp"
#include "pairkit/sim/terminal.hpp"

using namespace pairkit::sim;

namespace {
const Bytes kSelect{0x00, 0xA4, 0x04, 0x00, 0x06, 0x2D, 0x54, 0x45, 0x53, 0x54, 0x70};
uint16_t sw_of(ApduCard& c, const Bytes& apdu) { return status_of(c.transmit(apdu)); }

struct World {
  KeyPool pool;
  Backend backend{ProfileKind::modern, pool.key(ProfileKind::modern, 1, 0)};
  PurseCard card{ProfileKind::modern, [this] { return pool.key(ProfileKind::modern, 1, 50); }};
  Channel ch = [this](const Bytes& c) { return std::optional<Bytes>(card.transmit(c)); };
  const uint32_t now = 1767603600;  // 2026-01-05T09:00:00Z

  Terminal terminal(uint32_t id, uint8_t type, uint32_t key_index) {
    Terminal t(id, type, pool.key(ProfileKind::modern, 1, key_index), backend.public_bytes());
    t.install_cert(backend.certify(id, type, t.key().public_bytes(), now, 7 * 86400));
    t.install_crl(backend.issue_crl({}, now + 86400));
    return t;
  }
};
}  // namespace

TEST_CASE("sim card: SELECT, out-of-state command, repeated personalization") {
  auto card = make_simulated_card({"modern", 7, true, 3});
  CHECK(card->atr().front() == 0x3B);
  card->power_on();
  CHECK(sw_of(*card, kSelect) == 0x9000);
  CHECK(sw_of(*card, {0x00, 0x28, 0x00, 0x00, 0x04, 0, 0, 0, 1}) == 0x6985);
  CHECK(sw_of(*card, {0x00, 0x04, 0x00, 0x00, 0x08, 0, 0, 0, 1, 0, 0, 0, 1}) == 0x6D00);
  CHECK(sw_of(*card, {0x00, 0x99, 0x00, 0x00}) == 0x6D00);
  CHECK(sw_of(*card, {0x80, 0x20, 0x00, 0x00}) == 0x6E00);
  CHECK(sw_of(*card, {0x00, 0x28, 0x00, 0x00, 0x05, 0, 0, 0, 1}) == 0x6700);  // Lc says 5, 4 bytes came
}

TEST_CASE("sim card: an unpersonalized card accepts personalization once") {
  auto card = make_simulated_card({"modern", 7, false, 3});
  card->power_on();
  CHECK(sw_of(*card, kSelect) == 0x9000);
  CHECK(sw_of(*card, {0x00, 0x20, 0x00, 0x00, 0x10, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}) == 0x6985);
}

TEST_CASE("sim: reload then pay moves the balance and logs both") {
  World w;
  w.card.power_on();
  REQUIRE(personalize(w.ch, w.backend, w.backend.key(), 123, w.now + 86400 * 365).outcome == Outcome::ok);
  w.card.power_off();
  auto reload = w.terminal(9, kUsageReload, 2);
  auto pos = w.terminal(8, kUsagePos, 3);
  w.card.power_on();
  auto r = reload.run(Flow::reload, 1000, w.now, w.ch);
  CHECK(r.outcome == Outcome::ok);
  CHECK(w.card.eeprom().balance == 1000);
  w.card.power_off();
  w.card.power_on();
  r = pos.run(Flow::pay, 250, w.now, w.ch);
  CHECK(r.outcome == Outcome::ok);
  CHECK(r.logged);
  CHECK(w.card.eeprom().balance == 750);
  REQUIRE(pos.log().size() == 1);
  CHECK(verify_record(pos.log()[0], Profile(ProfileKind::modern), w.backend.public_bytes()).empty());
  auto bad = pos.log()[0];
  bad.amount = 25;
  CHECK(!verify_record(bad, Profile(ProfileKind::modern), w.backend.public_bytes()).empty());
  w.card.power_off();
  // Wrong terminal type: a POS terminal running the reload flow is refused at 30.
  w.card.power_on();
  r = pos.run(Flow::reload, 5000, w.now, w.ch);
  CHECK(r.outcome == Outcome::refused);
  CHECK(w.card.eeprom().balance == 750);
}

TEST_CASE("sim card: a tear clears the session but keeps EEPROM") {
  World w;
  w.card.power_on();
  REQUIRE(personalize(w.ch, w.backend, w.backend.key(), 9, w.now + 86400).outcome == Outcome::ok);
  auto reload = w.terminal(1, kUsageReload, 2);
  w.card.power_on();
  int sent = 0;
  // Tear after 30: the card counted the transaction, the credit never happened.
  Channel tearing = [&](const Bytes& c) -> std::optional<Bytes> {
    auto r = w.card.transmit(c);
    ++sent;
    if (c[1] == ins::reload_auth) {
      w.card.power_off();
      return std::nullopt;
    }
    return r;
  };
  CHECK(reload.run(Flow::reload, 100, w.now, tearing).outcome == Outcome::torn);
  CHECK(sent == 7);  // SELECT 20 22 24 26 28 30
  CHECK(w.card.eeprom().counter == 2);
  CHECK(w.card.eeprom().balance == 0);
  CHECK(w.card.state() == CardState::init);
  CHECK(w.card.eeprom().initialized);
  // Without a SELECT after power-up nothing but SELECT works.
  w.card.power_on();
  CHECK(status_of(w.card.transmit(build_command(0, ins::send_amount, 0, 0, u32(5)))) == sw::conditions_not_satisfied);
}

TEST_CASE("sim card: FINISHED is left only by a power loss; counter exhaustion blocks") {
  World w;
  w.card.power_on();
  REQUIRE(personalize(w.ch, w.backend, w.backend.key(), 9, w.now + 86400).outcome == Outcome::ok);
  auto reload = w.terminal(1, kUsageReload, 2);
  w.card.power_on();
  REQUIRE(reload.run(Flow::reload, 100, w.now, w.ch).outcome == Outcome::ok);
  CHECK(w.card.state() == CardState::finished);
  CHECK(status_of(w.card.transmit(build_command(0, ins::send_amount, 0, 0, u32(5)))) == sw::conditions_not_satisfied);
  CHECK(status_of(w.card.transmit(build_command(0, ins::exchange_meta, 0, 0, Bytes(16, 0), 12))) ==
        sw::conditions_not_satisfied);
  CHECK(status_of(w.card.transmit(kSelect)) == sw::ok);  // a re-SELECT does not start a second transaction
  CHECK(reload.run(Flow::reload, 100, w.now, w.ch).outcome == Outcome::refused);  // its own SELECT, then 20: 6985
  CHECK(w.card.eeprom().balance == 100);
  w.card.power_off();
  w.card.set_counter(0xFFFFFFFF);
  w.card.power_on();
  const auto r = reload.run(Flow::reload, 100, w.now, w.ch);
  CHECK(r.outcome == Outcome::refused);
  CHECK(w.card.eeprom().blocked);
  w.card.power_off();
  w.card.power_on();
  CHECK(status_of(w.card.transmit(kSelect)) == sw::ok);
  CHECK(status_of(w.card.transmit(build_command(0, ins::exchange_meta, 0, 0, Bytes(16, 0), 12))) == sw::blocked);
}

TEST_CASE("sim: legacy profile sizes and the P1 split") {
  const Profile p(ProfileKind::legacy);
  CHECK(p.public_size() == 256);
  CHECK(p.signature_size() == 256);
  KeyPool pool;
  const auto key = pool.key(ProfileKind::legacy, 1, 0);
  CHECK(key->public_bytes().size() == 256);
  CHECK(key.get() == pool.key(ProfileKind::legacy, 1, 0).get());  // generated once
  const Bytes msg{1, 2, 3};
  const Bytes sig = key->sign(msg);
  CHECK(sig.size() == 256);
  CHECK(p.verify(key->public_bytes(), msg, sig));
  CHECK(!p.verify(key->public_bytes(), Bytes{1, 2, 4}, sig));
  const Bytes apdu = build_split(ins::exchange_keys, 0, key->public_bytes(), 256);
  CHECK(apdu.size() == 4 + 1 + 255 + 1);
  CHECK(apdu[2] == key->public_bytes()[0]);
  CHECK(apdu[4] == 0xFF);
  const auto parsed = parse_command(apdu);
  REQUIRE(parsed);
  CHECK(join_split(*parsed) == key->public_bytes());
  CHECK(parsed->le == 256u);
}
