// Key files: SubjectPublicKeyInfo and PKCS#8 (plain or encrypted, the wrong
// passphrase given), and the SPKI of whatever object a file holds.
#include <botan/secmem.h>

#include "fuzz_target.hpp"
#include "pairkit/crypto/keys.hpp"
#include "pairkit/crypto/objects.hpp"

PAIRKIT_FUZZ_TARGET(key) {
  const auto bytes = pairkit::fuzz::as_vector(data);
  try {
    (void)pairkit::crypto::describe_key(*pairkit::crypto::load_public_key(bytes, "input"));
  } catch (const pairkit::Error&) {
  }
  try {
    const std::optional<Botan::secure_vector<char>> passphrase =
        pairkit::crypto::is_encrypted_private_key(bytes) ? std::optional(Botan::secure_vector<char>{'x'}) : std::nullopt;
    (void)pairkit::crypto::key_type_of(*pairkit::crypto::load_private_key(bytes, "input", passphrase));
  } catch (const pairkit::Error&) {
  }
  for (const auto& obj : pairkit::crypto::read_objects(bytes, "input")) (void)pairkit::crypto::spki_of(obj, "input");
}
