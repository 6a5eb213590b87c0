// The C2SP age test kit (../shared/testdata/age-testkit) through pairkit's
// age reader: every non-ML-KEM vector must give its expected result.
#include <doctest/doctest.h>

#include <filesystem>
#include <iostream>
#include <map>

#include <botan/hash.h>
#include <botan/hex.h>
#include <zlib.h>

#include "pairkit/backup/age.hpp"
#include "pairkit/backup/armor.hpp"
#include "pairkit/core/files.hpp"
#include "shared_testdata.hpp"

using namespace pairkit;
using namespace pairkit::backup;

namespace {

struct Vector {
  std::multimap<std::string, std::string> headers;
  std::vector<uint8_t> body;
};

Vector parse_vector(const std::vector<uint8_t>& data) {
  Vector v;
  size_t pos = 0;
  for (;;) {
    const auto it = std::find(data.begin() + static_cast<ptrdiff_t>(pos), data.end(), '\n');
    REQUIRE(it != data.end());
    const size_t end = static_cast<size_t>(it - data.begin());
    std::string line(data.begin() + static_cast<ptrdiff_t>(pos), it);
    pos = end + 1;
    if (line.empty()) break;
    const auto colon = line.find(": ");
    REQUIRE(colon != std::string::npos);
    v.headers.emplace(line.substr(0, colon), line.substr(colon + 2));
  }
  v.body.assign(data.begin() + static_cast<ptrdiff_t>(pos), data.end());
  if (v.headers.count("compressed")) {
    z_stream zs{};
    REQUIRE(inflateInit(&zs) == Z_OK);
    std::vector<uint8_t> out;
    uint8_t buf[65536];
    zs.next_in = v.body.data();
    zs.avail_in = static_cast<uInt>(v.body.size());
    int rc;
    do {
      zs.next_out = buf;
      zs.avail_out = sizeof buf;
      rc = inflate(&zs, Z_NO_FLUSH);
      REQUIRE((rc == Z_OK || rc == Z_STREAM_END));
      out.insert(out.end(), buf, buf + (sizeof buf - zs.avail_out));
    } while (rc != Z_STREAM_END);
    inflateEnd(&zs);
    v.body = std::move(out);
  }
  return v;
}

std::string outcome_name(AgeFailure f) {
  switch (f) {
    case AgeFailure::header: return "header failure";
    case AgeFailure::hmac: return "HMAC failure";
    case AgeFailure::payload: return "payload failure";
    case AgeFailure::armor: return "armor failure";
    case AgeFailure::no_match: return "no match";
  }
  return "?";
}

}  // namespace

TEST_CASE("age test kit: every non-ML-KEM vector gives its expected result") {
  const auto kit = test::shared_testdata("age-testkit");
  if (!kit) return;
  const std::string dir = kit->string();
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  int ran = 0, skipped = 0;
  for (const auto& name : names) {
    if (name.rfind("hybrid", 0) == 0 || name.rfind("armor_hybrid", 0) == 0) {
      ++skipped;
      continue;
    }
    ++ran;
    CAPTURE(name);
    const auto v = parse_vector(read_file(dir + "/" + name, size_t{64} << 20));
    const std::string expect = v.headers.find("expect")->second;
    std::vector<std::unique_ptr<Identity>> ids;
    for (auto [it, end] = v.headers.equal_range("identity"); it != end; ++it)
      ids.push_back(std::make_unique<X25519Identity>(X25519Identity::parse(it->second)));
    for (auto [it, end] = v.headers.equal_range("passphrase"); it != end; ++it)
      ids.push_back(std::make_unique<ScryptIdentity>(Botan::secure_vector<char>(it->second.begin(), it->second.end())));
    std::vector<const Identity*> id_ptrs;
    for (const auto& i : ids) id_ptrs.push_back(i.get());

    SpanSource raw(v.body);
    ArmorSource armor(raw);
    ByteSource& in = v.headers.count("armored") ? static_cast<ByteSource&>(armor) : raw;
    std::string got = "success";
    auto hash = Botan::HashFunction::create_or_throw("SHA-256");
    try {
      AgeReader reader(in, id_ptrs);
      uint8_t buf[8192];
      size_t n;
      while ((n = reader.read(buf)) > 0) hash->update(buf, n);
    } catch (const AgeError& e) {
      got = outcome_name(e.kind());
    }
    CHECK_MESSAGE(got == expect, name);
    if (expect == "success" && got == "success")
      CHECK(Botan::hex_encode(hash->final(), false) == v.headers.find("payload")->second);
  }
  std::cout << "age test kit: " << ran << " ran, " << skipped
            << " skipped (hybrid* and armor_hybrid*: ML-KEM-768, which Botan 2 lacks)\n";
  CHECK(ran == 124);
}
