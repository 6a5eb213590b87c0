// Fixed age identities: an X25519 key from a constant secret and a
// passphrase with a small work-factor limit.
#include "age_fixture.hpp"

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "pairkit/backup/age.hpp"
#include "pairkit/backup/armor.hpp"
#include "pairkit/core/byte_stream.hpp"
#include "pairkit/core/rng.hpp"

namespace pairkit::fuzz {

namespace {

const backup::X25519Identity& x25519() {
  static const backup::X25519Identity id(Botan::secure_vector<uint8_t>(32, 0x42));
  return id;
}

const backup::ScryptIdentity& passphrase() {
  static const backup::ScryptIdentity id(Botan::secure_vector<char>{'f', 'u', 'z', 'z'}, 2);
  return id;
}

}  // namespace

void decrypt_all(std::span<const uint8_t> file) {
  SpanSource raw(file);
  backup::PeekSource peek(raw);
  const auto head = peek.peek(std::strlen(backup::kArmorHeader));
  std::optional<backup::ArmorSource> armor;
  ByteSource* in = &peek;
  if (std::string(head.begin(), head.end()) == backup::kArmorHeader) in = &armor.emplace(peek);
  backup::AgeReader reader(*in, {&x25519(), &passphrase()});
  std::array<uint8_t, 4096> buf;
  while (reader.read(buf) > 0) {
  }
}

const std::vector<uint8_t>& age_header_for_fixed_identity() {
  static const std::vector<uint8_t> header = [] {
    VectorSink sink;
    const auto rng = make_seeded_rng(1);
    const auto recipient = x25519().recipient();
    backup::AgeWriter writer(sink, {&recipient}, *rng);
    writer.finish();
    const std::string_view text(reinterpret_cast<const char*>(sink.bytes.data()), sink.bytes.size());
    const size_t mac = text.find("\n--- ");
    return std::vector<uint8_t>(sink.bytes.begin(), sink.bytes.begin() + text.find('\n', mac + 1) + 1);
  }();
  return header;
}

}  // namespace pairkit::fuzz
