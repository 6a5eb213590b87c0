// The age v1 file format (C2SP age specification): header with recipient
// stanzas and an HMAC, then a STREAM of ChaCha20-Poly1305 chunks; scrypt
// (passphrase) and X25519 recipients (the ASCII armor is in armor.hpp).
// Reading is strict where Botan is lenient: canonical unpadded base64,
// all-zero X25519 shares, work factors, chunk framing.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <botan/rng.h>
#include <botan/secmem.h>

#include "pairkit/core/byte_stream.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/chacha20poly1305.hpp"

namespace pairkit::backup {

/// Which stage of decryption failed (the age test kit's categories).
enum class AgeFailure { header, hmac, payload, armor, no_match };

/// A malformed or undecryptable age file. An InputError (exit 3).
class AgeError : public InputError {
public:
  AgeError(AgeFailure kind, const std::string& what) : InputError(what), kind_(kind) {}
  AgeFailure kind() const { return kind_; }

private:
  AgeFailure kind_;
};

/// The message for AgeFailure::no_match.
inline constexpr const char* kNoMatchMessage = "wrong passphrase, or not encrypted to this identity";

/// One recipient stanza of the header.
struct Stanza {
  std::string type;
  std::vector<std::string> args;
  std::vector<uint8_t> body;
};

using FileKey = Botan::secure_vector<uint8_t>;

/// Wraps the file key for one reader.
class Recipient {
public:
  virtual ~Recipient() = default;
  virtual Stanza wrap(const FileKey& file_key, Botan::RandomNumberGenerator& rng) const = 0;
  /// scrypt stanzas must be alone in a header.
  virtual bool is_passphrase() const { return false; }
};

/// Unwraps the file key. Returns nullopt when no stanza is meant for this
/// identity (or the key does not open it); throws AgeError(header) for a
/// malformed stanza of its type.
class Identity {
public:
  virtual ~Identity() = default;
  virtual std::optional<FileKey> unwrap(const std::vector<Stanza>& stanzas) const = 0;
};

/// Default scrypt work factor (log2 N) when encrypting, and the largest one
/// accepted when decrypting (as age).
inline constexpr int kDefaultWorkFactor = 18;
inline constexpr int kMaxWorkFactor = 22;

class ScryptRecipient final : public Recipient {
public:
  /// Throws UsageError for a work factor outside 1..kMaxWorkFactor.
  ScryptRecipient(Botan::secure_vector<char> passphrase, int work_factor = kDefaultWorkFactor);
  Stanza wrap(const FileKey& file_key, Botan::RandomNumberGenerator& rng) const override;
  bool is_passphrase() const override { return true; }

private:
  Botan::secure_vector<char> passphrase_;
  int work_factor_;
};

class ScryptIdentity final : public Identity {
public:
  explicit ScryptIdentity(Botan::secure_vector<char> passphrase, int max_work_factor = kMaxWorkFactor)
      : passphrase_(std::move(passphrase)), max_work_factor_(max_work_factor) {}
  std::optional<FileKey> unwrap(const std::vector<Stanza>& stanzas) const override;

private:
  Botan::secure_vector<char> passphrase_;
  int max_work_factor_;
};

class X25519Recipient final : public Recipient {
public:
  /// Parses "age1..." (Bech32); throws UsageError naming the text.
  static X25519Recipient parse(const std::string& text);
  explicit X25519Recipient(const std::vector<uint8_t>& public_key);
  Stanza wrap(const FileKey& file_key, Botan::RandomNumberGenerator& rng) const override;
  /// "age1..."
  std::string encode() const;

private:
  std::vector<uint8_t> public_key_;
};

class X25519Identity final : public Identity {
public:
  static X25519Identity generate(Botan::RandomNumberGenerator& rng);
  /// Parses "AGE-SECRET-KEY-1..."; throws InputError naming `what`.
  static X25519Identity parse(const std::string& text, const std::string& what = "identity");
  /// Every AGE-SECRET-KEY-1 line of an identity file (comments and blank
  /// lines skipped); throws InputError naming the file when it has none.
  static std::vector<X25519Identity> parse_file(const std::string& text, const std::string& name);
  explicit X25519Identity(Botan::secure_vector<uint8_t> secret);
  std::optional<FileKey> unwrap(const std::vector<Stanza>& stanzas) const override;
  /// "AGE-SECRET-KEY-1..." (upper case, as age-keygen writes it).
  std::string encode() const;
  X25519Recipient recipient() const;

private:
  Botan::secure_vector<uint8_t> secret_;
  std::vector<uint8_t> public_;
};

/// Encrypts a stream: writes the header at construction, then the payload in
/// 64 KiB chunks; finish() writes the last chunk (and finishes `out`).
class AgeWriter final : public ByteSink {
public:
  AgeWriter(ByteSink& out, const std::vector<const Recipient*>& recipients, Botan::RandomNumberGenerator& rng);
  ~AgeWriter() override;
  void write(std::span<const uint8_t> data) override;
  void finish() override;
  /// Plaintext [0, end) can be rewritten when `out` can rewrite the chunks
  /// holding it: their plaintext is kept, and rewrite() seals them again
  /// (STREAM chunks are independent) and overwrites them in `out`.
  bool can_rewrite(uint64_t end) override;
  void rewrite(uint64_t offset, std::span<const uint8_t> data) override;

private:
  // Sealed chunks go to `out` in batches about this large (one write, uncopied).
  static constexpr size_t kSealedBatch = size_t{1} << 18;
  void seal(std::span<const uint8_t> chunk, bool last);
  void flush_sealed();
  ByteSink& out_;
  std::unique_ptr<crypto::ChaCha20Poly1305> payload_;
  uint64_t counter_ = 0;
  Botan::secure_vector<uint8_t> buf_;  // plaintext of the chunk being filled
  std::unique_ptr<uint8_t[]> sealed_;  // sealed chunks not yet written: kSealedBatch and one chunk more
  size_t sealed_len_ = 0;
  uint64_t payload_offset_ = 0;       // where chunk 0 starts in `out`
  uint64_t keep_chunks_ = 0;          // chunks whose plaintext is kept for rewrite()
  Botan::secure_vector<uint8_t> kept_;
  bool finished_ = false;
};

/// Decrypts a stream: reads and authenticates the header at construction
/// (throwing AgeError), then yields the payload chunk by chunk, each chunk
/// authenticated before any of it is returned.
class AgeReader final : public ByteSource {
public:
  AgeReader(ByteSource& in, const std::vector<const Identity*>& identities);
  ~AgeReader() override;
  size_t read(std::span<uint8_t> buf) override;
  const std::vector<Stanza>& stanzas() const { return stanzas_; }

private:
  size_t fill(std::span<uint8_t> buf);
  /// One header line without its newline; nullopt when more than max bytes
  /// come first or the input ends before one.
  std::optional<std::string> read_line(size_t max);
  std::string read_header_line();
  /// Reads, checks and opens the next chunk into `plain` (room for a whole
  /// chunk); returns its length.
  size_t next_chunk(uint8_t* plain);
  ByteSource& in_;
  std::vector<uint8_t> inbuf_;
  size_t inpos_ = 0;
  bool in_eof_ = false;
  std::vector<Stanza> stanzas_;
  std::unique_ptr<crypto::ChaCha20Poly1305> payload_;
  uint64_t counter_ = 0;
  bool done_ = false;
  std::vector<uint8_t> chunk_;          // sealed, and the next chunk's first byte
  size_t carry_ = 0;                    // 1 when chunk_ starts with that byte
  Botan::secure_vector<uint8_t> plain_;  // opened, for reads smaller than a chunk
  size_t chunk_pos_ = 0;
};

/// Strict unpadded standard base64 (age's encoding): throws AgeError(header)
/// for padding, non-canonical trailing bits or characters outside the alphabet.
std::vector<uint8_t> age_b64_decode(std::string_view text);
std::string age_b64_encode(std::span<const uint8_t> data);

/// Unpadded standard base64, canonical only; nullopt when malformed.
std::optional<std::vector<uint8_t>> b64_decode_canonical(std::string_view text);
/// Standard base64, padded or not.
std::string b64_encode(std::span<const uint8_t> data, bool pad);

}  // namespace pairkit::backup
