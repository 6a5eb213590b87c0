// A minimal DER writer and reader for the hot paths of the CA: a CRL's
// revoked list has a million small entries, so it is encoded and walked
// directly over bytes instead of through Botan's object-per-entry classes.
#pragma once
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "pairkit/core/clock.hpp"

namespace pairkit::crypto::der {

inline constexpr uint8_t kInteger = 0x02, kBitString = 0x03, kOctetString = 0x04, kOid = 0x06, kEnumerated = 0x0a,
                         kUtcTime = 0x17, kGeneralizedTime = 0x18, kSequence = 0x30, kContext0 = 0xa0;

/// Appends a DER length.
void put_length(std::vector<uint8_t>& out, size_t n);
/// Appends tag, length and content.
void put_tlv(std::vector<uint8_t>& out, uint8_t tag, std::span<const uint8_t> content);
/// Appends an INTEGER holding a non-negative magnitude (big-endian, leading
/// zeros allowed in the input; a 0x00 is added when the top bit is set).
void put_unsigned(std::vector<uint8_t>& out, std::span<const uint8_t> magnitude);
/// Appends UTCTime (1950-2049) or GeneralizedTime, as RFC 5280 requires.
void put_time(std::vector<uint8_t>& out, TimePoint t);

/// Thrown by Reader for malformed input; callers turn it into InputError.
struct Malformed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Tlv {
  uint8_t tag = 0;
  std::span<const uint8_t> content;
  std::span<const uint8_t> whole;  ///< tag + length + content
};

/// Walks a run of DER TLVs.
class Reader {
public:
  explicit Reader(std::span<const uint8_t> in) : p_(in.data()), end_(in.data() + in.size()) {}
  bool more() const { return p_ < end_; }
  uint8_t peek() const;
  /// The next TLV; throws Malformed (naming `what`) when it is cut short or
  /// its tag is not `expect` (0 = any).
  Tlv next(uint8_t expect, const char* what);
  const uint8_t* position() const { return p_; }

private:
  const uint8_t* p_;
  const uint8_t* end_;
};

/// Decodes a UTCTime or GeneralizedTime TLV (Z form); throws Malformed.
TimePoint read_time(const Tlv& t);
/// Strips the sign octets of an INTEGER's content.
std::span<const uint8_t> magnitude(std::span<const uint8_t> integer_content);

}  // namespace pairkit::crypto::der
