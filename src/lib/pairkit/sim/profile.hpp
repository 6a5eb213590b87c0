// The two crypto profiles of the purse protocol: `legacy` (exactly the
// reference: RSA-2048, e = 65537, raw 256-byte moduli, EMSA3(SHA-1)) and
// `modern` (Ed25519: 32-byte keys, 64-byte signatures), plus the key pool
// that derives every party's key from the run's seed.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <botan/pk_keys.h>
#include <botan/pubkey.h>
#include <botan/rng.h>

#include "pairkit/sim/bytes.hpp"

namespace pairkit::sim {

enum class ProfileKind { legacy, modern };

/// Parses "legacy" | "modern"; throws UsageError.
ProfileKind parse_profile(std::string_view name);
std::string profile_name(ProfileKind p);
/// The profile whose keys are of `key`'s type (RSA: legacy, Ed25519: modern),
/// or nullopt for any other type.
std::optional<ProfileKind> profile_for_key(const Botan::Public_Key& key);

/// A party's key pair: signs, and exports its public key in the protocol's
/// raw encoding (RSA: the 256-byte modulus; Ed25519: 32 bytes).
class KeyPair {
public:
  KeyPair(ProfileKind profile, std::unique_ptr<Botan::Private_Key> key);
  ~KeyPair();
  ProfileKind profile() const { return profile_; }
  const Bytes& public_bytes() const { return public_; }
  /// Signature over msg (deterministic in both profiles).
  Bytes sign(std::span<const uint8_t> msg) const;
  const Botan::Private_Key& key() const { return *key_; }

private:
  ProfileKind profile_;
  std::unique_ptr<Botan::Private_Key> key_;
  Bytes public_;
  std::unique_ptr<Botan::RandomNumberGenerator> rng_;
  mutable std::unique_ptr<Botan::PK_Signer> signer_;
};

/// Sizes and operations of one profile.
class Profile {
public:
  explicit Profile(ProfileKind kind);
  ProfileKind kind() const { return kind_; }
  std::string name() const { return profile_name(kind_); }
  /// Bytes of a raw public key (256 or 32).
  size_t public_size() const;
  /// Bytes of a signature (256 or 64).
  size_t signature_size() const;
  /// A fresh key pair.
  std::shared_ptr<const KeyPair> generate(Botan::RandomNumberGenerator& rng) const;
  /// True if sig is a valid signature over msg under the raw public key pub.
  /// Malformed keys or signatures verify false.
  bool verify(std::span<const uint8_t> pub, std::span<const uint8_t> msg, std::span<const uint8_t> sig) const;
  /// The raw public key of a Botan public key of this profile; throws InputError.
  Bytes raw_public(const Botan::Public_Key& key) const;
  /// A Botan public key from raw bytes (for SPKI export).
  std::unique_ptr<Botan::Public_Key> load_public(std::span<const uint8_t> raw) const;

private:
  struct VerifierCache;
  ProfileKind kind_;
  /// Verifiers for the last few public keys: decoding an RSA key and setting
  /// up its Montgomery parameters costs ten verifications. Shared by copies.
  std::shared_ptr<VerifierCache> cache_;
};

/// Deterministic keys: the key at index i depends only on (profile, seed, i),
/// so keys are generated once per run and shared by every script of the run
/// that uses the same seed (RSA-2048 generation is the slow part).
class KeyPool {
public:
  /// The key for (profile, seed, index), generated on first use.
  std::shared_ptr<const KeyPair> key(ProfileKind profile, uint64_t seed, uint32_t index);

private:
  std::mutex mutex_;
  std::map<std::tuple<int, uint64_t, uint32_t>, std::shared_ptr<const KeyPair>> keys_;
};

}  // namespace pairkit::sim
