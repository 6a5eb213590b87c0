// The in-memory byte streams, including the empty spans (null data pointers)
// that a sanitizer build would report if they reached memcpy.
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include <doctest/doctest.h>

#include "pairkit/core/byte_stream.hpp"

using namespace pairkit;

TEST_CASE("SpanSource: an empty span reads as the end at once") {
  SpanSource empty{std::span<const uint8_t>{}};
  std::vector<uint8_t> buf(8, 0xAA);
  CHECK(empty.read(buf) == 0);
  CHECK(empty.read(std::span<uint8_t>{}) == 0);
  CHECK(empty.view(16).empty());
  CHECK(buf == std::vector<uint8_t>(8, 0xAA));
}

TEST_CASE("SpanSource: reads in pieces, then 0 at the end") {
  const std::vector<uint8_t> data{1, 2, 3, 4, 5};
  SpanSource src(data);
  std::vector<uint8_t> buf(2);
  CHECK(src.read(buf) == 2);
  CHECK(buf == std::vector<uint8_t>{1, 2});
  CHECK(src.read(std::span<uint8_t>{}) == 0);  // an empty buffer takes nothing
  std::vector<uint8_t> rest(8);
  CHECK(src.read_full(rest) == 3);
  CHECK(std::vector<uint8_t>(rest.begin(), rest.begin() + 3) == std::vector<uint8_t>{3, 4, 5});
  CHECK(src.read(rest) == 0);
}

TEST_CASE("VectorSink: an empty rewrite of an empty sink is allowed, one past the end is not") {
  VectorSink sink;
  sink.rewrite(0, std::span<const uint8_t>{});
  CHECK(sink.bytes.empty());
  const std::vector<uint8_t> one{9};
  CHECK_THROWS_AS(sink.rewrite(0, one), std::logic_error);
  sink.write(std::vector<uint8_t>{1, 2, 3});
  sink.rewrite(1, one);
  CHECK(sink.bytes == std::vector<uint8_t>{1, 9, 3});
}
