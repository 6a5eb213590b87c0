// Certs-only PKCS#7 (a degenerate CMS SignedData, RFC 5652 §5, RFC 7030
// §4.1.3) and EST's base64 (RFC 2045 lines, RFC 8951 §3): what EST carries.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pairkit::crypto {

/// The most certificates a certs-only PKCS#7 may hold for the reader.
inline constexpr size_t kMaxPkcs7Certificates = 64;

/// A certs-only CMS SignedData in DER: ContentInfo id-signedData, version 1,
/// no digest algorithms, id-data without content, the certificates (DER, in
/// this order) as [0] IMPLICIT, no signers. Throws UsageError for an empty
/// list and InputError for an element that is not one DER SEQUENCE.
std::vector<uint8_t> certs_only_pkcs7(std::span<const std::vector<uint8_t>> certificates_der);

/// The certificates (DER, in order) of a certs-only PKCS#7, DER or BER
/// (indefinite lengths, as streaming EST servers send). CRLs beside them are
/// ignored (RFC 5751's certs-only carries certificates and/or CRLs). Throws
/// InputError naming `name` for anything else: garbage, a cut-off or
/// trailing byte, content or signers present, no certificate or more than
/// kMaxPkcs7Certificates, nesting too deep, a certificate Botan cannot read.
std::vector<std::vector<uint8_t>> read_certs_only_pkcs7(std::span<const uint8_t> der, const std::string& name);

/// Standard base64 with padding, in lines of 64 characters each ending in
/// CRLF (the last one too); empty for no bytes.
std::string est_base64(std::span<const uint8_t> bytes);

/// Decodes standard base64, ignoring space, tab, CR and LF anywhere (RFC
/// 8951 §3). Padding ('=') only at the end and optional; any other byte, a
/// lone trailing character or data after padding throws InputError naming
/// `name`.
std::vector<uint8_t> read_est_base64(std::string_view text, const std::string& name);

}  // namespace pairkit::crypto
