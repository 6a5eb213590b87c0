// Reading PKI objects from files: PEM (one or many blocks, a bundle) or DER,
// classified as certificate, CSR, CRL, public or private key, with errors
// that name the file and say what was found instead.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <botan/pkcs10.h>
#include <botan/x509cert.h>

namespace pairkit::crypto {

enum class ObjectKind { certificate, csr, crl, public_key, private_key, encrypted_private_key };

/// "certificate", "certificate request", "CRL", "public key", ...
std::string object_kind_name(ObjectKind k);

struct PkiObject {
  ObjectKind kind;
  std::vector<uint8_t> der;  ///< the DER bytes of this object
};

/// Every object in a PEM file (in order) or the single object of a DER file.
/// Throws InputError naming `name` for garbage, truncated PEM, bad base64 or
/// DER that is none of the known kinds.
std::vector<PkiObject> read_objects(const std::vector<uint8_t>& data, const std::string& name);

/// The certificates of a PEM bundle or DER file. Throws InputError when the
/// file holds none, or holds something else (e.g. a CSR where a certificate
/// is needed).
std::vector<Botan::X509_Certificate> load_certificates(const std::vector<uint8_t>& data, const std::string& name);

/// The DER bytes of exactly one certificate, checked for the shape of a
/// certificate but not decoded further: for fingerprints and stored copies.
std::vector<uint8_t> load_certificate_der(const std::vector<uint8_t>& data, const std::string& name);

/// Exactly one certificate (the first of a bundle is not guessed at: a file
/// with several is refused).
Botan::X509_Certificate load_certificate(const std::vector<uint8_t>& data, const std::string& name);

/// A PKCS#10 request (PEM or DER); throws InputError.
Botan::PKCS10_Request load_csr(const std::vector<uint8_t>& data, const std::string& name);

/// The DER SubjectPublicKeyInfo of a certificate, CSR, public or private key.
std::vector<uint8_t> spki_of(const PkiObject& obj, const std::string& name);

}  // namespace pairkit::crypto
