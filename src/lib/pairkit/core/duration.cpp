// Parsing and formatting of durations and RFC 3339 times.
#include "pairkit/core/duration.hpp"

#include <charconv>
#include <cstdio>

#include "pairkit/core/error.hpp"

namespace pairkit {

std::chrono::seconds parse_duration(std::string_view text) {
  auto bad = [&] {
    return UsageError("invalid duration '" + std::string(text) +
                      "': expected a positive whole number and a unit s, m, h, d or w (e.g. 90s, 15m, 12h, 7d, 52w)");
  };
  if (text.size() < 2) throw bad();
  const char unit = text.back();
  const std::string_view digits = text.substr(0, text.size() - 1);
  long long n = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || n <= 0) throw bad();
  long long mult = 0;
  switch (unit) {
    case 's': mult = 1; break;
    case 'm': mult = 60; break;
    case 'h': mult = 3600; break;
    case 'd': mult = 86400; break;
    case 'w': mult = 7 * 86400; break;
    default: throw bad();
  }
  // Anything past ~1000 years is a typo, and would overflow X.509 GeneralizedTime.
  if (n > 1000LL * 366 * 86400 / mult) throw UsageError("duration '" + std::string(text) + "' is too long");
  return std::chrono::seconds(n * mult);
}

std::string format_duration(std::chrono::seconds d) {
  const long long s = d.count();
  if (s != 0 && s % (7 * 86400) == 0) return std::to_string(s / (7 * 86400)) + "w";
  if (s != 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

namespace {

bool digits_at(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

TimePoint parse_time(std::string_view text, const Clock& clock) {
  if (text == "now") return clock.now();
  auto bad = [&] {
    return UsageError("invalid time '" + std::string(text) +
                      "': expected RFC 3339 such as 2026-12-01T00:00:00Z, or 'now'");
  };
  int y, mo, d, h, mi, s;
  if (text.size() < 20 || !digits_at(text, 0, 4, y) || text[4] != '-' || !digits_at(text, 5, 2, mo) ||
      text[7] != '-' || !digits_at(text, 8, 2, d) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !digits_at(text, 11, 2, h) || text[13] != ':' || !digits_at(text, 14, 2, mi) || text[16] != ':' ||
      !digits_at(text, 17, 2, s))
    throw bad();
  size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {  // fractional seconds are accepted and dropped
    ++pos;
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) throw bad();
  }
  long offset = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!digits_at(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits_at(text, pos + 4, 2, om) || oh > 23 || om > 59)
      throw bad();
    offset = (oh * 3600L + om * 60L) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    throw bad();
  }
  if (pos != text.size()) throw bad();
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) throw bad();
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{s == 60 ? 59 : s} - seconds{offset};
}

std::string format_time(TimePoint t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  return buf;
}

}  // namespace pairkit
