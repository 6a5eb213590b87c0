// Crypto profiles and the seeded key pool.
#include "pairkit/sim/profile.hpp"

#include <algorithm>

#include <botan/ed25519.h>
#include <botan/rsa.h>

#include "pairkit/core/error.hpp"
#include "pairkit/core/rng.hpp"

namespace pairkit::sim {

namespace {
constexpr size_t kRsaBytes = 256;
const char* padding_for(ProfileKind p) { return p == ProfileKind::legacy ? "EMSA3(SHA-1)" : "Pure"; }
}  // namespace

std::string hex(std::span<const uint8_t> data, bool spaced) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(data.size() * 3);
  for (size_t i = 0; i < data.size(); ++i) {
    if (spaced && i) out.push_back(' ');
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 15]);
  }
  return out;
}

Bytes parse_hex(std::string_view text, const std::string& what) {
  Bytes out;
  int half = -1;
  for (char c : text) {
    if (c == ' ' || c == ':') {
      if (half >= 0) throw UsageError(what + ": odd number of hex digits in '" + std::string(text) + "'");
      continue;
    }
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else throw UsageError(what + ": '" + std::string(text) + "' is not hex");
    if (half < 0) half = v;
    else {
      out.push_back(uint8_t(half << 4 | v));
      half = -1;
    }
  }
  if (half >= 0) throw UsageError(what + ": odd number of hex digits in '" + std::string(text) + "'");
  return out;
}

ProfileKind parse_profile(std::string_view name) {
  if (name == "legacy") return ProfileKind::legacy;
  if (name == "modern") return ProfileKind::modern;
  throw UsageError("unknown profile '" + std::string(name) + "' (legacy or modern)");
}

std::string profile_name(ProfileKind p) { return p == ProfileKind::legacy ? "legacy" : "modern"; }

KeyPair::KeyPair(ProfileKind profile, std::unique_ptr<Botan::Private_Key> key)
    : profile_(profile), key_(std::move(key)), rng_(make_system_rng()) {
  public_ = Profile(profile).raw_public(*key_);
  signer_ = std::make_unique<Botan::PK_Signer>(*key_, *rng_, padding_for(profile));
}

KeyPair::~KeyPair() = default;

Bytes KeyPair::sign(std::span<const uint8_t> msg) const {
  return signer_->sign_message(msg.data(), msg.size(), *rng_);
}

struct Profile::VerifierCache {
  static constexpr size_t kEntries = 8;
  struct Entry {
    Bytes pub;
    std::unique_ptr<Botan::Public_Key> key;
    std::unique_ptr<Botan::PK_Verifier> verifier;
  };
  std::mutex mutex;
  std::vector<Entry> entries;  // most recently added last
};

Profile::Profile(ProfileKind kind) : kind_(kind), cache_(std::make_shared<VerifierCache>()) {}

size_t Profile::public_size() const { return kind_ == ProfileKind::legacy ? kRsaBytes : 32; }
size_t Profile::signature_size() const { return kind_ == ProfileKind::legacy ? kRsaBytes : 64; }

std::shared_ptr<const KeyPair> Profile::generate(Botan::RandomNumberGenerator& rng) const {
  if (kind_ == ProfileKind::legacy) {
    // Botan's RSA key generation uses e = 65537, as the reference does.
    return std::make_shared<KeyPair>(kind_, std::make_unique<Botan::RSA_PrivateKey>(rng, 2048));
  }
  return std::make_shared<KeyPair>(kind_, std::make_unique<Botan::Ed25519_PrivateKey>(rng));
}

std::optional<ProfileKind> profile_for_key(const Botan::Public_Key& key) {
  const std::string algo = key.algo_name();
  if (algo == "RSA") return ProfileKind::legacy;
  if (algo == "Ed25519") return ProfileKind::modern;
  return std::nullopt;
}

Bytes Profile::raw_public(const Botan::Public_Key& key) const {
  if (kind_ == ProfileKind::legacy) {
    const auto* rsa = dynamic_cast<const Botan::RSA_PublicKey*>(&key);
    if (!rsa || rsa->get_n().bytes() != kRsaBytes || rsa->get_e() != 65537)
      throw InputError("the legacy profile needs an RSA-2048 key with e = 65537, got " + key.algo_name());
    return Botan::unlock(Botan::BigInt::encode_1363(rsa->get_n(), kRsaBytes));
  }
  const auto* ed = dynamic_cast<const Botan::Ed25519_PublicKey*>(&key);
  if (!ed) throw InputError("the modern profile needs an Ed25519 key, got " + key.algo_name());
  return ed->get_public_key();
}

std::unique_ptr<Botan::Public_Key> Profile::load_public(std::span<const uint8_t> raw) const {
  if (raw.size() != public_size())
    throw InputError("a " + name() + " public key has " + std::to_string(public_size()) + " bytes, got " +
                     std::to_string(raw.size()));
  if (kind_ == ProfileKind::legacy)
    return std::make_unique<Botan::RSA_PublicKey>(Botan::BigInt(raw.data(), raw.size()), Botan::BigInt(65537));
  return std::make_unique<Botan::Ed25519_PublicKey>(std::vector<uint8_t>(raw.begin(), raw.end()));
}

bool Profile::verify(std::span<const uint8_t> pub, std::span<const uint8_t> msg,
                     std::span<const uint8_t> sig) const {
  if (pub.size() != public_size() || sig.size() != signature_size()) return false;
  try {
    std::lock_guard lock(cache_->mutex);
    auto& entries = cache_->entries;
    auto it = std::find_if(entries.begin(), entries.end(),
                           [&](const auto& e) { return std::equal(e.pub.begin(), e.pub.end(), pub.begin(), pub.end()); });
    if (it == entries.end()) {
      if (entries.size() == VerifierCache::kEntries) entries.erase(entries.begin());
      VerifierCache::Entry e{Bytes(pub.begin(), pub.end()), load_public(pub), nullptr};
      e.verifier = std::make_unique<Botan::PK_Verifier>(*e.key, padding_for(kind_));
      entries.push_back(std::move(e));
      it = entries.end() - 1;
    }
    return it->verifier->verify_message(msg.data(), msg.size(), sig.data(), sig.size());
  } catch (const std::exception&) {
    return false;
  }
}

std::shared_ptr<const KeyPair> KeyPool::key(ProfileKind profile, uint64_t seed, uint32_t index) {
  std::lock_guard lock(mutex_);
  auto& slot = keys_[{int(profile), seed, index}];
  if (!slot) {
    // One generator per (seed, index): a key does not depend on which other
    // keys were asked for first.
    const auto rng = make_seeded_rng(seed * 0x9E3779B97F4A7C15ull + index * 0xBF58476D1CE4E5B9ull + 1 +
                                     (profile == ProfileKind::modern ? 0x94D049BB133111EBull : 0));
    slot = Profile(profile).generate(*rng);
  }
  return slot;
}

}  // namespace pairkit::sim
