// Certs-only PKCS#7 and EST base64 (crypto/pkcs7.hpp): OpenSSL's
// crl2pkcs7 output as the oracle, then every malformed form.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pairkit/core/error.hpp"
#include "pairkit/core/files.hpp"
#include "pairkit/crypto/der.hpp"
#include "pairkit/crypto/objects.hpp"
#include "pairkit/crypto/pkcs7.hpp"

using namespace pairkit;
using crypto::read_certs_only_pkcs7;
using crypto::read_est_base64;
using Bytes = std::vector<uint8_t>;

namespace {

const std::string kDir = std::string(PAIRKIT_TESTDATA) + "/pkcs7/";

Bytes fixture(const char* name) { return read_file(kDir + name, 1 << 20); }
Bytes cert_der(const char* name) { return crypto::load_certificate_der(fixture(name), name); }

Bytes tlv(uint8_t tag, const Bytes& content) {
  Bytes out;
  crypto::der::put_tlv(out, tag, content);
  return out;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
// A BER constructed item with an indefinite length.
Bytes indefinite(uint8_t tag, const Bytes& content) { return cat({{tag, 0x80}, content, {0, 0}}); }

const Bytes kSignedDataOid = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};
const Bytes kDataOid = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01};
const Bytes kVersion1 = {0x02, 0x01, 0x01}, kEmptySet = {0x31, 0x00};

// A SignedData around the given fields, wrapped in its ContentInfo.
Bytes wrap(const Bytes& signed_data_fields) {
  return tlv(0x30, cat({kSignedDataOid, tlv(0xa0, tlv(0x30, signed_data_fields))}));
}
Bytes certs_field(const std::vector<Bytes>& certs) {
  Bytes all;
  for (const auto& c : certs) all.insert(all.end(), c.begin(), c.end());
  return tlv(0xa0, all);
}
Bytes fields(const Bytes& certs, const Bytes& signers = kEmptySet) {
  return cat({kVersion1, kEmptySet, tlv(0x30, kDataOid), certs, signers});
}

void refused(const Bytes& der, const std::string& part) {
  try {
    read_certs_only_pkcs7(der, "reply");
    FAIL("accepted: " << part);
  } catch (const InputError& e) {
    const std::string what = e.what();
    CHECK(what.rfind("reply ", 0) == 0);
    CHECK_MESSAGE(what.find(part) != std::string::npos, what);
  }
}

}  // namespace

TEST_CASE("pkcs7: reads what openssl crl2pkcs7 -nocrl writes, certificates in order") {
  const auto certs = read_certs_only_pkcs7(fixture("two-certs.p7b"), "two-certs.p7b");
  REQUIRE(certs.size() == 2);
  CHECK(certs[0] == cert_der("first.pem"));
  CHECK(certs[1] == cert_der("second.pem"));
}

TEST_CASE("pkcs7: writes the same bytes as openssl crl2pkcs7, and reads them back") {
  const std::vector<Bytes> two = {cert_der("first.pem"), cert_der("second.pem")};
  CHECK(crypto::certs_only_pkcs7(two) == fixture("two-certs.p7b"));
  const std::vector<Bytes> one = {two[1]};
  CHECK(read_certs_only_pkcs7(crypto::certs_only_pkcs7(one), "one") == one);
}

TEST_CASE("pkcs7: the writer refuses an empty list and what is not one DER SEQUENCE") {
  CHECK_THROWS_AS(crypto::certs_only_pkcs7(std::vector<Bytes>{}), UsageError);
  Bytes trailing = cert_der("first.pem");
  trailing.push_back(0);
  CHECK_THROWS_AS(crypto::certs_only_pkcs7(std::vector<Bytes>{trailing}), InputError);
  CHECK_THROWS_AS(crypto::certs_only_pkcs7(std::vector<Bytes>{Bytes{0x04, 0x00}}), InputError);
}

TEST_CASE("pkcs7: BER indefinite lengths around the certificates are read, CRLs beside them ignored") {
  const Bytes a = cert_der("first.pem"), b = cert_der("second.pem");
  const Bytes sd = indefinite(0x30, cat({kVersion1, indefinite(0x31, {}), indefinite(0x30, kDataOid),
                                         indefinite(0xa0, cat({a, b})), indefinite(0xa1, indefinite(0x30, {})),
                                         kEmptySet}));
  const Bytes ber = indefinite(0x30, cat({kSignedDataOid, indefinite(0xa0, sd)}));
  CHECK(read_certs_only_pkcs7(ber, "ber") == std::vector<Bytes>{a, b});
}

TEST_CASE("pkcs7: every malformed form is one InputError naming the input") {
  const Bytes a = cert_der("first.pem");
  const Bytes good = wrap(fields(certs_field({a})));
  REQUIRE(read_certs_only_pkcs7(good, "reply").size() == 1);

  CHECK_THROWS_AS(read_certs_only_pkcs7(Bytes{}, "reply"), InputError);
  refused({'h', 'e', 'l', 'l', 'o'}, "not a certs-only PKCS#7");
  refused(a, "not a certs-only PKCS#7");
  for (size_t cut : {size_t(1), size_t(2), good.size() / 2, good.size() - 1})
    refused(Bytes(good.begin(), good.begin() + static_cast<ptrdiff_t>(cut)), "truncated");
  refused(cat({good, {0x00}}), "bytes after");
  refused(tlv(0x30, cat({kDataOid, tlv(0xa0, tlv(0x30, fields(certs_field({a}))))})), "another type");
  refused(wrap(fields({})), "no certificate");
  refused(wrap(fields(tlv(0xa0, {}))), "no certificate");
  refused(wrap(fields(certs_field({a}), tlv(0x31, tlv(0x30, {0x02, 0x01, 0x01})))), "signer infos");
  refused(wrap(cat({kVersion1, kEmptySet, tlv(0x30, cat({kDataOid, tlv(0xa0, tlv(0x04, {1}))})),
                    certs_field({a}), kEmptySet})),
          "carries content");
  refused(wrap(cat({kVersion1, kEmptySet, tlv(0x30, kSignedDataOid), certs_field({a}), kEmptySet})),
          "other than id-data");
  refused(wrap(cat({{0x02, 0x01, 0x09}, kEmptySet, tlv(0x30, kDataOid), certs_field({a}), kEmptySet})), "version");
  refused(wrap(fields(certs_field({tlv(0xa1, {0x05, 0x00})}))), "not X.509");
  refused(wrap(fields(certs_field({tlv(0x30, {0x02, 0x01, 0x01})}))), "damaged certificate");
  refused(wrap(fields(certs_field({indefinite(0x30, Bytes(a.begin() + 4, a.end()))}))), "not DER");
  refused(wrap(cat({fields(certs_field({a})), {0x05, 0x00}})), "bytes after");
  refused(wrap(cat({kVersion1, kEmptySet, tlv(0x30, kDataOid), certs_field({a})})), "truncated");
  refused(wrap(fields(certs_field(std::vector<Bytes>(crypto::kMaxPkcs7Certificates + 1, a)))), "more than 64");
  CHECK(read_certs_only_pkcs7(wrap(fields(certs_field(std::vector<Bytes>(crypto::kMaxPkcs7Certificates, a)))),
                              "reply")
            .size() == crypto::kMaxPkcs7Certificates);
  refused({0x30, 0x85, 1, 0, 0, 0, 0}, "bad length");
  refused({0x30, 0x80, 0x06, 0x00}, "truncated");
  refused(wrap(cat({kVersion1, indefinite(0x31, {0x04, 0x80, 0x00, 0x00}), tlv(0x30, kDataOid),
                    certs_field({a}), kEmptySet})),
          "indefinite length on a primitive");
  refused({0x30, 0x80, 0x00}, "truncated");
}

TEST_CASE("pkcs7: nesting past the bound is refused without deep recursion") {
  Bytes nested = {0x05, 0x00};
  for (int i = 0; i < 40; ++i) nested = indefinite(0x30, nested);
  refused(wrap(cat({kVersion1, indefinite(0x31, nested), tlv(0x30, kDataOid), certs_field({cert_der("first.pem")}),
                    kEmptySet})),
          "nesting too deep");
  Bytes deep(200000, 0);
  for (size_t i = 0; i + 1 < deep.size(); i += 2) deep[i] = 0x30, deep[i + 1] = 0x80;
  refused(deep, "not a certs-only PKCS#7");
}

TEST_CASE("est base64: 64-character lines ending in CRLF, and read back") {
  CHECK(crypto::est_base64(Bytes{}).empty());
  CHECK(crypto::est_base64(Bytes{'f', 'o'}) == "Zm8=\r\n");
  Bytes data(100);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 37 + 11);
  const std::string text = crypto::est_base64(data);
  CHECK(text.size() == 136 + 3 * 2);
  CHECK(text.substr(64, 2) == "\r\n");
  CHECK(text.substr(130, 2) == "\r\n");
  CHECK(text.substr(text.size() - 2) == "\r\n");
  CHECK(read_est_base64(text, "body") == data);
  for (size_t n = 0; n < 8; ++n) {
    const Bytes part(data.begin(), data.begin() + static_cast<ptrdiff_t>(n));
    CHECK(read_est_base64(crypto::est_base64(part), "body") == part);
  }
}

TEST_CASE("est base64: whitespace anywhere ignored, padding optional and only at the end") {
  CHECK(read_est_base64(" Zm\t9v\r\nYm\nFy \r\n", "body") == Bytes{'f', 'o', 'o', 'b', 'a', 'r'});
  CHECK(read_est_base64("Zm8", "body") == Bytes{'f', 'o'});
  CHECK(read_est_base64("Zm8=\r\n", "body") == Bytes{'f', 'o'});
  CHECK(read_est_base64("Zg= =", "body") == Bytes{'f'});
  CHECK(read_est_base64("", "body").empty());
  for (const char* bad : {"Zm8=Zm8=", "Zm9v!", "Zm9v\v", "Zm9vY", "Zg===", "Zm9=v", "====", "Zm9v=", "Zm-_"}) {
    INFO(bad);
    try {
      read_est_base64(bad, "body");
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).rfind("body ", 0) == 0);
    }
  }
}
