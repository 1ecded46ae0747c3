#pragma once
// Civil dates and instants for a hotline that lives in Asia/Shanghai (UTC+8,
// no daylight saving). Instants are milliseconds since the Unix epoch; every
// conversion to a date or to text uses +08:00 (M-DL-6). Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hotline::routing {

/// Milliseconds since 1970-01-01T00:00:00Z.
using instant = std::int64_t;

constexpr std::int64_t ms_per_day = 86'400'000;
constexpr std::int64_t shanghai_offset_ms = 8 * 3'600'000;

struct civil_date {
  int year = 1970;
  int month = 1;
  int day = 1;
  friend bool operator==(civil_date a, civil_date b) {
    return a.year == b.year && a.month == b.month && a.day == b.day;
  }
  friend bool operator!=(civil_date a, civil_date b) { return !(a == b); }
  friend bool operator<(civil_date a, civil_date b) {
    if (a.year != b.year)
      return a.year < b.year;
    if (a.month != b.month)
      return a.month < b.month;
    return a.day < b.day;
  }
  friend bool operator<=(civil_date a, civil_date b) { return !(b < a); }
};

/// Days since 1970-01-01 for a proleptic Gregorian date.
std::int64_t days_from_civil(civil_date d);
civil_date civil_from_days(std::int64_t days);
/// 0 = Monday … 6 = Sunday.
int weekday(civil_date d);
civil_date add_days(civil_date d, std::int64_t n);

/// The Shanghai calendar date of an instant.
civil_date shanghai_date(instant t);
/// The instant of 00:00 Shanghai time at the start of `d`.
instant shanghai_midnight(civil_date d);

/// "2026-11-28".
std::string format_date(civil_date d);
/// Parses "YYYY-MM-DD"; nullopt if malformed or not a real date.
std::optional<civil_date> parse_date(std::string_view s);
/// "2026-11-28T09:30:00+08:00" (seconds precision, always +08:00).
std::string format_instant(instant t);
/// Parses ISO 8601 with an explicit offset ("Z" or ±HH:MM), optional
/// fractional seconds. Rejects text without an offset: a wall time alone is
/// ambiguous.
std::optional<instant> parse_instant(std::string_view s);
/// The last day a deadline leaves to work in: "2026-12-21" for a deadline
/// at 2026-12-22T00:00:00+08:00 (the end of the 21st), the same day for a
/// deadline given within a day. A person reads this, not the instant.
std::string deadline_date(instant due);
/// "20261128" — the date part of a ticket number.
std::string compact_date(civil_date d);

} // namespace hotline::routing
