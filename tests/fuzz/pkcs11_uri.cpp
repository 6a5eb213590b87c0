// PKCS#11 URIs, the key references typed on command lines and kept in
// device.toml: a refusal is one printable line; what parses has a canonical
// form that parses back to the same attributes and is its own canonical form.
#include <stdexcept>
#include <string>

#include "fuzz_target.hpp"
#include "pairkit/crypto/pkcs11_uri.hpp"

namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::logic_error(what);
}

// A refusal is a UsageError of one line without control characters; any
// other typed error would be swallowed as an answer, so it is a finding here.
void check_refusal(const pairkit::Error& e) {
  require(dynamic_cast<const pairkit::UsageError*>(&e) != nullptr, "a refusal is a UsageError");
  const std::string message = e.what();
  require(message.starts_with("PKCS#11 URI '"), "a refusal names the URI");
  for (char c : message)
    require(!(static_cast<unsigned char>(c) < 0x20 || c == 0x7f), "a refusal is one printable line");
}

}  // namespace

PAIRKIT_FUZZ_TARGET(pkcs11_uri) {
  using namespace pairkit::crypto;
  const auto text = pairkit::fuzz::as_text(data);
  Pkcs11Uri uri;
  try {
    uri = parse_pkcs11_uri(text);
  } catch (const pairkit::Error& e) {
    check_refusal(e);
    return;
  }
  require(is_pkcs11_uri(text), "what parses has the scheme");
  require(uri.text == text, "the text is kept as given");
  std::string canonical;
  try {
    canonical = format_pkcs11_uri(uri);
  } catch (const pairkit::Error& e) {
    // Percent-encoding can take a URI within 4 KiB past it; nothing else may stop the canonical form.
    check_refusal(e);
    require(std::string(e.what()).find("': too long (") != std::string::npos, "only length stops the canonical form");
    return;
  }
  Pkcs11Uri back;
  try {
    back = parse_pkcs11_uri(canonical);
  } catch (const pairkit::Error&) {
    throw std::logic_error("the canonical form of a URI that parsed is refused");
  }
  require(same_attributes(back, uri), "the canonical form parses back to the same attributes");
  require(format_pkcs11_uri(back) == canonical, "the canonical form is its own canonical form");
}
