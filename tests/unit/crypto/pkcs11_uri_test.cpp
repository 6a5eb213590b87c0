// PKCS#11 URIs: RFC 7512 section 3's examples, every refusal with its message,
// percent-encoding at the edges, and the canonical form's round-trip.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pairkit/core/error.hpp"
#include "pairkit/crypto/pkcs11_uri.hpp"

using namespace pairkit::crypto;

namespace {

// The message parse_pkcs11_uri refuses TEXT with (a UsageError), or a note that it did not.
std::string refusal(const std::string& text) {
  try {
    (void)parse_pkcs11_uri(text);
  } catch (const pairkit::UsageError& e) {
    return e.what();
  }
  return "<accepted>";
}

void check_refused(const std::string& text, const std::string& reason) {
  CAPTURE(text);
  const std::string message = refusal(text);
  CHECK(message.starts_with("PKCS#11 URI '"));
  CHECK(message.find(reason) != std::string::npos);
  CHECK(message.find('\n') == std::string::npos);
}

std::vector<uint8_t> bytes(std::initializer_list<int> values) {
  std::vector<uint8_t> out;
  for (int v : values) out.push_back(static_cast<uint8_t>(v));
  return out;
}

void check_round_trip(const Pkcs11Uri& uri) {
  const std::string canonical = format_pkcs11_uri(uri);
  CAPTURE(canonical);
  const Pkcs11Uri back = parse_pkcs11_uri(canonical);
  CHECK(same_attributes(back, uri));
  CHECK(format_pkcs11_uri(back) == canonical);
}

}  // namespace

TEST_CASE("RFC 7512 section 3: the examples pairkit accepts") {
  const auto empty = parse_pkcs11_uri("pkcs11:");
  CHECK(same_attributes(empty, Pkcs11Uri{}));
  CHECK(empty.text == "pkcs11:");

  auto u = parse_pkcs11_uri("pkcs11:object=my-pubkey;type=public");
  CHECK(u.object == "my-pubkey");
  CHECK(u.type == "public");
  CHECK_FALSE(u.token);

  u = parse_pkcs11_uri("pkcs11:object=my-key;type=private?pin-source=file:/etc/token");
  CHECK(u.object == "my-key");
  CHECK(u.type == "private");
  CHECK(u.pin_source == "file:/etc/token");

  u = parse_pkcs11_uri(
      "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;"
      "object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=?pin-source=file:/etc/token_pin");
  CHECK(u.token == "The Software PKCS#11 Softtoken");
  CHECK(u.manufacturer == "Snake Oil, Inc.");
  CHECK(u.model == "1.0");
  CHECK(u.object == "my-certificate");
  CHECK(u.type == "cert");
  CHECK(u.id == bytes({0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91}));
  CHECK(u.serial == "");
  CHECK(u.pin_source == "file:/etc/token_pin");

  u = parse_pkcs11_uri("pkcs11:object=my-sign-key;type=private?module-name=mypkcs11");
  CHECK(u.module_name == "mypkcs11");
  u = parse_pkcs11_uri("pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1");
  CHECK(u.module_path == "/mnt/libmypkcs11.so.1");

  u = parse_pkcs11_uri("pkcs11:slot-description=Sun%20Metaslot");
  CHECK(u.slot_description == "Sun Metaslot");

  u = parse_pkcs11_uri(
      "pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;"
      "library-version=1.23");
  CHECK(u.library_manufacturer == "Snake Oil, Inc.");
  CHECK(u.library_description == "Soft Token Library");
  CHECK(u.library_version == "1.23");

  // Hex digits in either case; the id holds a NUL byte, which bytes may.
  u = parse_pkcs11_uri("pkcs11:token=My%20token%25%20created%20by%20Joe;library-version=3;id=%01%02%03%Ba%dd%Ef%00%ff");
  CHECK(u.token == "My token% created by Joe");
  CHECK(u.library_version == "3");
  CHECK(u.id == bytes({0x01, 0x02, 0x03, 0xba, 0xdd, 0xef, 0x00, 0xff}));

  u = parse_pkcs11_uri("pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert");
  CHECK(u.token == "A name with a substring %;");

  u = parse_pkcs11_uri(
      "pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;type=cert");
  CHECK(u.token == "Name with a small A with acute: \xC3\xA1");
}

TEST_CASE("RFC 7512 section 3: the examples pairkit refuses") {
  // A PIN in a URI: refused with the reason, and the PIN is never shown.
  const std::string with_pin =
      "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin";
  check_refused(with_pin, "pin-value is refused: a PIN in the URI would sit in argv and shell history: "
                          "use pin-source, --pin-file or --pin-env");
  CHECK(refusal(with_pin).find("the-pin") == std::string::npos);
  // Vendor attributes: pairkit would not act on them, so a key could match that should not.
  check_refused("pkcs11:token=my-token;object=my-certificate;type=cert;x-vendor-aaa=value-a"
                "?pin-source=file:/etc/token_pin&x-vendor-bbb=value-b",
                "vendor attribute 'x-vendor-aaa' is not supported");
  check_refused("pkcs11:token=my-token?pin-source=file:/etc/token_pin&x-vendor-bbb=value-b",
                "vendor attribute 'x-vendor-bbb' is not supported");
}

TEST_CASE("is_pkcs11_uri looks at the scheme only, in any case") {
  CHECK(is_pkcs11_uri("pkcs11:"));
  CHECK(is_pkcs11_uri("PKCS11:object=a"));
  CHECK(is_pkcs11_uri("Pkcs11:garbage;;"));
  CHECK_FALSE(is_pkcs11_uri("pkcs11"));
  CHECK_FALSE(is_pkcs11_uri(" pkcs11:"));
  CHECK_FALSE(is_pkcs11_uri("keys/pkcs11:key.pem"));
  CHECK_FALSE(is_pkcs11_uri(""));
  CHECK(parse_pkcs11_uri("PKCS11:object=a").object == "a");
}

TEST_CASE("the scheme, the shape of attributes and the length") {
  check_refused("pkcs12:object=a", "not a PKCS#11 URI (it must start with 'pkcs11:')");
  check_refused("", "not a PKCS#11 URI");
  check_refused("key.pem", "not a PKCS#11 URI");
  check_refused("pkcs11:object", "object has no '=' and value");
  check_refused("pkcs11:=a", "an attribute has no name");
  check_refused("pkcs11:object=a;", "an empty attribute (a ';' too many)");
  check_refused("pkcs11:;object=a", "an empty attribute (a ';' too many)");
  check_refused("pkcs11:object=a;;type=cert", "an empty attribute (a ';' too many)");
  check_refused("pkcs11:object=a?module-name=m&", "an empty attribute (a '&' too many)");
  check_refused("pkcs11:object=a?&module-name=m", "an empty attribute (a '&' too many)");
  // An empty query is allowed by the grammar (pk11-query may be empty).
  CHECK(parse_pkcs11_uri("pkcs11:object=a?").object == "a");
  CHECK(parse_pkcs11_uri("pkcs11:?module-name=m").module_name == "m");

  const std::string prefix = "pkcs11:object=";
  const std::string longest = prefix + std::string(4096 - prefix.size(), 'a');
  CHECK(parse_pkcs11_uri(longest).object->size() == 4096 - prefix.size());
  check_refused(longest + "a", "too long (4097 bytes, at most 4096)");
}

TEST_CASE("unknown attributes, attribute names' case, attributes in the wrong part") {
  check_refused("pkcs11:label=a", "unknown attribute 'label'");
  check_refused("pkcs11:Object=a", "unknown attribute 'Object'");
  check_refused("pkcs11:object=a?Module-Name=m", "unknown attribute 'Module-Name'");
  check_refused("pkcs11:x-=a", "vendor attribute 'x-' is not supported");
  check_refused("pkcs11:pin-source=/p", "pin-source belongs in the query (after '?')");
  check_refused("pkcs11:module-path=/m.so", "module-path belongs in the query (after '?')");
  check_refused("pkcs11:?object=a", "object belongs in the path (before '?')");
  check_refused("pkcs11:?id=%01", "id belongs in the path (before '?')");
}

TEST_CASE("every attribute at most once, path and query alike") {
  check_refused("pkcs11:object=a;object=b", "object is given twice");
  check_refused("pkcs11:object=a;object=a", "object is given twice");
  check_refused("pkcs11:id=%01;token=t;id=%01", "id is given twice");
  check_refused("pkcs11:slot-id=1;slot-id=2", "slot-id is given twice");
  check_refused("pkcs11:serial=;serial=", "serial is given twice");
  check_refused("pkcs11:?module-name=a&module-name=b", "module-name is given twice");
  check_refused("pkcs11:?pin-source=/a&pin-source=/a", "pin-source is given twice");
}

TEST_CASE("pin-value is refused and its value never shown") {
  for (const std::string text :
       {"pkcs11:object=a?pin-value=s3cr3t", "pkcs11:object=a?module-name=m&pin-value=s3cr3t",
        "pkcs11:pin-value=s3cr3t;object=a", "pkcs11:object=a?pin-value=s3cr3t&pin-value=s3cr3t"}) {
    check_refused(text, "pin-value is refused");
    CHECK(refusal(text).find("s3cr3t") == std::string::npos);
  }
  // Refused for something else first, or spelt another way: still hidden.
  for (const std::string text :
       {"pkcs11:object=a;object=b?pin-value=s3cr3t", "pkcs11:object=a?PIN-VALUE=s3cr3t&module-name=m",
        "pkcs11:object=a?pin%2Dvalue=s3cr3t", "pkcs11:object=a?pin-value=s3/cr3t?s3cr3t;s3cr3t&module-name=m",
        "pkcs11:pin-value=s3cr3t?s3cr3t", "pkcs11:object=%zz?pin-value=s3cr3t"}) {
    CAPTURE(text);
    const std::string message = refusal(text);
    CHECK(message.starts_with("PKCS#11 URI '"));
    CHECK(message.find("s3cr3t") == std::string::npos);
    CHECK(message.find("cr3t") == std::string::npos);
  }
  CHECK(refusal("pkcs11:object=a?module-name=m&pin-value=s3cr3t").find("pin-value=***") != std::string::npos);
}

TEST_CASE("pin-source names a file: a path or a file: URI, never a program") {
  CHECK(parse_pkcs11_uri("pkcs11:?pin-source=/etc/pin").pin_source == "/etc/pin");
  CHECK(parse_pkcs11_uri("pkcs11:?pin-source=pin.txt").pin_source == "pin.txt");
  CHECK(parse_pkcs11_uri("pkcs11:?pin-source=file:///etc/pin").pin_source == "file:///etc/pin");
  CHECK(parse_pkcs11_uri("pkcs11:?pin-source=FILE://LocalHost/etc/pin").pin_source == "FILE://LocalHost/etc/pin");
  CHECK(parse_pkcs11_uri("pkcs11:?pin-source=/etc/pin?copy").pin_source == "/etc/pin?copy");
  CHECK(parse_pkcs11_uri("pkcs11:?pin-source=./a:b").pin_source == "./a:b");
  check_refused("pkcs11:?pin-source=|/usr/bin/pin-prompt", "pin-source '|/usr/bin/pin-prompt' runs a program");
  check_refused("pkcs11:?pin-source=%7Cprompt", "runs a program");
  check_refused("pkcs11:?pin-source=https://example.com/pin", "is not a file (a path or a file: URI)");
  check_refused("pkcs11:?pin-source=env:PIN", "is not a file (a path or a file: URI)");
  check_refused("pkcs11:?pin-source=file://vault.example/pin", "names a file on another host");
  check_refused("pkcs11:?pin-source=file://localhost", "is not file:/ABSOLUTE-PATH");
  check_refused("pkcs11:?pin-source=file:pin", "is not file:/ABSOLUTE-PATH");
  check_refused("pkcs11:?pin-source=", "pin-source is empty");

  CHECK(pin_source_file("/etc/pin") == "/etc/pin");
  CHECK(pin_source_file("pin.txt") == "pin.txt");
  CHECK(pin_source_file("file:/etc/pin") == "/etc/pin");
  CHECK(pin_source_file("file:///etc/pin") == "/etc/pin");
  CHECK(pin_source_file("File://localhost/etc/pin") == "/etc/pin");
  CHECK_THROWS_AS(pin_source_file("file://host/etc/pin"), pairkit::UsageError);
}

TEST_CASE("module-name and module-path") {
  const auto both = parse_pkcs11_uri("pkcs11:?module-name=softhsm2&module-path=/usr/lib/softhsm/libsofthsm2.so");
  CHECK(both.module_name == "softhsm2");
  CHECK(both.module_path == "/usr/lib/softhsm/libsofthsm2.so");
  check_refused("pkcs11:?module-path=libsofthsm2.so", "module-path 'libsofthsm2.so' is not an absolute path");
  check_refused("pkcs11:?module-path=", "module-path '' is not an absolute path");
  check_refused("pkcs11:?module-name=lib/softhsm2", "module-name 'lib/softhsm2' is a path: use module-path");
  check_refused("pkcs11:?module-name=", "module-name is empty");
}

TEST_CASE("type, slot-id and library-version take their grammar's values only") {
  for (const char* type : {"private", "public", "cert", "secret-key", "data"})
    CHECK(parse_pkcs11_uri(std::string("pkcs11:type=") + type).type == type);
  check_refused("pkcs11:type=key", "type 'key' is not one of private, public, cert, secret-key, data");
  check_refused("pkcs11:type=Private", "type 'Private' is not one of");
  check_refused("pkcs11:type=", "type '' is not one of");

  CHECK(parse_pkcs11_uri("pkcs11:slot-id=0").slot_id == 0ul);
  CHECK(parse_pkcs11_uri("pkcs11:slot-id=007").slot_id == 7ul);
  CHECK(parse_pkcs11_uri("pkcs11:slot-id=18446744073709551615").slot_id == 18446744073709551615ul);
  check_refused("pkcs11:slot-id=18446744073709551616", "slot-id '18446744073709551616' is out of range");
  for (const char* bad : {"", "-1", "+1", "0x1", "1a", " 1"})
    check_refused(std::string("pkcs11:slot-id=") + (bad[0] == ' ' ? "%201" : bad), "is not a decimal number");

  for (const char* good : {"1", "1.23", "0.0", "10.200"})
    CHECK(parse_pkcs11_uri(std::string("pkcs11:library-version=") + good).library_version == good);
  for (const char* bad : {"", "1.", ".1", "1.2.3", "a", "1.a", "-1"})
    check_refused(std::string("pkcs11:library-version=") + bad, "is not M or M.N (decimal digits)");
}

TEST_CASE("percent-encoding: the characters each part allows, bad escapes, NUL and controls") {
  CHECK(parse_pkcs11_uri("pkcs11:object=a%2fb").object == "a/b");
  CHECK(parse_pkcs11_uri("pkcs11:object=a%2Fb").object == "a/b");
  CHECK(parse_pkcs11_uri("pkcs11:object=a%3Bb%3Fc%26d").object == "a;b?c&d");
  // Unencoded in the path: unreserved, ":[]@!$'()*+,=" and "&"; in the query "/", "?" and "|" too.
  CHECK(parse_pkcs11_uri("pkcs11:object=Az09-._~:[]@!$'()*+,=&").object == "Az09-._~:[]@!$'()*+,=&");
  CHECK(parse_pkcs11_uri("pkcs11:?module-path=/a/b?c|d:[]@!$'()*+,=~").module_path == "/a/b?c|d:[]@!$'()*+,=~");
  check_refused("pkcs11:object=a/b", "object has '/' unencoded (write it as %2F)");
  check_refused("pkcs11:object=a|b", "object has '|' unencoded (write it as %7C)");
  check_refused("pkcs11:object=a b", "object has ' ' unencoded (write it as %20)");
  check_refused("pkcs11:object=a\"b", "object has '\"' unencoded (write it as %22)");
  check_refused("pkcs11:object=a#b", "object has '#' unencoded (write it as %23)");
  check_refused("pkcs11:object=K\xC3\xBC" "che", "object has byte 0xC3 unencoded (write it as %C3)");
  check_refused("pkcs11:object=a\nb", "object has byte 0x0A unencoded (write it as %0A)");
  check_refused("pkcs11:?module-name=a;c", "module-name has ';' unencoded (write it as %3B)");
  check_refused("pkcs11:?module-name=a b", "module-name has ' ' unencoded");

  for (const char* bad : {"%", "a%", "a%2", "%zz", "%2g", "%g2", "%%41"})
    check_refused(std::string("pkcs11:object=") + bad, "object has a '%' that is not followed by two hex digits");
  check_refused("pkcs11:id=%0", "id has a '%' that is not followed by two hex digits");

  // Labels are C strings, named in one-line messages; an id is bytes.
  check_refused("pkcs11:object=a%00b", "object holds a control character (%00)");
  check_refused("pkcs11:token=a%0Ab", "token holds a control character (%0A)");
  check_refused("pkcs11:?pin-source=/p%09", "pin-source holds a control character (%09)");
  check_refused("pkcs11:model=%7F", "model holds a control character (%7F)");
  CHECK(parse_pkcs11_uri("pkcs11:id=%00%0A%7F").id == bytes({0x00, 0x0a, 0x7f}));
  CHECK(parse_pkcs11_uri("pkcs11:id=").id == std::vector<uint8_t>{});
  CHECK(parse_pkcs11_uri("pkcs11:id=ab").id == bytes({'a', 'b'}));

  // UTF-8 labels, percent-encoded byte by byte.
  CHECK(parse_pkcs11_uri("pkcs11:object=K%C3%BCche%20%E2%82%AC").object == "K\xC3\xBC" "che \xE2\x82\xAC");
}

TEST_CASE("messages are one line of at most 80 characters of the URI") {
  const std::string text = "pkcs11:token=" + std::string(200, 't') + ";label=x";
  const std::string message = refusal(text);
  CHECK(message == "PKCS#11 URI 'pkcs11:token=" + std::string(80 - 13, 't') + "...': unknown attribute 'label'");
  // Cut at a character, not inside a UTF-8 sequence.
  const std::string shown = refusal("pkcs11:" + std::string(72, 'a') + "\xC3\xA1\xC3\xA1" + std::string(20, 'b'));
  CHECK(shown.find("a\xC3\xA1...'") != std::string::npos);
  // Control characters in the URI itself are not printed as they are.
  const std::string controls = refusal("pkcs11:obj\r\nect=a");
  CHECK(controls.find('\r') == std::string::npos);
  CHECK(controls.find('\n') == std::string::npos);
  CHECK(controls.find("'pkcs11:obj??ect=a'") != std::string::npos);
  CHECK(refusal("pkcs11:" + std::string(100, 'n') + "=1").find("unknown attribute '" + std::string(40, 'n') + "...'") !=
        std::string::npos);
}

TEST_CASE("the canonical form: RFC order, encoded where it must be, and it parses back") {
  const auto rfc = parse_pkcs11_uri(
      "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;"
      "object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=?pin-source=file:/etc/token_pin");
  CHECK(format_pkcs11_uri(rfc) ==
        "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;serial=;model=1.0;"
        "object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91?pin-source=file:/etc/token_pin");
  check_round_trip(rfc);

  CHECK(format_pkcs11_uri(Pkcs11Uri{}) == "pkcs11:");
  CHECK(format_pkcs11_uri(parse_pkcs11_uri("PKCS11:object=a?")) == "pkcs11:object=a");
  CHECK(format_pkcs11_uri(parse_pkcs11_uri("pkcs11:id=ab;slot-id=007")) == "pkcs11:id=%61%62;slot-id=7");
  CHECK(format_pkcs11_uri(parse_pkcs11_uri("pkcs11:object=a%2fb%7e")) == "pkcs11:object=a%2Fb~");

  Pkcs11Uri all;
  all.token = "term;inal?";
  all.manufacturer = "A&B";
  all.serial = "0042";
  all.model = "M/2";
  all.library_manufacturer = "100% = yes";
  all.library_description = "#desc";
  all.library_version = "2.5";
  all.slot_description = "slot [1]";
  all.slot_manufacturer = "K\xC3\xBC" "che";
  all.slot_id = 3;
  all.object = "a;b?c&d/e%f=g|h";
  all.id = bytes({0x00, 0xff, 0x25, 0x3b});
  all.type = "private";
  all.pin_source = "/run/pins/a&b?c";
  all.module_name = "p11;kit";
  all.module_path = "/usr/lib/x 86/lib.so";
  const std::string canonical = format_pkcs11_uri(all);
  CHECK(canonical ==
        "pkcs11:token=term%3Binal%3F;manufacturer=A&B;serial=0042;model=M%2F2;library-manufacturer=100%25%20=%20yes;"
        "library-version=2.5;library-description=%23desc;object=a%3Bb%3Fc&d%2Fe%25f=g%7Ch;type=private;"
        "id=%00%FF%25%3B;slot-description=slot%20[1];slot-manufacturer=K%C3%BCche;slot-id=3"
        "?pin-source=/run/pins/a%26b?c&module-name=p11%3Bkit&module-path=/usr/lib/x%2086/lib.so");
  check_round_trip(all);

  Pkcs11Uri empty_values;
  empty_values.token = "";
  empty_values.object = "";
  empty_values.id = std::vector<uint8_t>{};
  CHECK(format_pkcs11_uri(empty_values) == "pkcs11:token=;object=;id=");
  check_round_trip(empty_values);
}

TEST_CASE("a canonical form over 4 KiB is refused, as it could not be read back") {
  const auto uri = parse_pkcs11_uri("pkcs11:id=" + std::string(1400, 'a'));
  CHECK_THROWS_WITH_AS(format_pkcs11_uri(uri), doctest::Contains("too long (4210 bytes, at most 4096)"),
                       pairkit::UsageError);
  Pkcs11Uri fits;
  fits.id = std::vector<uint8_t>(1362, 0x2f);
  CHECK(format_pkcs11_uri(fits).size() == 4096);
  check_round_trip(fits);
}

TEST_CASE("same_attributes compares every attribute and ignores the text") {
  const auto a = parse_pkcs11_uri("pkcs11:object=k;id=%01");
  CHECK(same_attributes(a, parse_pkcs11_uri("PKCS11:id=%01;object=k")));
  CHECK_FALSE(same_attributes(a, parse_pkcs11_uri("pkcs11:object=k;id=%02")));
  CHECK_FALSE(same_attributes(a, parse_pkcs11_uri("pkcs11:object=k")));
  CHECK_FALSE(same_attributes(a, parse_pkcs11_uri("pkcs11:object=k;id=%01;slot-id=0")));
  CHECK_FALSE(same_attributes(a, parse_pkcs11_uri("pkcs11:object=k;id=%01?module-name=m")));
  CHECK_FALSE(same_attributes(parse_pkcs11_uri("pkcs11:serial="), Pkcs11Uri{}));
}
