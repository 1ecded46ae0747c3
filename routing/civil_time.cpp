#include "routing/civil_time.hpp"

#include <cstdio>

namespace hotline::routing {

// Howard Hinnant's days_from_civil / civil_from_days algorithms (public
// domain), the standard way to do proleptic Gregorian arithmetic in C++17.
std::int64_t days_from_civil(civil_date d) {
  std::int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned mp = static_cast<unsigned>(d.month + (d.month > 2 ? -3 : 9));
  const unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(d.day) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

civil_date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m), static_cast<int>(d)};
}

int weekday(civil_date d) {
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  const std::int64_t z = days_from_civil(d);
  return static_cast<int>(((z % 7) + 7 + 3) % 7);
}

civil_date add_days(civil_date d, std::int64_t n) {
  return civil_from_days(days_from_civil(d) + n);
}

static std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

civil_date shanghai_date(instant t) {
  return civil_from_days(floor_div(t + shanghai_offset_ms, ms_per_day));
}

instant shanghai_midnight(civil_date d) {
  return days_from_civil(d) * ms_per_day - shanghai_offset_ms;
}

std::string format_date(civil_date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

std::string compact_date(civil_date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", d.year, d.month, d.day);
  return buf;
}

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size())
    return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

} // namespace

std::optional<civil_date> parse_date(std::string_view s) {
  civil_date d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-')
    return std::nullopt;
  if (!digits(s, 0, 4, d.year) || !digits(s, 5, 2, d.month) || !digits(s, 8, 2, d.day))
    return std::nullopt;
  if (d.month < 1 || d.month > 12)
    return std::nullopt;
  if (d.day < 1 || d.day > days_in_month(d.year, d.month))
    return std::nullopt;
  return d;
}

std::string format_instant(instant t) {
  const civil_date d = shanghai_date(t);
  const std::int64_t local = t + shanghai_offset_ms;
  std::int64_t ms_of_day = local - floor_div(local, ms_per_day) * ms_per_day;
  const int secs = static_cast<int>(ms_of_day / 1000);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", d.year, d.month, d.day,
                secs / 3600, (secs / 60) % 60, secs % 60);
  return buf;
}

std::optional<instant> parse_instant(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)
  if (s.size() < 20)
    return std::nullopt;
  auto date = parse_date(s.substr(0, 10));
  if (!date || (s[10] != 'T' && s[10] != ' '))
    return std::nullopt;
  int hh, mm, ss;
  if (!digits(s, 11, 2, hh) || s[13] != ':' || !digits(s, 14, 2, mm) || s[16] != ':'
      || !digits(s, 17, 2, ss))
    return std::nullopt;
  if (hh > 23 || mm > 59 || ss > 59)
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int scale = 100;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start)
      return std::nullopt;
  }
  if (pos >= s.size())
    return std::nullopt;
  std::int64_t offset_ms = 0;
  if (s[pos] == 'Z') {
    if (pos + 1 != s.size())
      return std::nullopt;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (s.size() != pos + 6 || !digits(s, pos + 1, 2, oh) || s[pos + 3] != ':'
        || !digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset_ms = (oh * 60 + om) * 60'000LL * (s[pos] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  const std::int64_t local
      = days_from_civil(*date) * ms_per_day + ((hh * 60 + mm) * 60 + ss) * 1000LL + millis;
  return local - offset_ms;
}

std::string deadline_date(instant due) {
  return format_date(shanghai_date(due - 1));
}

} // namespace hotline::routing
