// age v1: header, stanzas, scrypt and X25519 recipients, STREAM payload, armor.
#include "pairkit/backup/age.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <botan/curve25519.h>
#include <botan/kdf.h>
#include <botan/mac.h>
#include <botan/scrypt.h>

#include "pairkit/backup/bech32.hpp"
#include "pairkit/crypto/base64.hpp"
#include "pairkit/crypto/chacha20poly1305.hpp"

namespace pairkit::backup {

namespace {

constexpr const char* kIntro = "age-encryption.org/v1";
constexpr size_t kFileKeySize = 16;
constexpr size_t kChunkSize = 64 * 1024;
constexpr size_t kTagSize = 16;
constexpr size_t kNonceSize = 16;
constexpr size_t kMaxHeader = 1 << 20;
// Reads at least this large bypass the reader's buffer (which serves the header's lines).
constexpr size_t kDirectRead = 1024;
using crypto::base64_value;
constexpr std::string_view kB64 = crypto::kBase64Alphabet;

AgeError header_error(const std::string& why) { return AgeError(AgeFailure::header, "malformed age header: " + why); }

}  // namespace

std::optional<std::vector<uint8_t>> b64_decode_canonical(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = base64_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return std::nullopt;  // non-zero leftover bits: not canonical
  return out;
}

std::string b64_encode(std::span<const uint8_t> data, bool pad) {
  std::string out;
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t v = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8) | data[i + 2];
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  const size_t rest = data.size() - i;
  if (rest == 1) {
    const uint32_t v = uint32_t(data[i]) << 16;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    const uint32_t v = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    if (pad) out += "=";
  }
  return out;
}

namespace {

Botan::secure_vector<uint8_t> hkdf(std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                                   std::string_view info, size_t len = 32) {
  const auto kdf = Botan::KDF::create_or_throw("HKDF(SHA-256)");
  return kdf->derive_key(len, ikm.data(), ikm.size(), salt.data(), salt.size(),
                         reinterpret_cast<const uint8_t*>(info.data()), info.size());
}

std::vector<uint8_t> aead_seal(std::span<const uint8_t> key, std::span<const uint8_t> plain) {
  const uint8_t nonce[12] = {};
  std::vector<uint8_t> sealed(plain.size() + kTagSize);
  crypto::ChaCha20Poly1305(key, crypto::ChaCha20Poly1305::Engine::botan).seal(nonce, plain, sealed.data());
  return sealed;
}

// age's aeadDecrypt: a body of the wrong size is malformed; a bad tag means
// "not for this identity".
std::optional<FileKey> aead_open_file_key(std::span<const uint8_t> key, const std::vector<uint8_t>& body,
                                          const std::string& type) {
  if (body.size() != kFileKeySize + kTagSize) throw header_error(type + " stanza body has the wrong size");
  const uint8_t nonce[12] = {};
  FileKey file_key(kFileKeySize);
  if (!crypto::ChaCha20Poly1305(key, crypto::ChaCha20Poly1305::Engine::botan).open(nonce, body, file_key.data()))
    return std::nullopt;
  return file_key;
}

Botan::secure_vector<uint8_t> x25519(std::span<const uint8_t> secret, std::span<const uint8_t> point) {
  Botan::secure_vector<uint8_t> out(32);
  Botan::curve25519_donna(out.data(), secret.data(), point.data());
  // An all-zero shared secret means a low-order point: refuse it (Botan does not).
  uint8_t acc = 0;
  for (uint8_t b : out) acc |= b;
  if (acc == 0) throw header_error("X25519 share is a low-order point");
  return out;
}

bool valid_arg(const std::string& a) {
  if (a.empty()) return false;
  return std::all_of(a.begin(), a.end(), [](char c) { return c >= 33 && c <= 126; });
}

std::vector<std::string> split_spaces(const std::string& line) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const auto sp = line.find(' ', start);
    parts.push_back(line.substr(start, sp == std::string::npos ? std::string::npos : sp - start));
    if (sp == std::string::npos) break;
    start = sp + 1;
  }
  return parts;
}

void stanza_to(std::string& out, const Stanza& s) {
  out += "-> " + s.type;
  for (const auto& a : s.args) out += " " + a;
  out += "\n";
  const std::string b = age_b64_encode(s.body);
  for (size_t i = 0; i <= b.size(); i += 64) out += b.substr(i, 64) + "\n";
}

void stream_nonce(uint8_t nonce[12], uint64_t counter, bool last) {
  std::memset(nonce, 0, 12);
  for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
  nonce[11] = last ? 1 : 0;
}

}  // namespace

std::vector<uint8_t> age_b64_decode(std::string_view text) {
  auto v = b64_decode_canonical(text);
  if (!v) throw header_error("invalid or non-canonical base64 '" + std::string(text.substr(0, 80)) + "'");
  return *v;
}

std::string age_b64_encode(std::span<const uint8_t> data) { return b64_encode(data, false); }

// ---- scrypt ----------------------------------------------------------------

ScryptRecipient::ScryptRecipient(Botan::secure_vector<char> passphrase, int work_factor)
    : passphrase_(std::move(passphrase)), work_factor_(work_factor) {
  if (work_factor < 1 || work_factor > kMaxWorkFactor)
    throw UsageError("work factor " + std::to_string(work_factor) + " is outside 1.." +
                     std::to_string(kMaxWorkFactor));
}

Stanza ScryptRecipient::wrap(const FileKey& file_key, Botan::RandomNumberGenerator& rng) const {
  uint8_t salt[16];
  rng.randomize(salt, sizeof salt);
  std::string label = "age-encryption.org/v1/scrypt";
  std::vector<uint8_t> full_salt(label.begin(), label.end());
  full_salt.insert(full_salt.end(), salt, salt + 16);
  Botan::secure_vector<uint8_t> key(32);
  Botan::scrypt(key.data(), key.size(), passphrase_.data(), passphrase_.size(), full_salt.data(), full_salt.size(),
                size_t(1) << work_factor_, 8, 1);
  return {"scrypt", {age_b64_encode(salt), std::to_string(work_factor_)}, aead_seal(key, file_key)};
}

std::optional<FileKey> ScryptIdentity::unwrap(const std::vector<Stanza>& stanzas) const {
  for (const auto& s : stanzas) {
    if (s.type != "scrypt") continue;
    if (stanzas.size() != 1) throw header_error("an scrypt stanza must be the only one");
    if (s.args.size() != 2) throw header_error("scrypt stanza needs 2 arguments");
    const auto salt = age_b64_decode(s.args[0]);
    if (salt.size() != 16) throw header_error("scrypt salt is not 16 bytes");
    const auto& wf = s.args[1];
    if (wf.empty() || wf.size() > 2 || wf[0] == '0' ||
        !std::all_of(wf.begin(), wf.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw header_error("scrypt work factor '" + wf + "' is not a decimal number");
    const int log_n = std::stoi(wf);
    if (log_n > max_work_factor_)
      throw header_error("scrypt work factor " + wf + " is above the limit of " + std::to_string(max_work_factor_));
    std::string label = "age-encryption.org/v1/scrypt";
    std::vector<uint8_t> full_salt(label.begin(), label.end());
    full_salt.insert(full_salt.end(), salt.begin(), salt.end());
    Botan::secure_vector<uint8_t> key(32);
    Botan::scrypt(key.data(), key.size(), passphrase_.data(), passphrase_.size(), full_salt.data(),
                  full_salt.size(), size_t(1) << log_n, 8, 1);
    return aead_open_file_key(key, s.body, "scrypt");
  }
  return std::nullopt;
}

// ---- X25519 ----------------------------------------------------------------

X25519Recipient::X25519Recipient(const std::vector<uint8_t>& public_key) : public_key_(public_key) {}

X25519Recipient X25519Recipient::parse(const std::string& text) {
  Bech32 b;
  try {
    b = bech32_decode(text, "recipient '" + text + "'");
  } catch (const InputError& e) {
    throw UsageError(e.what());
  }
  if (b.hrp != "age" || b.data.size() != 32)
    throw UsageError("recipient '" + text + "' is not an age X25519 recipient (age1...)");
  return X25519Recipient(b.data);
}

std::string X25519Recipient::encode() const { return bech32_encode("age", public_key_); }

Stanza X25519Recipient::wrap(const FileKey& file_key, Botan::RandomNumberGenerator& rng) const {
  Botan::secure_vector<uint8_t> eph(32);
  rng.randomize(eph.data(), eph.size());
  std::vector<uint8_t> share(32);
  Botan::curve25519_basepoint(share.data(), eph.data());
  const auto shared = x25519(eph, public_key_);
  std::vector<uint8_t> salt = share;
  salt.insert(salt.end(), public_key_.begin(), public_key_.end());
  const auto key = hkdf(shared, salt, "age-encryption.org/v1/X25519");
  return {"X25519", {age_b64_encode(share)}, aead_seal(key, file_key)};
}

X25519Identity::X25519Identity(Botan::secure_vector<uint8_t> secret) : secret_(std::move(secret)), public_(32) {
  Botan::curve25519_basepoint(public_.data(), secret_.data());
}

X25519Identity X25519Identity::generate(Botan::RandomNumberGenerator& rng) {
  Botan::secure_vector<uint8_t> s(32);
  rng.randomize(s.data(), s.size());
  return X25519Identity(std::move(s));
}

X25519Identity X25519Identity::parse(const std::string& text, const std::string& what) {
  const auto b = bech32_decode(text, what);
  if (b.hrp != "age-secret-key-" || b.data.size() != 32)
    throw InputError(what + " is not an age X25519 identity (AGE-SECRET-KEY-1...)");
  return X25519Identity(Botan::secure_vector<uint8_t>(b.data.begin(), b.data.end()));
}

std::vector<X25519Identity> X25519Identity::parse_file(const std::string& text, const std::string& name) {
  std::vector<X25519Identity> out;
  size_t start = 0, lineno = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    out.push_back(parse(line, name + ":" + std::to_string(lineno)));
  }
  if (out.empty()) throw InputError(name + " holds no age identity (AGE-SECRET-KEY-1...)");
  return out;
}

std::string X25519Identity::encode() const {
  std::string s = bech32_encode("age-secret-key-", std::vector<uint8_t>(secret_.begin(), secret_.end()));
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

X25519Recipient X25519Identity::recipient() const { return X25519Recipient(public_); }

std::optional<FileKey> X25519Identity::unwrap(const std::vector<Stanza>& stanzas) const {
  for (const auto& s : stanzas) {
    if (s.type != "X25519") continue;
    if (s.args.size() != 1) throw header_error("X25519 stanza needs 1 argument");
    const auto share = age_b64_decode(s.args[0]);
    if (share.size() != 32) throw header_error("X25519 share is not 32 bytes");
    const auto shared = x25519(secret_, share);
    std::vector<uint8_t> salt = share;
    salt.insert(salt.end(), public_.begin(), public_.end());
    const auto key = hkdf(shared, salt, "age-encryption.org/v1/X25519");
    if (auto fk = aead_open_file_key(key, s.body, "X25519")) return fk;
  }
  return std::nullopt;
}

// ---- writer ----------------------------------------------------------------

AgeWriter::AgeWriter(ByteSink& out, const std::vector<const Recipient*>& recipients,
                     Botan::RandomNumberGenerator& rng)
    : out_(out) {
  if (recipients.empty()) throw UsageError("no recipient to encrypt to");
  for (const auto* r : recipients)
    if (r->is_passphrase() && recipients.size() != 1)
      throw UsageError("a passphrase cannot be combined with other recipients");
  FileKey file_key(kFileKeySize);
  rng.randomize(file_key.data(), file_key.size());
  std::string header = std::string(kIntro) + "\n";
  for (const auto* r : recipients) stanza_to(header, r->wrap(file_key, rng));
  header += "---";
  const auto mac_key = hkdf(file_key, {}, "header");
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
  mac->set_key(mac_key);
  mac->update(header);
  const auto tag = mac->final();
  header += ' ';
  header += age_b64_encode(tag);
  header += '\n';
  out_.write({reinterpret_cast<const uint8_t*>(header.data()), header.size()});
  uint8_t nonce[kNonceSize];
  rng.randomize(nonce, sizeof nonce);
  out_.write(nonce);
  payload_offset_ = header.size() + sizeof nonce;
  const auto payload_key = hkdf(file_key, nonce, "payload");
  payload_ = std::make_unique<crypto::ChaCha20Poly1305>(payload_key);
  buf_.reserve(kChunkSize);
  sealed_.reset(new uint8_t[kSealedBatch + kChunkSize + kTagSize]);  // ciphertext: no need to zero it
}

AgeWriter::~AgeWriter() = default;

void AgeWriter::seal(std::span<const uint8_t> chunk, bool last) {
  if (counter_ < keep_chunks_) kept_.insert(kept_.end(), chunk.begin(), chunk.end());
  uint8_t nonce[12];
  stream_nonce(nonce, counter_++, last);
  payload_->seal(nonce, chunk, sealed_.get() + sealed_len_);
  sealed_len_ += chunk.size() + kTagSize;
  if (last || sealed_len_ >= kSealedBatch) flush_sealed();
}

void AgeWriter::flush_sealed() {
  out_.write({sealed_.get(), sealed_len_});
  sealed_len_ = 0;
}

void AgeWriter::write(std::span<const uint8_t> data) {
  // Whole chunks are sealed straight from `data` while more data follows
  // them (so they are not the last); the rest waits in buf_.
  while (buf_.empty() && data.size() > kChunkSize) {
    seal(data.first(kChunkSize), false);
    data = data.subspan(kChunkSize);
  }
  while (!data.empty()) {
    if (buf_.size() == kChunkSize) {  // more data follows, so this chunk is not the last
      seal(buf_, false);
      buf_.clear();
    }
    const size_t n = std::min(kChunkSize - buf_.size(), data.size());
    buf_.insert(buf_.end(), data.begin(), data.begin() + static_cast<ptrdiff_t>(n));
    data = data.subspan(n);
  }
}

void AgeWriter::finish() {
  seal(buf_, true);
  buf_.clear();
  finished_ = true;
  kept_.clear();
  out_.finish();
}

bool AgeWriter::can_rewrite(uint64_t end) {
  if (counter_ != 0 || !buf_.empty()) return false;  // asked before anything is written
  const uint64_t chunks = (end + kChunkSize - 1) / kChunkSize;
  if (!out_.can_rewrite(payload_offset_ + chunks * (kChunkSize + kTagSize))) return false;
  keep_chunks_ = chunks;
  return true;
}

void AgeWriter::rewrite(uint64_t offset, std::span<const uint8_t> data) {
  const uint64_t end = offset + data.size();
  const uint64_t written = counter_ * kChunkSize + buf_.size();
  if (finished_ || end > written || end > keep_chunks_ * kChunkSize)
    throw std::logic_error("AgeWriter::rewrite outside what can be rewritten");
  flush_sealed();
  for (uint64_t i = offset / kChunkSize; i * kChunkSize < end; ++i) {
    const uint64_t start = i * kChunkSize;
    const uint64_t lo = std::max(offset, start), hi = std::min(end, start + kChunkSize);
    const uint8_t* src = data.data() + (lo - offset);
    if (i == counter_) {  // still in the buffer: sealed later with the rest
      std::memcpy(buf_.data() + (lo - start), src, hi - lo);
      continue;
    }
    // A sealed chunk: never the last one before finish(), so sealed again as not last.
    std::memcpy(kept_.data() + lo, src, hi - lo);
    std::vector<uint8_t> chunk(kChunkSize + kTagSize);
    uint8_t nonce[12];
    stream_nonce(nonce, i, false);
    payload_->seal(nonce, std::span(kept_).subspan(start, kChunkSize), chunk.data());
    out_.rewrite(payload_offset_ + i * (kChunkSize + kTagSize), chunk);
  }
}

// ---- reader ----------------------------------------------------------------

size_t AgeReader::fill(std::span<uint8_t> buf) {
  size_t done = 0;
  while (done < buf.size()) {
    if (inpos_ == inbuf_.size()) {
      if (in_eof_) break;
      if (buf.size() - done >= kDirectRead) {  // payload chunks: read straight into place
        const size_t n = in_.read_full(buf.subspan(done));
        if (n < buf.size() - done) in_eof_ = true;
        done += n;
        break;
      }
      inbuf_.resize(kChunkSize);
      const size_t n = in_.read(inbuf_);
      inbuf_.resize(n);
      inpos_ = 0;
      if (n == 0) {
        in_eof_ = true;
        break;
      }
    }
    const size_t n = std::min(buf.size() - done, inbuf_.size() - inpos_);
    std::memcpy(buf.data() + done, inbuf_.data() + inpos_, n);
    inpos_ += n;
    done += n;
  }
  return done;
}

std::optional<std::string> AgeReader::read_line(size_t max) {
  std::string line;
  for (;;) {
    uint8_t c;
    if (fill({&c, 1}) == 0) return std::nullopt;
    if (c == '\n') return line;
    line += static_cast<char>(c);
    if (line.size() > max) return std::nullopt;
  }
}

std::string AgeReader::read_header_line() {
  auto line = read_line(kMaxHeader);
  if (!line) throw header_error(in_eof_ ? "the header ends before its final line" : "header line too long");
  return std::move(*line);
}

AgeReader::AgeReader(ByteSource& in, const std::vector<const Identity*>& identities) : in_(in) {
  std::string header;
  // The first line decides whether this is age at all: a gigabyte of zeros
  // is "not an age file", not a header line too long.
  const std::string intro = read_line(64).value_or("");
  if (intro != kIntro) {
    if (intro.rfind("age-encryption.org/", 0) == 0)
      throw AgeError(AgeFailure::header, "unsupported age version '" + intro.substr(0, 40) + "'");
    throw AgeError(AgeFailure::header, "not an age file (no age-encryption.org/v1 header)");
  }
  header = intro + "\n";
  std::vector<uint8_t> mac;
  std::string line = read_header_line();
  for (;;) {
    if (header.size() > kMaxHeader) throw header_error("header too long");
    if (line.rfind("---", 0) == 0) {
      const auto parts = split_spaces(line);
      if (parts[0] != "---" || parts.size() != 2) throw header_error("malformed closing line");
      mac = age_b64_decode(parts[1]);
      if (mac.size() != 32) throw header_error("header MAC is not 32 bytes");
      header += "---";
      break;
    }
    const auto parts = split_spaces(line);
    if (parts[0] != "->") throw header_error("malformed stanza opening line");
    if (parts.size() < 2) throw header_error("stanza without a type");
    for (size_t i = 1; i < parts.size(); ++i)
      if (!valid_arg(parts[i])) throw header_error("malformed stanza argument");
    Stanza s;
    s.type = parts[1];
    s.args.assign(parts.begin() + 2, parts.end());
    header += line + "\n";
    for (;;) {
      const std::string body_line = read_header_line();
      header += body_line + "\n";
      if (body_line.size() > 64) throw header_error("stanza body line longer than 64 columns");
      const auto bytes = b64_decode_canonical(body_line);
      if (!bytes) {
        if (body_line.rfind("---", 0) == 0 || body_line.rfind("->", 0) == 0)
          throw header_error("stanza ended without a short line");
        throw header_error("malformed stanza body line");
      }
      s.body.insert(s.body.end(), bytes->begin(), bytes->end());
      if (body_line.size() < 64) break;
    }
    stanzas_.push_back(std::move(s));
    line = read_header_line();
  }
  if (stanzas_.empty()) throw header_error("no recipient stanza");
  for (const auto& s : stanzas_)
    if (s.type == "scrypt" && stanzas_.size() != 1) throw header_error("an scrypt stanza must be the only one");

  std::optional<FileKey> file_key;
  for (const auto* id : identities) {
    file_key = id->unwrap(stanzas_);
    if (file_key) break;
  }
  if (!file_key) throw AgeError(AgeFailure::no_match, kNoMatchMessage);

  const auto mac_key = hkdf(*file_key, {}, "header");
  auto hmac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
  hmac->set_key(mac_key);
  hmac->update(header);
  if (!hmac->verify_mac(mac.data(), mac.size()))
    throw AgeError(AgeFailure::hmac, "the header MAC does not match: the file was modified");

  uint8_t nonce[kNonceSize];
  if (fill(nonce) != kNonceSize) throw header_error("the file ends before the payload nonce");
  const auto payload_key = hkdf(*file_key, nonce, "payload");
  payload_ = std::make_unique<crypto::ChaCha20Poly1305>(payload_key);
}

AgeReader::~AgeReader() = default;

size_t AgeReader::next_chunk(uint8_t* plain) {
  // A sealed chunk and one byte more: that byte (carried to the next
  // chunk) says this chunk is not the last.
  constexpr size_t kSealed = kChunkSize + kTagSize;
  chunk_.resize(kSealed + 1);
  const size_t have = carry_ + fill(std::span(chunk_).subspan(carry_));
  const bool last = have <= kSealed;
  const size_t n = last ? have : kSealed;
  if (n == 0) {
    throw AgeError(AgeFailure::payload, counter_ == 0 ? "the payload is empty (no chunks)"
                                                      : "the file is truncated (no final chunk)");
  }
  if (n < kTagSize) throw AgeError(AgeFailure::payload, "the file is truncated (chunk shorter than its tag)");
  const std::span<const uint8_t> sealed(chunk_.data(), n);
  uint8_t nonce[12];
  stream_nonce(nonce, counter_, last);
  if (!payload_->open(nonce, sealed, plain)) {
    // A full chunk followed by more data may still be a final chunk with trailing garbage.
    stream_nonce(nonce, counter_, true);
    if (!last && payload_->open(nonce, sealed, plain))
      throw AgeError(AgeFailure::payload, "trailing data after the end of the encrypted payload");
    throw AgeError(AgeFailure::payload, "payload chunk " + std::to_string(counter_ + 1) +
                                            " does not authenticate: the file is corrupted or truncated");
  }
  const size_t opened = n - kTagSize;
  if (last && opened == 0 && counter_ > 0) throw AgeError(AgeFailure::payload, "the last chunk is empty");
  ++counter_;
  if (last) {
    done_ = true;
    carry_ = 0;
  } else {
    chunk_[0] = chunk_[kSealed];
    carry_ = 1;
  }
  return opened;
}

size_t AgeReader::read(std::span<uint8_t> buf) {
  if (chunk_pos_ == plain_.size()) {
    if (done_) return 0;
    // A whole chunk fits: opened straight into the caller's buffer.
    if (buf.size() >= kChunkSize) return next_chunk(buf.data());
    plain_.resize(kChunkSize);
    plain_.resize(next_chunk(plain_.data()));
    chunk_pos_ = 0;
  }
  const size_t n = std::min(buf.size(), plain_.size() - chunk_pos_);
  std::memcpy(buf.data(), plain_.data() + chunk_pos_, n);
  chunk_pos_ += n;
  return n;
}

}  // namespace pairkit::backup
