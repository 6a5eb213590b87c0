// Certs-only PKCS#7 and EST base64 (see pkcs7.hpp). Botan 2 has no CMS; the
// structure is small and fixed, so it is written and walked directly.
#include "pairkit/crypto/pkcs7.hpp"

#include <botan/x509cert.h>

#include <algorithm>
#include <array>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/base64.hpp"
#include "pairkit/crypto/der.hpp"

namespace pairkit::crypto {
namespace {

constexpr std::array<uint8_t, 9> kIdSignedData = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};
constexpr std::array<uint8_t, 9> kIdData = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01};
constexpr uint8_t kSet = 0x31, kContext1 = 0xa1, kConstructed = 0x20;
// The fixed structure is four levels deep; the rest is room for what BER
// nests inside parts that are skipped (digest algorithms, CRLs).
constexpr int kMaxDepth = 16;

struct Item {
  uint8_t tag = 0;
  std::span<const uint8_t> content;
  bool definite = true;
};

// A TLV walker that also takes BER's indefinite lengths: their end is found by
// walking the children, so nesting is bounded by kMaxDepth.
class BerReader {
public:
  BerReader(std::span<const uint8_t> in, int depth) : in_(in), depth_(depth) {}
  bool more() const { return pos_ < in_.size(); }

  Item next(uint8_t expect, const char* what) {
    if (in_.size() - pos_ < 2) throw der::Malformed(std::string("truncated ") + what);
    Item item;
    item.tag = in_[pos_++];
    if (item.tag == 0x00) throw der::Malformed(std::string("unexpected end-of-contents in ") + what);
    if ((item.tag & 0x1f) == 0x1f) throw der::Malformed(std::string("unsupported tag in ") + what);
    if (expect && item.tag != expect) throw der::Malformed(std::string("unexpected tag in ") + what);
    const uint8_t first = in_[pos_++];
    if (first == 0x80) return indefinite(item, what);
    size_t len = first;
    if (first & 0x80) {
      const size_t k = first & 0x7f;
      if (k > 4) throw der::Malformed(std::string("bad length in ") + what);
      if (in_.size() - pos_ < k) throw der::Malformed(std::string("truncated ") + what);
      len = 0;
      for (size_t i = 0; i < k; ++i) len = (len << 8) | in_[pos_++];
    }
    if (in_.size() - pos_ < len) throw der::Malformed(std::string("truncated ") + what);
    item.content = in_.subspan(pos_, len);
    pos_ += len;
    return item;
  }

private:
  Item indefinite(Item item, const char* what) {
    if (!(item.tag & kConstructed)) throw der::Malformed(std::string("indefinite length on a primitive ") + what);
    if (depth_ + 1 > kMaxDepth) throw der::Malformed(std::string("nesting too deep in ") + what);
    const size_t start = pos_;
    BerReader children(in_.subspan(start), depth_ + 1);
    while (true) {
      const auto rest = children.in_.subspan(children.pos_);
      if (rest.size() >= 2 && rest[0] == 0 && rest[1] == 0) break;
      if (rest.empty()) throw der::Malformed(std::string("truncated ") + what);
      children.next(0, what);
    }
    item.content = in_.subspan(start, children.pos_);
    item.definite = false;
    pos_ = start + children.pos_ + 2;
    return item;
  }

  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  int depth_;
};

bool equals(std::span<const uint8_t> a, std::span<const uint8_t> b) { return std::ranges::equal(a, b); }

std::vector<uint8_t> tlv(uint8_t tag, std::span<const uint8_t> content) {
  std::vector<uint8_t> out;
  der::put_tlv(out, tag, content);
  return out;
}

std::vector<std::vector<uint8_t>> read_certificates(std::span<const uint8_t> der, const std::string& name) {
  BerReader top(der, 0);
  const Item info = top.next(der::kSequence, "ContentInfo");
  if (top.more()) throw InputError(name + " has bytes after its PKCS#7");
  BerReader ci(info.content, 1);
  if (!equals(ci.next(der::kOid, "content type").content, kIdSignedData))
    throw InputError(name + " is a PKCS#7 of another type than SignedData");
  const Item wrapped = ci.next(der::kContext0, "content");
  if (ci.more()) throw der::Malformed("bytes after the content");
  BerReader w(wrapped.content, 2);
  const Item signed_data = w.next(der::kSequence, "SignedData");
  if (w.more()) throw der::Malformed("bytes after the SignedData");

  BerReader sd(signed_data.content, 3);
  const Item version = sd.next(der::kInteger, "version");
  if (version.content.size() != 1 || version.content[0] < 1 || version.content[0] > 5)
    throw der::Malformed("unsupported SignedData version");
  sd.next(kSet, "digest algorithms");
  BerReader encap(sd.next(der::kSequence, "encapsulated content").content, 4);
  if (!equals(encap.next(der::kOid, "content type").content, kIdData))
    throw InputError(name + " encapsulates content other than id-data, so it is not certs-only");
  if (encap.more()) throw InputError(name + " carries content, so it is not certs-only");

  std::vector<std::vector<uint8_t>> certs;
  Item field = sd.next(0, "SignedData");
  if (field.tag == der::kContext0) {
    BerReader list(field.content, 4);
    while (list.more()) {
      const Item cert = list.next(0, "certificate");
      if (cert.tag != der::kSequence)
        throw InputError(name + " holds a certificate that is not X.509 (attribute or extended certificate)");
      if (!cert.definite) throw InputError(name + " holds a certificate that is not DER");
      if (certs.size() == kMaxPkcs7Certificates)
        throw InputError(name + " holds more than " + std::to_string(kMaxPkcs7Certificates) + " certificates");
      std::vector<uint8_t> whole = tlv(der::kSequence, cert.content);
      try {
        Botan::X509_Certificate parsed(whole.data(), whole.size());
      } catch (const std::exception& e) {
        throw InputError(name + " holds a damaged certificate (#" + std::to_string(certs.size() + 1) + ": " +
                         e.what() + ")");
      }
      certs.push_back(std::move(whole));
    }
    field = sd.next(0, "SignedData");
  }
  if (field.tag == kContext1) field = sd.next(0, "SignedData");
  if (field.tag != kSet) throw der::Malformed("unexpected field in SignedData");
  if (!field.content.empty()) throw InputError(name + " is signed (it has signer infos), so it is not certs-only");
  if (sd.more()) throw der::Malformed("bytes after the signer infos");
  if (certs.empty()) throw InputError(name + " holds no certificate");
  return certs;
}

}  // namespace

std::vector<uint8_t> certs_only_pkcs7(std::span<const std::vector<uint8_t>> certificates_der) {
  if (certificates_der.empty()) throw UsageError("a certs-only PKCS#7 needs at least one certificate");
  std::vector<uint8_t> certs;
  for (size_t i = 0; i < certificates_der.size(); ++i) {
    const auto& c = certificates_der[i];
    der::Reader r(c);
    bool one_sequence = false;
    try {
      one_sequence = r.next(der::kSequence, "certificate").whole.size() == c.size();
    } catch (const der::Malformed&) {
    }
    if (!one_sequence) throw InputError("certificate #" + std::to_string(i + 1) + " is not one DER SEQUENCE");
    certs.insert(certs.end(), c.begin(), c.end());
  }
  std::vector<uint8_t> signed_data;
  const uint8_t version[] = {0x01};
  der::put_tlv(signed_data, der::kInteger, version);
  der::put_tlv(signed_data, kSet, {});
  der::put_tlv(signed_data, der::kSequence, tlv(der::kOid, kIdData));
  der::put_tlv(signed_data, der::kContext0, certs);
  der::put_tlv(signed_data, kSet, {});

  std::vector<uint8_t> info;
  der::put_tlv(info, der::kOid, kIdSignedData);
  der::put_tlv(info, der::kContext0, tlv(der::kSequence, signed_data));
  return tlv(der::kSequence, info);
}

std::vector<std::vector<uint8_t>> read_certs_only_pkcs7(std::span<const uint8_t> der, const std::string& name) {
  if (der.empty()) throw InputError(name + " is empty, not a PKCS#7");
  try {
    return read_certificates(der, name);
  } catch (const der::Malformed& e) {
    throw InputError(name + " is not a certs-only PKCS#7 (" + e.what() + ")");
  }
}

std::string est_base64(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4 * 66 / 64 + 2);
  size_t column = 0;
  auto put = [&](char c) {
    out.push_back(c);
    if (++column == 64) {
      out += "\r\n";
      column = 0;
    }
  };
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t v = uint32_t(bytes[i]) << 16;
    if (n > 1) v |= uint32_t(bytes[i + 1]) << 8;
    if (n > 2) v |= bytes[i + 2];
    put(kBase64Alphabet[(v >> 18) & 63]);
    put(kBase64Alphabet[(v >> 12) & 63]);
    put(n > 1 ? kBase64Alphabet[(v >> 6) & 63] : '=');
    put(n > 2 ? kBase64Alphabet[v & 63] : '=');
  }
  if (column) out += "\r\n";
  return out;
}

std::vector<uint8_t> read_est_base64(std::string_view text, const std::string& name) {
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  size_t held = 0, padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int v = base64_value(c);
    if (v < 0) throw InputError(name + " is not base64 (byte " + std::to_string(static_cast<unsigned char>(c)) +
                                " at offset " + std::to_string(i) + ")");
    if (padding) throw InputError(name + " has base64 after its padding (offset " + std::to_string(i) + ")");
    acc = (acc << 6) | uint32_t(v);
    if (++held == 4) {
      out.push_back(uint8_t(acc >> 16));
      out.push_back(uint8_t(acc >> 8));
      out.push_back(uint8_t(acc));
      acc = 0;
      held = 0;
    }
  }
  if (held == 1) throw InputError(name + " is truncated base64 (a lone character at the end)");
  if (padding && (held == 0 || held + padding != 4))
    throw InputError(name + " has base64 padding that does not fit its length");
  if (held == 2) out.push_back(uint8_t(acc >> 4));
  if (held == 3) {
    out.push_back(uint8_t(acc >> 10));
    out.push_back(uint8_t(acc >> 2));
  }
  return out;
}

}  // namespace pairkit::crypto
