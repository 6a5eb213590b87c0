// CRL building and indexed reading (see crl.hpp).
#include "pairkit/ca/crl.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <botan/ber_dec.h>
#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/hex.h>
#include <botan/oids.h>
#include <botan/pem.h>
#include <botan/pubkey.h>
#include <botan/x509_ca.h>
#include <botan/x509_obj.h>

#include "pairkit/core/duration.hpp"
#include "pairkit/crypto/der.hpp"
#include "pairkit/core/error.hpp"
#include "pairkit/crypto/cert_builder.hpp"
#include "pairkit/crypto/keys.hpp"

namespace pairkit::ca {

namespace der = crypto::der;

namespace {

// id-ce-reasonCode, id-ce-cRLNumber, id-ce-authorityKeyIdentifier (content octets of the OIDs).
constexpr std::array<uint8_t, 3> kOidReason{0x55, 0x1d, 0x15};
constexpr std::array<uint8_t, 3> kOidCrlNumber{0x55, 0x1d, 0x14};
constexpr std::array<uint8_t, 3> kOidAki{0x55, 0x1d, 0x23};

bool same(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// Serials in the index are canonical upper-case hex (serial_hex).
void hex_to_bytes(const std::string& hex, std::vector<uint8_t>& out) {
  auto nib = [&](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    throw InputError("serial '" + hex + "' in the index is not hexadecimal");
  };
  out.clear();
  size_t i = hex.size() % 2;
  if (i) out.push_back(nib(hex[0]));
  for (; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(nib(hex[i]) << 4 | nib(hex[i + 1])));
}

}  // namespace

const std::vector<std::string>& reason_names() {
  static const std::vector<std::string> names = {
      "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded", "cessationOfOperation",
      "certificateHold", "", "removeFromCRL", "privilegeWithdrawn", "aACompromise"};
  return names;
}

int parse_reason(std::string_view name) {
  const auto& names = reason_names();
  auto lower = [](std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
  };
  for (size_t i = 0; i < names.size(); ++i)
    if (!names[i].empty() && lower(names[i]) == lower(name)) return static_cast<int>(i);
  std::string list;
  for (const auto& n : names)
    if (!n.empty()) list += (list.empty() ? "" : ", ") + n;
  throw UsageError("unknown revocation reason '" + std::string(name) + "' (expected one of: " + list + ")");
}

std::string reason_name(int code) {
  const auto& names = reason_names();
  if (code >= 0 && static_cast<size_t>(code) < names.size() && !names[static_cast<size_t>(code)].empty())
    return names[static_cast<size_t>(code)];
  return "unknown(" + std::to_string(code) + ")";
}

std::string reason_name(std::optional<int> code) { return code ? reason_name(*code) : "unspecified"; }

std::string serial_hex(std::span<const uint8_t> m) {
  const auto mag = der::magnitude(m);
  if (mag.empty()) return "00";
  return Botan::hex_encode(mag.data(), mag.size(), true);
}

std::string normalize_serial(std::string_view text) {
  std::string t(text);
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t = t.substr(2);
  std::string hex;
  for (char c : t) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      throw UsageError("'" + std::string(text) + "' is not a certificate serial (hexadecimal, as 'pairkit ca list' shows)");
    hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (hex.empty() || hex.size() > 42)
    throw UsageError("'" + std::string(text) + "' is not a certificate serial (hexadecimal, at most 20 bytes)");
  if (hex.size() % 2) hex.insert(hex.begin(), '0');
  size_t i = 0;
  while (i + 2 < hex.size() && hex[i] == '0' && hex[i + 1] == '0') i += 2;
  return hex.substr(i);
}

std::vector<uint8_t> build_crl(const Botan::Private_Key& ca_key, const Botan::X509_Certificate& ca_cert,
                               const CrlSpec& spec, std::span<const RevokedEntry> entries,
                               Botan::RandomNumberGenerator& rng) {
  if (spec.next_update <= spec.this_update) throw UsageError("the CRL's nextUpdate must come after thisUpdate");
  Botan::AlgorithmIdentifier alg;
  std::unique_ptr<Botan::PK_Signer> signer(
      Botan::choose_sig_format(ca_key, rng, crypto::signature_hash_for(ca_key), alg));

  std::vector<uint8_t> tbs;
  tbs.reserve(256 + entries.size() * 48);
  const uint8_t v2[] = {0x01};
  der::put_tlv(tbs, der::kInteger, v2);
  const auto alg_der = Botan::DER_Encoder().encode(alg).get_contents_unlocked();
  tbs.insert(tbs.end(), alg_der.begin(), alg_der.end());
  // The Name exactly as the CA certificate encodes it (X509_DN keeps the original bytes).
  const auto issuer = Botan::DER_Encoder().encode(ca_cert.subject_dn()).get_contents_unlocked();
  tbs.insert(tbs.end(), issuer.begin(), issuer.end());
  der::put_time(tbs, spec.this_update);
  der::put_time(tbs, spec.next_update);

  if (!entries.empty()) {
    std::vector<uint8_t> list;
    list.reserve(entries.size() * 48);
    std::vector<uint8_t> entry;
    std::vector<uint8_t> serial;
    for (const auto& e : entries) {
      entry.clear();
      hex_to_bytes(e.serial, serial);
      der::put_unsigned(entry, serial);
      der::put_time(entry, e.revoked_at);
      if (e.reason) {
        // Extensions ::= SEQUENCE { Extension { extnID reasonCode, extnValue OCTET STRING { ENUMERATED } } }
        const uint8_t ext[] = {0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15,
                               0x04, 0x03, 0x0a, 0x01, static_cast<uint8_t>(*e.reason)};
        entry.insert(entry.end(), std::begin(ext), std::end(ext));
      }
      der::put_tlv(list, der::kSequence, entry);
    }
    der::put_tlv(tbs, der::kSequence, list);
  }

  std::vector<uint8_t> exts;
  {
    // authorityKeyIdentifier: SEQUENCE { [0] keyIdentifier }
    auto key_id = ca_cert.subject_key_id();
    if (key_id.empty()) key_id = crypto::key_identifier(ca_key);
    std::vector<uint8_t> aki_value, aki_seq, ext;
    der::put_tlv(aki_value, 0x80, key_id);
    der::put_tlv(aki_seq, der::kSequence, aki_value);
    der::put_tlv(ext, der::kOid, kOidAki);
    der::put_tlv(ext, der::kOctetString, aki_seq);
    der::put_tlv(exts, der::kSequence, ext);
  }
  {
    std::vector<uint8_t> num, ext;
    uint8_t be[8];
    for (int i = 0; i < 8; ++i) be[i] = static_cast<uint8_t>(spec.number >> (56 - 8 * i));
    der::put_unsigned(num, be);
    der::put_tlv(ext, der::kOid, kOidCrlNumber);
    der::put_tlv(ext, der::kOctetString, num);
    der::put_tlv(exts, der::kSequence, ext);
  }
  std::vector<uint8_t> ext_seq;
  der::put_tlv(ext_seq, der::kSequence, exts);
  der::put_tlv(tbs, der::kContext0, ext_seq);

  // Sign the TBS once and assemble Certificate-style { tbs, algorithm, signature }
  // directly (DER_Encoder would copy the 50 MB body several times).
  std::vector<uint8_t> body;
  body.reserve(tbs.size() + 8);
  der::put_tlv(body, der::kSequence, tbs);
  std::vector<uint8_t>().swap(tbs);
  const auto sig = signer->sign_message(body.data(), body.size(), rng);
  std::vector<uint8_t> sig_bits;
  sig_bits.reserve(sig.size() + 1);
  sig_bits.push_back(0);  // no unused bits
  sig_bits.insert(sig_bits.end(), sig.begin(), sig.end());
  body.insert(body.end(), alg_der.begin(), alg_der.end());
  der::put_tlv(body, der::kBitString, sig_bits);
  std::vector<uint8_t> out;
  out.reserve(body.size() + 8);
  der::put_tlv(out, der::kSequence, body);
  return out;
}

std::string crl_pem(std::span<const uint8_t> der) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "-----BEGIN X509 CRL-----\n";
  out.reserve(der.size() * 4 / 3 + der.size() / 48 + 64);
  size_t col = 0;
  auto put = [&](char c) {
    out.push_back(c);
    if (++col == 64) {
      out.push_back('\n');
      col = 0;
    }
  };
  size_t i = 0;
  for (; i + 3 <= der.size(); i += 3) {
    const uint32_t v = (uint32_t(der[i]) << 16) | (uint32_t(der[i + 1]) << 8) | der[i + 2];
    put(abc[v >> 18]);
    put(abc[(v >> 12) & 63]);
    put(abc[(v >> 6) & 63]);
    put(abc[v & 63]);
  }
  if (i < der.size()) {
    const uint32_t v = (uint32_t(der[i]) << 16) | (i + 1 < der.size() ? uint32_t(der[i + 1]) << 8 : 0);
    put(abc[v >> 18]);
    put(abc[(v >> 12) & 63]);
    put(i + 1 < der.size() ? abc[(v >> 6) & 63] : '=');
    put('=');
  }
  if (col) out.push_back('\n');
  out += "-----END X509 CRL-----\n";
  return out;
}

namespace {

// PEM armour is stripped and the base64 decoded in one pass over the bytes,
// writing over the buffer itself (every 4 characters read give at most 3
// bytes, so the writer never overtakes the reader): a 500 MB CRL is never
// held twice. Botan's PEM reader goes byte by byte through a DataSource,
// which dominates the time for a 50 MB CRL.
void pem_decode_in_place(std::vector<uint8_t>& data, const std::string& name) {
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  size_t begin = std::string_view::npos;
  for (const char* label : {"-----BEGIN X509 CRL-----", "-----BEGIN CRL-----"})
    if ((begin = text.find(label)) != std::string_view::npos) {
      begin += std::strlen(label);
      break;
    }
  if (begin == std::string_view::npos) {
    const auto other = text.find("-----BEGIN ");
    if (other != std::string_view::npos) {
      const auto end = text.find("-----", other + 11);
      throw InputError(name + " is not a CRL (it holds a PEM '" + std::string(text.substr(other + 11, end - other - 11)) + "')");
    }
    throw InputError(name + " is not a CRL (no '-----BEGIN X509 CRL-----' line)");
  }
  const size_t end = text.find("-----END", begin);
  if (end == std::string_view::npos) throw InputError(name + " is not a CRL (truncated PEM: no END line)");
  static const auto table = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(abc[i])] = static_cast<int8_t>(i);
    for (char c : {' ', '\n', '\r', '\t'}) t[static_cast<uint8_t>(c)] = -2;
    t['='] = -3;
    return t;
  }();
  size_t out = 0;
  uint32_t acc = 0;
  int bits = 0;
  bool padded = false;
  for (size_t i = begin; i < end; ++i) {
    const int8_t v = table[data[i]];
    if (v >= 0 && !padded) {
      acc = (acc << 6) | static_cast<uint32_t>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        data[out++] = static_cast<uint8_t>(acc >> bits);
      }
    } else if (v == -3) {
      padded = true;
    } else if (v != -2) {
      throw InputError(name + " is not a CRL (bad base64 in the PEM body)");
    }
  }
  data.resize(out);
}

uint32_t load_be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// An entry's fields after its serial: the revocation date, and the reason
// code among its extensions. Throws der::Malformed.
void read_entry_tail(der::Reader& e, RevokedEntry& out) {
  out.revoked_at = der::read_time(e.next(0, "CRL entry date"));
  if (!e.more()) return;
  der::Reader exts(e.next(der::kSequence, "CRL entry extensions").content);
  while (exts.more()) {
    der::Reader ext(exts.next(der::kSequence, "CRL entry extension").content);
    const auto oid = ext.next(der::kOid, "CRL entry extension id");
    if (ext.peek() == 0x01) ext.next(0x01, "CRL entry extension criticality");
    const auto value = ext.next(der::kOctetString, "CRL entry extension value");
    if (same(oid.content, kOidReason)) {
      der::Reader v(value.content);
      const auto code = v.next(der::kEnumerated, "CRL reason code");
      if (code.content.size() == 1) out.reason = code.content[0];
    }
  }
}

// A serial for a message: a hostile CRL's serial may be megabytes long.
std::string serial_for_message(std::span<const uint8_t> magnitude) {
  if (magnitude.size() <= 32) return serial_hex(magnitude);
  return serial_hex(magnitude.first(16)) + "... (" + std::to_string(magnitude.size()) + " bytes)";
}

}  // namespace

CrlIndex::~CrlIndex() = default;
CrlIndex::CrlIndex(CrlIndex&&) noexcept = default;

CrlIndex::CrlIndex(std::span<const uint8_t> data, const std::string& name)
    : CrlIndex(std::vector<uint8_t>(data.begin(), data.end()), name) {}

CrlIndex::CrlIndex(std::vector<uint8_t>&& data, const std::string& name) : name_(name), der_(std::move(data)) {
  size_t lead = 0;
  while (lead < der_.size() && std::isspace(der_[lead])) ++lead;
  if (lead < der_.size() && der_[lead] == '-') pem_decode_in_place(der_, name_);
  parse();
}

CrlIndex::Key CrlIndex::make_key(std::span<const uint8_t> serial, uint32_t entry) {
  uint8_t p[8] = {static_cast<uint8_t>(std::min<size_t>(serial.size(), 255))};
  std::memcpy(p + 1, serial.data(), std::min<size_t>(serial.size(), 7));
  return {entry, load_be32(p), load_be32(p + 4)};
}

// Serials order by length, then bytes (numeric order, as magnitudes have no
// leading zeros). The keys settle nearly every comparison; only serials that
// share their length and first 7 bytes are read from the CRL. `serial_b` is
// b's serial when b is a probe rather than an entry (null otherwise).
int CrlIndex::compare(const Key& a, const Key& b, const std::span<const uint8_t>* serial_b) const {
  if (a.prefix_hi != b.prefix_hi) return a.prefix_hi < b.prefix_hi ? -1 : 1;
  if (a.prefix_lo != b.prefix_lo) return a.prefix_lo < b.prefix_lo ? -1 : 1;
  if ((a.prefix_hi >> 24) <= 7) return 0;  // the key held the whole serial
  const auto sa = entry_serial(a.entry);
  const auto sb = serial_b ? *serial_b : entry_serial(b.entry);
  if (sa.size() != sb.size()) return sa.size() < sb.size() ? -1 : 1;
  const int c = std::memcmp(sa.data() + 7, sb.data() + 7, sa.size() - 7);
  return (c > 0) - (c < 0);
}

void CrlIndex::parse() {
  if (der_.size() > UINT32_MAX) throw InputError(name_ + " is too large: a CRL may be 4 GiB at most");
  try {
    der::Reader top(der_);
    der::Reader outer(top.next(der::kSequence, "CRL").content);
    tbs_ = outer.next(der::kSequence, "CRL body").whole;
    const auto alg = outer.next(der::kSequence, "CRL signature algorithm");
    sig_alg_.assign(alg.whole.begin(), alg.whole.end());
    const auto sig = outer.next(der::kBitString, "CRL signature");
    if (sig.content.empty() || sig.content[0] != 0) throw der::Malformed("bad signature bit string");
    signature_.assign(sig.content.begin() + 1, sig.content.end());
  } catch (const der::Malformed& e) {
    throw InputError(name_ + " is not a CRL (" + e.what() + ")");
  }
  try {
    der::Reader tbs(der::Reader(tbs_).next(der::kSequence, "CRL body").content);
    if (tbs.peek() == der::kInteger) tbs.next(der::kInteger, "CRL version");
    tbs.next(der::kSequence, "CRL signature algorithm");
    const auto issuer = tbs.next(der::kSequence, "CRL issuer");
    Botan::BER_Decoder(issuer.whole.data(), issuer.whole.size()).decode(issuer_);
    this_update_ = der::read_time(tbs.next(0, "CRL thisUpdate"));
    if (tbs.more() && (tbs.peek() == der::kUtcTime || tbs.peek() == der::kGeneralizedTime))
      next_update_ = der::read_time(tbs.next(0, "CRL nextUpdate"));
    if (tbs.more() && tbs.peek() == der::kSequence) {
      revoked_ = tbs.next(der::kSequence, "CRL revoked list").content;
      der::Reader r(revoked_);
      // An entry is 20 bytes at the least (a one-byte serial and a UTCTime),
      // so this is room enough; pages never written are never resident.
      index_.reserve(revoked_.size() / 20);
      while (r.more()) {
        const auto off = static_cast<uint32_t>(r.position() - tbs_.data());
        der::Reader er(r.next(der::kSequence, "CRL entry").content);
        const auto serial = er.next(der::kInteger, "CRL entry serial").content;
        if (serial.empty()) throw der::Malformed("empty CRL entry serial");
        // Every entry is checked here, once, so that looking one up or
        // streaming them all never meets a damaged one halfway.
        RevokedEntry checked;
        read_entry_tail(er, checked);
        index_.push_back(make_key(der::magnitude(serial), off));
      }
    }
    if (tbs.more() && tbs.peek() == der::kContext0) {
      const auto wrap = tbs.next(der::kContext0, "CRL extensions");
      der::Reader outer(wrap.content);
      der::Reader exts(outer.next(der::kSequence, "CRL extensions").content);
      while (exts.more()) {
        der::Reader ext(exts.next(der::kSequence, "CRL extension").content);
        const auto oid = ext.next(der::kOid, "CRL extension id");
        if (ext.peek() == 0x01) ext.next(0x01, "CRL extension criticality");
        const auto value = ext.next(der::kOctetString, "CRL extension value");
        if (same(oid.content, kOidCrlNumber)) {
          der::Reader v(value.content);
          const auto n = der::magnitude(v.next(der::kInteger, "CRL number").content);
          if (n.size() <= 8) {
            uint64_t x = 0;
            for (uint8_t b : n) x = (x << 8) | b;
            number_ = x;
          }
        } else if (same(oid.content, kOidAki)) {
          der::Reader v(value.content);
          der::Reader seq(v.next(der::kSequence, "CRL authority key id").content);
          while (seq.more()) {
            const auto f = seq.next(0, "CRL authority key id");
            if (f.tag == 0x80) aki_.assign(f.content.begin(), f.content.end());
          }
        }
      }
    }
  } catch (const der::Malformed& e) {
    throw InputError(name_ + " is not a well-formed CRL (" + e.what() + ")");
  } catch (const Botan::Exception& e) {
    throw InputError(name_ + " is not a well-formed CRL (" + e.what() + ")");
  }
  // std::sort is n log n at worst, whatever the serials: the hash table this
  // replaced went quadratic on a CRL listing one serial 100,000 times.
  std::sort(index_.begin(), index_.end(), [this](const Key& a, const Key& b) { return compare(a, b, nullptr) < 0; });
  for (size_t i = 1; i < index_.size(); ++i)
    if (compare(index_[i - 1], index_[i], nullptr) == 0)
      throw InputError(name_ + " lists serial " + serial_for_message(entry_serial(index_[i].entry)) +
                       " more than once; a CRL names each revoked certificate once, and pairkit will not choose "
                       "between two revocation dates or reasons");
}

void CrlIndex::require_fresh(TimePoint at, bool allow_stale) const {
  if (next_update_ && *next_update_ < at && !allow_stale)
    throw InputError(name_ + " is stale: its next update was due " + format_time(*next_update_) +
                     " (issue a new one, or pass --allow-stale)");
}

std::span<const uint8_t> CrlIndex::entry_serial(uint32_t offset) const {
  der::Reader r(tbs_.subspan(offset));
  der::Reader e(r.next(der::kSequence, "CRL entry").content);
  return der::magnitude(e.next(der::kInteger, "CRL entry serial").content);
}

RevokedEntry CrlIndex::decode_entry(uint32_t offset) const {
  der::Reader r(tbs_.subspan(offset));
  der::Reader e(r.next(der::kSequence, "CRL entry").content);
  RevokedEntry out;
  out.serial = serial_hex(e.next(der::kInteger, "CRL entry serial").content);
  read_entry_tail(e, out);
  return out;
}

std::optional<RevokedEntry> CrlIndex::find(std::span<const uint8_t> serial) const {
  const auto want = der::magnitude(serial);
  const Key probe = make_key(want, 0);
  const auto it = std::lower_bound(index_.begin(), index_.end(), probe,
                                   [&](const Key& k, const Key& p) { return compare(k, p, &want) < 0; });
  if (it == index_.end() || compare(*it, probe, &want) != 0) return std::nullopt;
  return decode_entry(it->entry);
}

std::optional<RevokedEntry> CrlIndex::find(const std::string& serial_hex_text) const {
  const auto bytes = Botan::hex_decode(normalize_serial(serial_hex_text));
  return find(std::span<const uint8_t>(bytes));
}

void CrlIndex::for_each_entry(const std::function<void(const RevokedEntry&)>& visit) const {
  der::Reader r(revoked_);
  while (r.more()) {
    const auto offset = static_cast<uint32_t>(r.position() - tbs_.data());
    r.next(der::kSequence, "CRL entry");
    visit(decode_entry(offset));
  }
}

namespace {
Botan::AlgorithmIdentifier decode_alg(const std::vector<uint8_t>& der) {
  Botan::AlgorithmIdentifier alg;
  Botan::BER_Decoder(der).decode(alg);
  return alg;
}
}  // namespace

std::string CrlIndex::signature_algorithm() const {
  try {
    const auto oid = decode_alg(sig_alg_).get_oid();
    const auto name = Botan::OIDS::oid2str_or_empty(oid);
    return name.empty() ? oid.to_string() : name;
  } catch (const std::exception&) {
    return "unknown";
  }
}

bool CrlIndex::signed_by(const Botan::X509_Certificate& issuer_cert) const {
  // As X509_Object::verify_signature does, but over the TBS bytes in place
  // (no copy of a 50 MB body): "ECDSA/EMSA1(SHA-256)" -> key type + padding.
  try {
    const std::unique_ptr<Botan::Public_Key> key(issuer_cert.subject_public_key());
    const std::string name = Botan::OIDS::oid2str_or_empty(decode_alg(sig_alg_).get_oid());
    const auto slash = name.find('/');
    const std::string algo = name.substr(0, slash);
    if (algo != key->algo_name()) return false;
    std::string padding = slash == std::string::npos ? "" : name.substr(slash + 1);
    if (algo == "Ed25519") padding = "Pure";
    if (padding.empty()) return false;
    const auto format = (algo == "ECDSA" || algo == "DSA" || algo == "ECGDSA" || algo == "ECKCDSA" || algo == "GOST-34.10")
                            ? Botan::DER_SEQUENCE
                            : Botan::IEEE_1363;
    Botan::PK_Verifier verifier(*key, padding, format);
    return verifier.verify_message(tbs_.data(), tbs_.size(), signature_.data(), signature_.size());
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace pairkit::ca
