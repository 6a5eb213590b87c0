// Subject alternative names: parsing "dns:", "ip:" (IPv4 and IPv6), "uri:" and
// "email:" specs, and an X.509 extension that encodes them. Botan 2's own
// AlternativeName only encodes IPv4 addresses, so pairkit encodes GeneralNames
// itself and decodes them from the raw extension too.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <botan/pkix_types.h>
#include <botan/x509cert.h>

namespace pairkit::crypto {

struct SubjectAltName {
  enum class Type { dns, ip, uri, email };
  Type type;
  std::string value;             ///< canonical text (IPv6 compressed, DNS lower-case)
  std::vector<uint8_t> ip_bytes; ///< 4 or 16 bytes for Type::ip

  /// "dns:example.com", "ip:2001:db8::1" - the form parse_san reads back.
  std::string spec() const;
  bool operator==(const SubjectAltName&) const = default;
};

/// Parses "dns:NAME", "ip:ADDR", "uri:URI" or "email:ADDR". Throws UsageError
/// naming the spec (e.g. "ip:999.1.1.1").
SubjectAltName parse_san(std::string_view spec);

/// The DER value of a SubjectAltName extension (a GeneralNames SEQUENCE).
std::vector<uint8_t> encode_general_names(const std::vector<SubjectAltName>& names);

/// Decodes a GeneralNames SEQUENCE; names of other kinds (directoryName,
/// otherName) are skipped.
std::vector<SubjectAltName> decode_general_names(const std::vector<uint8_t>& der);

/// The alternative names of a certificate or request (empty if none).
std::vector<SubjectAltName> sans_of(const Botan::Extensions& extensions);

/// SubjectAltName (2.5.29.17) as a Botan extension, so it can go into
/// X509_CA::make_cert / PKCS10_Request::create with IPv6 addresses intact.
class SanExtension final : public Botan::Certificate_Extension {
public:
  explicit SanExtension(std::vector<SubjectAltName> names) : names_(std::move(names)) {}
  Botan::OID oid_of() const override;
  std::string oid_name() const override { return "X509v3.SubjectAlternativeName"; }
  Botan::Certificate_Extension* copy() const override { return new SanExtension(names_); }
  void contents_to(Botan::Data_Store&, Botan::Data_Store&) const override {}
  const std::vector<SubjectAltName>& names() const { return names_; }

private:
  bool should_encode() const override { return !names_.empty(); }
  std::vector<uint8_t> encode_inner() const override { return encode_general_names(names_); }
  void decode_inner(const std::vector<uint8_t>& in) override { names_ = decode_general_names(in); }

  std::vector<SubjectAltName> names_;
};

}  // namespace pairkit::crypto
