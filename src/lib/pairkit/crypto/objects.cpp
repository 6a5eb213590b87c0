// PEM/DER reading and classification of PKI objects.
#include "pairkit/crypto/objects.hpp"

#include <botan/base64.h>
#include <botan/bigint.h>
#include <botan/ber_dec.h>
#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/pkcs8.h>
#include <botan/x509_crl.h>
#include <botan/x509_dn.h>
#include <botan/x509_key.h>

#include "pairkit/core/error.hpp"

namespace pairkit::crypto {

std::string object_kind_name(ObjectKind k) {
  switch (k) {
    case ObjectKind::certificate: return "certificate";
    case ObjectKind::csr: return "certificate request";
    case ObjectKind::crl: return "CRL";
    case ObjectKind::public_key: return "public key";
    case ObjectKind::private_key: return "private key";
    case ObjectKind::encrypted_private_key: return "encrypted private key";
  }
  return "object";
}

namespace {

bool kind_for_label(const std::string& label, ObjectKind& kind) {
  if (label == "CERTIFICATE" || label == "X509 CERTIFICATE" || label == "TRUSTED CERTIFICATE") {
    kind = ObjectKind::certificate;
  } else if (label == "CERTIFICATE REQUEST" || label == "NEW CERTIFICATE REQUEST") {
    kind = ObjectKind::csr;
  } else if (label == "X509 CRL") {
    kind = ObjectKind::crl;
  } else if (label == "PUBLIC KEY") {
    kind = ObjectKind::public_key;
  } else if (label == "PRIVATE KEY") {
    kind = ObjectKind::private_key;
  } else if (label == "ENCRYPTED PRIVATE KEY") {
    kind = ObjectKind::encrypted_private_key;
  } else {
    return false;
  }
  return true;
}

// The shape of an X.509 certificate (RFC 5280 4.1.1, 4.1.2): every field of
// the TBSCertificate up to the public key decoded, the optional IDs and
// extensions present as context-tagged objects, nothing after the signature.
// Unlike Botan's full decode it interprets no extension and looks up no
// algorithm name (whose tables cost more to build than pair check's whole
// lookup), so commands that only need a certificate's bytes stay fast; the
// commands that read fields decode fully, and report damage there.
std::vector<uint8_t> check_certificate_shape(const std::vector<uint8_t>& der) {
  std::vector<uint8_t> tbs, signature;
  Botan::AlgorithmIdentifier outer_alg;
  Botan::BER_Decoder(der)
      .start_cons(Botan::SEQUENCE)
      .start_cons(Botan::SEQUENCE)
      .raw_bytes(tbs)
      .end_cons()
      .decode(outer_alg)
      .decode(signature, Botan::BIT_STRING)
      .end_cons()
      .verify_end();
  Botan::BER_Decoder fields(tbs);
  size_t version = 0;
  Botan::BigInt serial;
  Botan::AlgorithmIdentifier alg;
  Botan::X509_DN issuer, subject;
  Botan::X509_Time not_before, not_after;
  fields.decode_optional(version, Botan::ASN1_Tag(0), Botan::ASN1_Tag(Botan::CONSTRUCTED | Botan::CONTEXT_SPECIFIC))
      .decode(serial)
      .decode(alg)
      .decode(issuer)
      .start_cons(Botan::SEQUENCE)
      .decode(not_before)
      .decode(not_after)
      .end_cons()
      .decode(subject);
  if (version > 2) throw Botan::Decoding_Error("unknown X.509 version " + std::to_string(version + 1));
  const Botan::BER_Object spki = fields.get_next_object();
  if (!spki.is_a(Botan::SEQUENCE, Botan::CONSTRUCTED)) throw Botan::Decoding_Error("no subject public key");
  while (fields.more_items())
    if (!(fields.get_next_object().get_class() & Botan::CONTEXT_SPECIFIC))
      throw Botan::Decoding_Error("unexpected field after the subject public key");
  return Botan::DER_Encoder().add_object(spki.type(), spki.get_class(), spki.bits(), spki.length()).get_contents_unlocked();
}

// Decodes a DER object of the kind its PEM label claims, so that a damaged
// body is reported here rather than deep inside a later command.
void check_der(ObjectKind kind, const std::vector<uint8_t>& der, const std::string& where) {
  try {
    switch (kind) {
      case ObjectKind::certificate: check_certificate_shape(der); break;
      case ObjectKind::csr: Botan::PKCS10_Request{der}; break;
      case ObjectKind::crl: Botan::X509_CRL{der}; break;
      case ObjectKind::public_key: {
        Botan::DataSource_Memory src(der);
        std::unique_ptr<Botan::Public_Key>(Botan::X509::load_key(src));
        break;
      }
      case ObjectKind::private_key:
      case ObjectKind::encrypted_private_key: {
        Botan::BER_Decoder(der).start_cons(Botan::SEQUENCE).discard_remaining();
        break;
      }
    }
  } catch (const std::exception& e) {
    throw InputError(where + " holds a damaged " + object_kind_name(kind) + " (" + e.what() + ")");
  }
}

std::vector<PkiObject> read_der(const std::vector<uint8_t>& data, const std::string& name) {
  // Order matters: try the richer structures first.
  const ObjectKind order[] = {ObjectKind::certificate, ObjectKind::csr, ObjectKind::crl, ObjectKind::public_key};
  for (ObjectKind k : order) {
    try {
      check_der(k, data, name);
      return {PkiObject{k, data}};
    } catch (const InputError&) {
    }
  }
  try {
    Botan::DataSource_Memory src(data);
    std::unique_ptr<Botan::Private_Key> key(Botan::PKCS8::load_key(src));
    if (key) return {PkiObject{ObjectKind::private_key, data}};
  } catch (const std::exception&) {
  }
  throw InputError(name + " is neither PEM nor a DER certificate, request, CRL or key");
}

}  // namespace

std::vector<PkiObject> read_objects(const std::vector<uint8_t>& data, const std::string& name) {
  if (data.empty()) throw InputError(name + " is empty");
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  static constexpr std::string_view begin_tag = "-----BEGIN ";
  static constexpr std::string_view end_tag = "-----END ";
  if (text.find(begin_tag) == std::string_view::npos) {
    if (data[0] != 0x30) throw InputError(name + " holds no PEM block and is not DER");
    return read_der(data, name);
  }
  std::vector<PkiObject> out;
  size_t pos = 0;
  while ((pos = text.find(begin_tag, pos)) != std::string_view::npos) {
    const size_t label_start = pos + begin_tag.size();
    const size_t label_end = text.find("-----", label_start);
    if (label_end == std::string_view::npos) throw InputError(name + " has a truncated PEM header");
    const std::string label(text.substr(label_start, label_end - label_start));
    const size_t body_start = label_end + 5;
    const std::string end_line = std::string(end_tag) + label + "-----";
    const size_t end_pos = text.find(end_line, body_start);
    const std::string where = name + " (PEM block " + std::to_string(out.size() + 1) + ")";
    if (end_pos == std::string_view::npos)
      throw InputError(name + " is truncated: PEM block '" + label + "' has no END line");
    ObjectKind kind;
    if (!kind_for_label(label, kind)) {
      pos = end_pos + end_line.size();  // skip what we do not know (e.g. EC PARAMETERS)
      continue;
    }
    std::string body(text.substr(body_start, end_pos - body_start));
    if (body.find(':') != std::string::npos)
      throw InputError(where + " uses legacy PEM encryption headers, which pairkit does not read");
    std::vector<uint8_t> der;
    try {
      Botan::secure_vector<uint8_t> decoded = Botan::base64_decode(body, true);
      der.assign(decoded.begin(), decoded.end());
    } catch (const std::exception&) {
      throw InputError(where + " has invalid base64");
    }
    if (der.empty()) throw InputError(where + " is empty");
    check_der(kind, der, where);
    out.push_back(PkiObject{kind, std::move(der)});
    pos = end_pos + end_line.size();
  }
  if (out.empty()) throw InputError(name + " holds no certificate, request, CRL or key");
  return out;
}

std::vector<Botan::X509_Certificate> load_certificates(const std::vector<uint8_t>& data, const std::string& name) {
  std::vector<Botan::X509_Certificate> certs;
  for (const auto& obj : read_objects(data, name)) {
    if (obj.kind != ObjectKind::certificate)
      throw InputError(name + " holds a " + object_kind_name(obj.kind) + " where a certificate is needed");
    try {
      certs.emplace_back(obj.der);
    } catch (const std::exception& e) {
      throw InputError(name + " holds a damaged certificate (" + e.what() + ")");
    }
  }
  return certs;
}

std::vector<uint8_t> load_certificate_der(const std::vector<uint8_t>& data, const std::string& name) {
  auto objs = read_objects(data, name);
  for (const auto& obj : objs)
    if (obj.kind != ObjectKind::certificate)
      throw InputError(name + " holds a " + object_kind_name(obj.kind) + " where a certificate is needed");
  if (objs.size() != 1)
    throw InputError(name + " holds " + std::to_string(objs.size()) + " certificates where one is needed");
  return std::move(objs.front().der);
}

Botan::X509_Certificate load_certificate(const std::vector<uint8_t>& data, const std::string& name) {
  auto certs = load_certificates(data, name);
  if (certs.size() != 1)
    throw InputError(name + " holds " + std::to_string(certs.size()) + " certificates where one is needed");
  return certs.front();
}

Botan::PKCS10_Request load_csr(const std::vector<uint8_t>& data, const std::string& name) {
  const auto objs = read_objects(data, name);
  if (objs.size() != 1 || objs[0].kind != ObjectKind::csr)
    throw InputError(name + " holds a " + object_kind_name(objs[0].kind) + " where a certificate request is needed");
  try {
    return Botan::PKCS10_Request(objs[0].der);
  } catch (const Botan::Exception& e) {
    throw InputError(name + " holds a malformed certificate request (" + e.what() + ")");
  }
}

std::vector<uint8_t> spki_of(const PkiObject& obj, const std::string& name) {
  switch (obj.kind) {
    case ObjectKind::certificate: return check_certificate_shape(obj.der);
    case ObjectKind::csr:
      try {
        return Botan::PKCS10_Request(obj.der).raw_public_key();
      } catch (const Botan::Exception& e) {
        throw InputError(name + " holds a malformed certificate request (" + e.what() + ")");
      }
    case ObjectKind::public_key: return obj.der;
    case ObjectKind::private_key:
      // Classified by its outer shape only: the key inside may still be malformed.
      try {
        Botan::DataSource_Memory src(obj.der);
        std::unique_ptr<Botan::Private_Key> key(Botan::PKCS8::load_key(src));
        return key->subject_public_key();
      } catch (const Botan::Exception& e) {
        throw InputError(name + " holds a malformed private key (" + e.what() + ")");
      }
    case ObjectKind::encrypted_private_key:
      throw InputError(name + " is an encrypted private key: run 'pairkit key pub' on it first");
    case ObjectKind::crl: break;
  }
  throw InputError(name + " holds a CRL, which has no public key");
}

}  // namespace pairkit::crypto
