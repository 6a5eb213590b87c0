// HTTP-date by hand: three fixed layouts, checked field by field (a weekday
// name is checked for its form, not against the date, as RFC 9110 allows).
#include "pairkit/gate/http_date.hpp"

#include <array>
#include <cstdio>

namespace pairkit::gate {

namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDays = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                       "Friday", "Saturday", "Sunday"};

/// Reads the text in order; any mismatch makes it fail for good.
struct Reader {
  std::string_view s;
  bool ok = true;

  void literal(std::string_view want) {
    if (ok && s.substr(0, want.size()) == want) s.remove_prefix(want.size());
    else ok = false;
  }
  int digits(size_t n) {
    int v = 0;
    ok = ok && s.size() >= n;
    for (size_t i = 0; ok && i < n; ++i) {
      ok = s[i] >= '0' && s[i] <= '9';
      v = v * 10 + (s[i] - '0');
    }
    if (!ok) return 0;
    s.remove_prefix(n);
    return v;
  }
  template <size_t N>
  int one_of(const std::array<std::string_view, N>& names) {
    for (size_t i = 0; ok && i < N; ++i)
      if (s.substr(0, names[i].size()) == names[i]) {
        s.remove_prefix(names[i].size());
        return static_cast<int>(i);
      }
    ok = false;
    return 0;
  }
  /// "HH:MM:SS"
  std::array<int, 3> clock_time() {
    const int h = digits(2);
    literal(":");
    const int m = digits(2);
    literal(":");
    return {h, m, digits(2)};
  }
};

std::optional<TimePoint> make(int year, int month, int day, int h, int m, int sec) {
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month + 1)),
                           std::chrono::day(static_cast<unsigned>(day))};
  // 60 is a leap second: it is read as the next second, as POSIX time has none.
  if (!ymd.ok() || h > 23 || m > 59 || sec > 60) return std::nullopt;
  return TimePoint(sys_days(ymd).time_since_epoch() + hours(h) + minutes(m) + seconds(sec));
}

/// "Day, DD<sep>Mon<sep>YEAR HH:MM:SS GMT": IMF-fixdate (short day names,
/// spaces, four-digit year) and RFC 850 (long names, dashes, two digits).
template <size_t N>
std::optional<TimePoint> day_month_year(std::string_view text, const std::array<std::string_view, N>& days,
                                        std::string_view sep, size_t year_digits) {
  Reader r{text};
  r.one_of(days);
  r.literal(", ");
  const int d = r.digits(2);
  r.literal(sep);
  const int mon = r.one_of(kMonths);
  r.literal(sep);
  int y = r.digits(year_digits);
  r.literal(" ");
  const auto [h, mi, sec] = r.clock_time();
  r.literal(" GMT");
  if (!r.ok || !r.s.empty()) return std::nullopt;
  if (year_digits == 2) y += y < 70 ? 2000 : 1900;
  return make(y, mon, d, h, mi, sec);
}

/// "Sun Nov  6 08:49:37 1994": the day is padded with a space.
std::optional<TimePoint> asctime_date(std::string_view text) {
  Reader r{text};
  r.one_of(kDays);
  r.literal(" ");
  const int mon = r.one_of(kMonths);
  r.literal(" ");
  int d = 0;
  if (r.ok && !r.s.empty() && r.s[0] == ' ') {
    r.literal(" ");
    d = r.digits(1);
  } else {
    d = r.digits(2);
  }
  r.literal(" ");
  const auto [h, mi, sec] = r.clock_time();
  r.literal(" ");
  const int y = r.digits(4);
  if (!r.ok || !r.s.empty()) return std::nullopt;
  return make(y, mon, d, h, mi, sec);
}

}  // namespace

std::optional<TimePoint> parse_http_date(std::string_view text) {
  if (auto t = day_month_year(text, kDays, " ", 4)) return t;
  if (auto t = day_month_year(text, kLongDays, "-", 2)) return t;
  return asctime_date(text);
}

std::string format_http_date(TimePoint t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  const weekday wd{day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                std::string(kDays[(wd.c_encoding() + 6) % 7]).c_str(), static_cast<unsigned>(ymd.day()),
                std::string(kMonths[static_cast<unsigned>(ymd.month()) - 1]).c_str(), static_cast<int>(ymd.year()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace pairkit::gate
