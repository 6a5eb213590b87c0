// Subject alternative names with IPv6 support.
#include "pairkit/crypto/san.hpp"

#include <algorithm>
#include <cctype>

#include <arpa/inet.h>
#include <botan/ber_dec.h>
#include <botan/der_enc.h>
#include <botan/oids.h>

#include "pairkit/core/error.hpp"

namespace pairkit::crypto {

namespace {

const Botan::OID& san_oid() {
  static const Botan::OID oid("2.5.29.17");
  return oid;
}

bool valid_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (name.starts_with("*.")) name.remove_prefix(2);
  size_t label_len = 0;
  char prev = '.';
  for (char c : name) {
    if (c == '.') {
      if (label_len == 0 || prev == '-') return false;
      label_len = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      if (label_len == 0 && c == '-') return false;
      if (++label_len > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return label_len > 0 && prev != '-';
}

std::string ip_text(const std::vector<uint8_t>& bytes) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (bytes.size() == 4) inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
  else if (bytes.size() == 16) inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  else return "<" + std::to_string(bytes.size()) + "-byte address>";
  return buf;
}

}  // namespace

std::string SubjectAltName::spec() const {
  switch (type) {
    case Type::dns: return "dns:" + value;
    case Type::ip: return "ip:" + value;
    case Type::uri: return "uri:" + value;
    case Type::email: return "email:" + value;
  }
  return value;
}

SubjectAltName parse_san(std::string_view spec) {
  const auto colon = spec.find(':');
  const std::string s(spec);
  if (colon == std::string_view::npos)
    throw UsageError("invalid SAN '" + s + "': expected dns:NAME, ip:ADDRESS, uri:URI or email:ADDRESS");
  std::string kind(spec.substr(0, colon));
  std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string value(spec.substr(colon + 1));
  if (value.empty()) throw UsageError("invalid SAN '" + s + "': empty value");
  SubjectAltName san{};
  if (kind == "dns") {
    if (!valid_dns_name(value)) throw UsageError("invalid SAN '" + s + "': not a DNS name");
    san.type = SubjectAltName::Type::dns;
    san.value = value;
    std::transform(san.value.begin(), san.value.end(), san.value.begin(),
                   [](unsigned char c) { return std::tolower(c); });
  } else if (kind == "ip") {
    san.type = SubjectAltName::Type::ip;
    uint8_t buf[16];
    if (inet_pton(AF_INET, value.c_str(), buf) == 1) {
      san.ip_bytes.assign(buf, buf + 4);
    } else if (inet_pton(AF_INET6, value.c_str(), buf) == 1) {
      san.ip_bytes.assign(buf, buf + 16);
    } else {
      throw UsageError("invalid SAN '" + s + "': not an IPv4 or IPv6 address");
    }
    san.value = ip_text(san.ip_bytes);
  } else if (kind == "uri") {
    const auto scheme_end = value.find(':');
    if (scheme_end == std::string::npos || scheme_end == 0 ||
        !std::all_of(value.begin(), value.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; }))
      throw UsageError("invalid SAN '" + s + "': not an absolute URI");
    san.type = SubjectAltName::Type::uri;
    san.value = value;
  } else if (kind == "email") {
    if (value.find('@') == std::string::npos || value.front() == '@' || value.back() == '@')
      throw UsageError("invalid SAN '" + s + "': not an e-mail address");
    san.type = SubjectAltName::Type::email;
    san.value = value;
  } else {
    throw UsageError("invalid SAN '" + s + "': unknown kind '" + kind + "' (dns, ip, uri or email)");
  }
  return san;
}

std::vector<uint8_t> encode_general_names(const std::vector<SubjectAltName>& names) {
  std::vector<uint8_t> out;
  Botan::DER_Encoder enc(out);
  enc.start_cons(Botan::SEQUENCE);
  for (const auto& n : names) {
    switch (n.type) {
      case SubjectAltName::Type::email: enc.add_object(Botan::ASN1_Tag(1), Botan::CONTEXT_SPECIFIC, n.value); break;
      case SubjectAltName::Type::dns: enc.add_object(Botan::ASN1_Tag(2), Botan::CONTEXT_SPECIFIC, n.value); break;
      case SubjectAltName::Type::uri: enc.add_object(Botan::ASN1_Tag(6), Botan::CONTEXT_SPECIFIC, n.value); break;
      case SubjectAltName::Type::ip:
        enc.add_object(Botan::ASN1_Tag(7), Botan::CONTEXT_SPECIFIC, n.ip_bytes.data(), n.ip_bytes.size());
        break;
    }
  }
  enc.end_cons();
  return out;
}

namespace {

std::vector<SubjectAltName> decode_general_names_unchecked(const std::vector<uint8_t>& der) {
  std::vector<SubjectAltName> out;
  Botan::BER_Decoder dec(der);
  Botan::BER_Decoder seq = dec.start_cons(Botan::SEQUENCE);
  while (seq.more_items()) {
    const Botan::BER_Object obj = seq.get_next_object();
    if (obj.get_class() != Botan::CONTEXT_SPECIFIC) continue;
    const std::string text(reinterpret_cast<const char*>(obj.bits()), obj.length());
    SubjectAltName san{};
    switch (static_cast<int>(obj.type())) {
      case 1: san.type = SubjectAltName::Type::email; san.value = text; break;
      case 2: san.type = SubjectAltName::Type::dns; san.value = text; break;
      case 6: san.type = SubjectAltName::Type::uri; san.value = text; break;
      case 7:
        san.type = SubjectAltName::Type::ip;
        san.ip_bytes.assign(obj.bits(), obj.bits() + obj.length());
        san.value = ip_text(san.ip_bytes);
        break;
      default: continue;
    }
    out.push_back(std::move(san));
  }
  return out;
}

}  // namespace

std::vector<SubjectAltName> decode_general_names(const std::vector<uint8_t>& der) {
  // The extension comes from a certificate or request that may be anyone's.
  try {
    return decode_general_names_unchecked(der);
  } catch (const Botan::Exception& e) {
    throw InputError(std::string("malformed subjectAltName extension (") + e.what() + ")");
  }
}

std::vector<SubjectAltName> sans_of(const Botan::Extensions& extensions) {
  const auto raw = extensions.extensions_raw();
  const auto it = raw.find(san_oid());
  if (it == raw.end()) return {};
  return decode_general_names(it->second.first);
}

Botan::OID SanExtension::oid_of() const { return san_oid(); }

}  // namespace pairkit::crypto
