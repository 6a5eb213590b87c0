// age writer/reader round trips, Bech32, armor, and failures by kind.
#include <doctest/doctest.h>

#include "pairkit/backup/age.hpp"
#include "pairkit/backup/armor.hpp"
#include "pairkit/backup/bech32.hpp"
#include "pairkit/core/rng.hpp"

using namespace pairkit;
using namespace pairkit::backup;

namespace {

std::vector<uint8_t> encrypt(std::span<const uint8_t> plain, const std::vector<const Recipient*>& rs, bool armor,
                             Botan::RandomNumberGenerator& rng) {
  VectorSink out;
  std::optional<ArmorSink> arm;
  if (armor) arm.emplace(out);
  ByteSink& sink = armor ? static_cast<ByteSink&>(*arm) : out;
  AgeWriter w(sink, rs, rng);
  w.write(plain);
  w.finish();
  return out.bytes;
}

std::vector<uint8_t> decrypt(const std::vector<uint8_t>& file, const std::vector<const Identity*>& ids) {
  SpanSource raw(file);
  PeekSource peek(raw);
  const auto head = peek.peek(std::strlen(kArmorHeader));
  const bool armored = std::string(head.begin(), head.end()) == kArmorHeader;
  ArmorSource arm(peek);
  AgeReader r(armored ? static_cast<ByteSource&>(arm) : peek, ids);
  std::vector<uint8_t> out;
  uint8_t buf[1000];
  size_t n;
  while ((n = r.read(buf)) > 0) out.insert(out.end(), buf, buf + n);
  return out;
}

AgeFailure failure_of(const std::vector<uint8_t>& file, const std::vector<const Identity*>& ids) {
  try {
    decrypt(file, ids);
  } catch (const AgeError& e) {
    return e.kind();
  }
  FAIL("decryption succeeded");
  return AgeFailure::header;
}

}  // namespace

TEST_CASE("Bech32: the test kit identity maps to its age1 recipient and back") {
  const auto id = X25519Identity::parse("AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0");
  CHECK(id.encode() == "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0");
  const auto r = id.recipient().encode();
  CHECK(r.rfind("age1", 0) == 0);
  CHECK(X25519Recipient::parse(r).encode() == r);
  CHECK_THROWS_AS(X25519Recipient::parse("age1qqqq"), UsageError);
  std::string flipped = r;
  flipped[10] = flipped[10] == 'q' ? 'p' : 'q';
  CHECK_THROWS_AS(X25519Recipient::parse(flipped), UsageError);
  CHECK_THROWS_AS(bech32_decode("Age1" + r.substr(4), "x"), InputError);
}

TEST_CASE("age round trips: sizes around the 64 KiB chunk, X25519, scrypt, armor") {
  auto rng = make_seeded_rng(7);
  const auto id = X25519Identity::generate(*rng);
  const auto rcpt = id.recipient();
  const auto other = X25519Identity::generate(*rng);
  const auto other_rcpt = other.recipient();
  Botan::secure_vector<char> pass{'p', 'w'};
  ScryptRecipient srcpt(pass, 4);
  ScryptIdentity sid(pass);
  for (size_t size : {size_t(0), size_t(1), size_t(65535), size_t(65536), size_t(65537), size_t(3 * 65536)}) {
    CAPTURE(size);
    std::vector<uint8_t> plain(size);
    rng->randomize(plain.data(), plain.size());
    for (bool armor : {false, true}) {
      const auto f = encrypt(plain, {&rcpt, &other_rcpt}, armor, *rng);
      CHECK(decrypt(f, {&id}) == plain);
      CHECK(decrypt(f, {&other}) == plain);
      const auto s = encrypt(plain, {&srcpt}, armor, *rng);
      CHECK(decrypt(s, {&sid}) == plain);
    }
  }
}

TEST_CASE("age failures: wrong key, wrong passphrase, flipped bytes, truncation") {
  auto rng = make_seeded_rng(8);
  const auto id = X25519Identity::generate(*rng);
  const auto other = X25519Identity::generate(*rng);
  std::vector<uint8_t> plain(100000, 0x5a);
  const auto rcpt = id.recipient();
  const auto f = encrypt(plain, {&rcpt}, false, *rng);
  CHECK(failure_of(f, {&other}) == AgeFailure::no_match);
  Botan::secure_vector<char> pass{'a'}, wrong{'b'};
  ScryptRecipient sr(pass, 4);
  const auto s = encrypt(plain, {&sr}, false, *rng);
  ScryptIdentity wrong_id(wrong);
  CHECK(failure_of(s, {&wrong_id}) == AgeFailure::no_match);
  ScryptIdentity low_limit(pass, 3);
  CHECK(failure_of(s, {&low_limit}) == AgeFailure::header);
  CHECK_THROWS_AS(ScryptRecipient(pass, 23), UsageError);
  // One flipped byte anywhere is caught (header, MAC, nonce or payload).
  for (size_t pos : {size_t(5), size_t(40), size_t(f.size() / 2), f.size() - 1}) {
    auto bad = f;
    bad[pos] ^= 0x01;
    CHECK_THROWS_AS(decrypt(bad, {&id}), AgeError);
  }
  auto truncated = f;
  truncated.resize(f.size() - 20000);
  CHECK(failure_of(truncated, {&id}) == AgeFailure::payload);
  truncated.resize(60);
  CHECK(failure_of(truncated, {&id}) == AgeFailure::header);
}

TEST_CASE("scrypt cannot be mixed with other recipients") {
  auto rng = make_seeded_rng(9);
  const auto id = X25519Identity::generate(*rng);
  ScryptRecipient sr(Botan::secure_vector<char>{'x'}, 2);
  VectorSink out;
  const auto r = id.recipient();
  CHECK_THROWS_AS(AgeWriter(out, {&sr, &r}, *rng), UsageError);
}

TEST_CASE("age rewrite: kept chunks are sealed again in place, the buffered one is patched") {
  auto rng = make_seeded_rng(10);
  const auto id = X25519Identity::generate(*rng);
  const auto rcpt = id.recipient();
  for (size_t size : {size_t(1000), size_t(200000)}) {
    CAPTURE(size);
    std::vector<uint8_t> plain(size);
    rng->randomize(plain.data(), plain.size());
    VectorSink out;
    AgeWriter w(out, {&rcpt}, *rng);
    REQUIRE(w.can_rewrite(70000));
    w.write(plain);
    // Across the boundary of chunks 0 and 1 (both sealed when size is 200000).
    const size_t at = std::min<size_t>(65000, size - 600);
    const std::vector<uint8_t> patch(600, 0xab);
    w.rewrite(at, patch);
    std::copy(patch.begin(), patch.end(), plain.begin() + static_cast<ptrdiff_t>(at));
    if (size > 70000) CHECK_THROWS_AS(w.rewrite(140000, patch), std::logic_error);  // not kept
    w.finish();
    CHECK(decrypt(out.bytes, {&id}) == plain);
  }
  // Asked once writing has begun, or into a sink that cannot rewrite: no.
  VectorSink out;
  AgeWriter late(out, {&rcpt}, *rng);
  late.write(std::vector<uint8_t>(10, 1));
  CHECK(!late.can_rewrite(100));
  struct Plain final : ByteSink {
    void write(std::span<const uint8_t>) override {}
  } plain_sink;
  AgeWriter no(plain_sink, {&rcpt}, *rng);
  CHECK(!no.can_rewrite(100));
}

TEST_CASE("age header: the first line decides whether it is age at all") {
  auto rng = make_seeded_rng(9);
  const auto id = X25519Identity::generate(*rng);
  auto message_of = [&](const std::vector<uint8_t>& file) -> std::string {
    try {
      decrypt(file, {&id});
    } catch (const AgeError& e) {
      return e.what();
    }
    return "decrypted";
  };
  // A megabyte of zeros is not a header line too long: it is not age.
  CHECK(message_of(std::vector<uint8_t>(1 << 20, 0)).find("not an age file") != std::string::npos);
  CHECK(message_of({}).find("not an age file") != std::string::npos);
  const std::string intro = "age-encryption.org/v1\n-> X25519 ";
  std::vector<uint8_t> long_line(intro.begin(), intro.end());
  long_line.resize(long_line.size() + (2 << 20), 'A');
  CHECK(message_of(long_line).find("header line too long") != std::string::npos);
  const std::string cut = "age-encryption.org/v1\n-> X25519 AAAA";
  CHECK(message_of({cut.begin(), cut.end()}).find("ends before its final line") != std::string::npos);
}
