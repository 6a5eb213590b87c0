// Byte sizes as limits are written: "512M", "2G", "65536".
#include <doctest/doctest.h>

#include "pairkit/core/byte_size.hpp"
#include "pairkit/core/error.hpp"

using namespace pairkit;

TEST_CASE("sizes parse in bytes and powers of 1024") {
  CHECK(parse_byte_size("65536") == 65536);
  CHECK(parse_byte_size("64K") == 65536);
  CHECK(parse_byte_size("512m") == uint64_t{512} << 20);
  CHECK(parse_byte_size("2GiB") == uint64_t{2} << 30);
  CHECK(parse_byte_size("100B") == 100);
  for (const char* bad : {"", "0", "-1", "M", "1.5G", "12T", "1 G", "0x10"})
    CHECK_THROWS_AS(parse_byte_size(bad), UsageError);
  CHECK_THROWS_WITH_AS(parse_byte_size("99999999999999G"), "size '99999999999999G' is too large", UsageError);
}

TEST_CASE("sizes format in the largest unit that divides them") {
  CHECK(format_byte_size(uint64_t{1} << 20) == "1 MiB");
  CHECK(format_byte_size(uint64_t{512} << 20) == "512 MiB");
  CHECK(format_byte_size(uint64_t{4} << 30) == "4 GiB");
  CHECK(format_byte_size(65536) == "64 KiB");
  CHECK(format_byte_size(1000) == "1000 bytes");
  CHECK(format_byte_size(1) == "1 byte");
}
