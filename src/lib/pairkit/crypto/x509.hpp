// Reading certificates and requests into plain descriptions (for `cert info`
// and anything that reports on a certificate).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <botan/pkcs10.h>
#include <botan/x509_dn.h>
#include <botan/x509cert.h>

#include "pairkit/core/clock.hpp"

namespace pairkit::crypto {

/// "CN=gate, O=Example" in encoding order, with short attribute names.
std::string dn_to_string(const Botan::X509_DN& dn);

/// The DN's common name, or empty.
std::string common_name(const Botan::X509_DN& dn);
/// Every value of the DN's X.520 serialNumber and commonName attributes.
std::vector<std::string> dn_serial_numbers(const Botan::X509_DN& dn);
std::vector<std::string> dn_common_names(const Botan::X509_DN& dn);

struct CertDetails {
  std::string subject;
  std::string issuer;
  std::string serial;  ///< upper-case hex, as openssl prints it
  TimePoint not_before{};
  TimePoint not_after{};
  std::string key;     ///< "ECDSA P-256"
  std::string signature_algorithm;
  bool is_ca = false;
  std::optional<size_t> path_length;
  std::vector<std::string> key_usage;      ///< "digitalSignature", ...
  std::vector<std::string> extended_key_usage;  ///< "serverAuth", ...
  std::vector<std::string> sans;           ///< "dns:..", "ip:.."
  bool self_signed = false;
  std::string sha256;  ///< colon hex of the DER certificate
  std::string spki_pin;
};

CertDetails describe_certificate(const Botan::X509_Certificate& cert);

struct RequestDetails {
  std::string subject;
  std::string key;
  std::string signature_algorithm;
  std::vector<std::string> sans;
  bool signature_valid = false;
  std::string spki_pin;
};

RequestDetails describe_request(const Botan::PKCS10_Request& csr);

/// What EST compares between a request and a certificate: the subject, the
/// SANs (as san_specs writes them) and the key's pin. Nothing is verified
/// and no key is decoded, so it costs a fraction of describe_*.
struct NamesAndKey {
  std::string subject;
  std::vector<std::string> sans;
  std::string spki_pin;
};
NamesAndKey names_and_key(const Botan::PKCS10_Request& csr);
NamesAndKey names_and_key(const Botan::X509_Certificate& cert);

/// Seconds-resolution time point of an X.509 time.
TimePoint to_time_point(const Botan::X509_Time& t);

}  // namespace pairkit::crypto
