// Threaded sink and source: order, end of stream, errors on the far side, rewrite.
#include <algorithm>
#include <vector>

#include <doctest/doctest.h>

#include "pairkit/backup/pipeline.hpp"
#include "pairkit/core/error.hpp"

using namespace pairkit;
using namespace pairkit::backup;

namespace {

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 131 + (i >> 11));
  return v;
}

// Fails once more than `limit` bytes were written to it.
struct FailingSink final : ByteSink {
  size_t limit, seen = 0;
  explicit FailingSink(size_t l) : limit(l) {}
  void write(std::span<const uint8_t> d) override {
    seen += d.size();
    if (seen > limit) throw InputError("disk full");
  }
};

// Yields `good` bytes of the pattern in odd-sized pieces, then fails.
struct FailingSource final : ByteSource {
  std::vector<uint8_t> data;
  size_t pos = 0;
  explicit FailingSource(size_t good) : data(pattern(good)) {}
  size_t read(std::span<uint8_t> buf) override {
    if (pos == data.size()) throw InputError("chunk does not authenticate");
    const size_t n = std::min({buf.size(), data.size() - pos, size_t(1000)});
    std::copy_n(data.begin() + static_cast<ptrdiff_t>(pos), n, buf.begin());
    pos += n;
    return n;
  }
};

}  // namespace

TEST_CASE("ThreadedSink passes everything on in order, finishes and rewrites its sink") {
  for (size_t size : {size_t(0), size_t(1), kPipeBlockSize, 5 * kPipeBlockSize + 17, 3 * kPipeBlocks * kPipeBlockSize}) {
    CAPTURE(size);
    const auto data = pattern(size);
    VectorSink out;
    ThreadedSink t(out);
    for (size_t i = 0; i < data.size(); i += 7777)
      t.write({data.data() + i, std::min<size_t>(7777, data.size() - i)});
    if (size > 10) {
      REQUIRE(t.can_rewrite(10));
      const std::vector<uint8_t> patch(3, 0xee);
      t.rewrite(5, patch);
      auto expected = data;
      std::copy(patch.begin(), patch.end(), expected.begin() + 5);
      t.finish();
      CHECK(out.bytes == expected);
    } else {
      t.finish();
      CHECK(out.bytes == data);
    }
  }
}

TEST_CASE("ThreadedSink: bytes filled in place (space, commit) and written keep their order") {
  const auto data = pattern(3 * kPipeBlockSize + 999);
  VectorSink out;
  ThreadedSink t(out);
  size_t i = 0;
  for (bool in_place = true; i < data.size(); in_place = !in_place) {
    const size_t want = std::min<size_t>(in_place ? 50000 : 3333, data.size() - i);
    if (in_place) {
      const auto room = t.space(want);
      REQUIRE(!room.empty());
      REQUIRE(room.size() <= want);
      std::copy_n(data.begin() + static_cast<ptrdiff_t>(i), room.size(), room.begin());
      t.commit(room.size());
      i += room.size();
    } else {
      t.write({data.data() + i, want});
      i += want;
    }
  }
  t.finish();
  CHECK(out.bytes == data);
}

TEST_CASE("ThreadedSink rethrows its sink's error on the writing thread") {
  FailingSink out(3 * kPipeBlockSize);
  const auto data = pattern(kPipeBlockSize);
  auto run = [&] {
    ThreadedSink t(out);
    for (int i = 0; i < 40; ++i) t.write(data);
    t.finish();
  };
  CHECK_THROWS_WITH_AS(run(), "disk full", InputError);
  // Failing with the last blocks: seen by a later write() or by finish(), whichever comes first.
  FailingSink late(kPipeBlockSize / 2);
  auto short_run = [&] {
    ThreadedSink t(late);
    t.write(pattern(1000));
    t.write(pattern(kPipeBlockSize));
    t.finish();
  };
  CHECK_THROWS_WITH_AS(short_run(), "disk full", InputError);
}

TEST_CASE("ThreadedSource yields the data in order, then the source's end or its error") {
  for (size_t size : {size_t(0), size_t(5), kPipeBlockSize, 4 * kPipeBlockSize + 3}) {
    CAPTURE(size);
    const auto data = pattern(size);
    SpanSource in(data);
    ThreadedSource t(in);
    std::vector<uint8_t> got(size + 10);
    CHECK(t.read_full(got) == size);
    got.resize(size);
    CHECK(got == data);
    uint8_t b;
    CHECK(t.read({&b, 1}) == 0);
  }
  // Everything read before the error arrives first, then the error, again on later reads.
  const size_t good = 2 * kPipeBlockSize + 12345;
  FailingSource in(good);
  ThreadedSource t(in);
  std::vector<uint8_t> got(good);
  CHECK(t.read_full(got) == good);
  CHECK(got == pattern(good));
  uint8_t b;
  CHECK_THROWS_WITH_AS(t.read({&b, 1}), "chunk does not authenticate", InputError);
  CHECK_THROWS_AS(t.read({&b, 1}), InputError);
}

TEST_CASE("ThreadedSource: views into its blocks and reads keep their order") {
  const auto data = pattern(3 * kPipeBlockSize + 4242);
  SpanSource in(data);
  ThreadedSource t(in);
  std::vector<uint8_t> got;
  for (bool as_view = true;; as_view = !as_view) {
    if (as_view) {
      const auto v = t.view(70000);
      CHECK(v.size() <= 70000);
      if (v.empty()) break;
      got.insert(got.end(), v.begin(), v.end());
    } else {
      uint8_t buf[1000];
      const size_t n = t.read(buf);
      if (n == 0) break;
      got.insert(got.end(), buf, buf + n);
    }
  }
  CHECK(got == data);
  CHECK(t.view(10).empty());
}

TEST_CASE("ThreadedSource stops cleanly when dropped early") {
  const auto data = pattern(kPipeBlocks * kPipeBlockSize * 3);
  SpanSource in(data);
  ThreadedSource t(in);
  uint8_t b[100];
  CHECK(t.read(b) > 0);
}  // the destructor stops the reading thread with blocks still queued
