// Direct DER encoding and walking (see der.hpp).
#include "pairkit/crypto/der.hpp"

#include <chrono>
#include <cstdio>

namespace pairkit::crypto::der {

void put_length(std::vector<uint8_t>& out, size_t n) {
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
    return;
  }
  uint8_t buf[8];
  size_t k = 0;
  for (size_t v = n; v; v >>= 8) buf[k++] = static_cast<uint8_t>(v & 0xff);
  out.push_back(static_cast<uint8_t>(0x80 | k));
  while (k) out.push_back(buf[--k]);
}

void put_tlv(std::vector<uint8_t>& out, uint8_t tag, std::span<const uint8_t> content) {
  out.push_back(tag);
  put_length(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
}

void put_unsigned(std::vector<uint8_t>& out, std::span<const uint8_t> m) {
  size_t i = 0;
  while (i + 1 < m.size() && m[i] == 0) ++i;
  const bool pad = m.empty() || (m[i] & 0x80);
  out.push_back(kInteger);
  put_length(out, m.size() - i + (pad ? 1 : 0));
  if (pad) out.push_back(0);
  out.insert(out.end(), m.begin() + static_cast<ptrdiff_t>(i), m.end());
}

void put_time(std::vector<uint8_t>& out, TimePoint t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  const int y = static_cast<int>(ymd.year());
  char buf[20];
  const bool utc = y >= 1950 && y < 2050;
  const int n = utc ? std::snprintf(buf, sizeof buf, "%02d%02u%02u%02d%02d%02dZ", y % 100, unsigned(ymd.month()),
                                    unsigned(ymd.day()), int(hms.hours().count()), int(hms.minutes().count()),
                                    int(hms.seconds().count()))
                    : std::snprintf(buf, sizeof buf, "%04d%02u%02u%02d%02d%02dZ", y, unsigned(ymd.month()),
                                    unsigned(ymd.day()), int(hms.hours().count()), int(hms.minutes().count()),
                                    int(hms.seconds().count()));
  out.push_back(utc ? kUtcTime : kGeneralizedTime);
  put_length(out, static_cast<size_t>(n));
  out.insert(out.end(), buf, buf + n);
}

uint8_t Reader::peek() const {
  if (p_ >= end_) throw Malformed("unexpected end of data");
  return *p_;
}

Tlv Reader::next(uint8_t expect, const char* what) {
  const uint8_t* start = p_;
  if (end_ - p_ < 2) throw Malformed(std::string("truncated ") + what);
  const uint8_t tag = *p_++;
  if (expect && tag != expect) throw Malformed(std::string("unexpected tag in ") + what);
  size_t len = *p_++;
  if (len & 0x80) {
    const size_t k = len & 0x7f;
    if (k == 0 || k > 4 || static_cast<size_t>(end_ - p_) < k) throw Malformed(std::string("bad length in ") + what);
    len = 0;
    for (size_t i = 0; i < k; ++i) len = (len << 8) | *p_++;
  }
  if (static_cast<size_t>(end_ - p_) < len) throw Malformed(std::string("truncated ") + what);
  Tlv t;
  t.tag = tag;
  t.content = {p_, len};
  p_ += len;
  t.whole = {start, static_cast<size_t>(p_ - start)};
  return t;
}

namespace {
int digits(const uint8_t* s, int n) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') throw Malformed("bad time");
    v = v * 10 + (s[i] - '0');
  }
  return v;
}
}  // namespace

TimePoint read_time(const Tlv& t) {
  using namespace std::chrono;
  const uint8_t* s = t.content.data();
  int y;
  if (t.tag == kUtcTime && t.content.size() == 13 && s[12] == 'Z') {
    y = digits(s, 2);
    y += y < 50 ? 2000 : 1900;
    s += 2;
  } else if (t.tag == kGeneralizedTime && t.content.size() == 15 && s[14] == 'Z') {
    y = digits(s, 4);
    s += 4;
  } else {
    throw Malformed("bad time");
  }
  const year_month_day ymd{year{y}, month{unsigned(digits(s, 2))}, day{unsigned(digits(s + 2, 2))}};
  if (!ymd.ok()) throw Malformed("bad date");
  return sys_days{ymd} + hours{digits(s + 4, 2)} + minutes{digits(s + 6, 2)} + seconds{digits(s + 8, 2)};
}

std::span<const uint8_t> magnitude(std::span<const uint8_t> c) {
  size_t i = 0;
  while (i + 1 < c.size() && c[i] == 0) ++i;
  return c.subspan(i);
}

}  // namespace pairkit::crypto::der
