#pragma once
// The working-day calendar (M-DL-6). Years come from data files, one per
// year; a year without a file is counted on weekends alone and every result
// that touches it is marked provisional — never a silent guess.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "routing/civil_time.hpp"

namespace hotline::routing {

struct holiday {
  std::string name; // 春节
  civil_date from;
  civil_date to; // inclusive
};

/// One year's official arrangement (国务院办公厅通知).
struct holiday_year {
  int year = 0;
  std::string source;
  std::vector<holiday> holidays;    // days off (放假)
  std::vector<civil_date> workdays; // weekend days declared working days (调休上班)
};

/// A deadline and whether it rests on a year with no calendar file.
struct deadline {
  instant due = 0; // 24:00 Shanghai at the end of the last working day
  civil_date last_day;
  bool provisional = false;
};

class calendar {
 public:
  void add_year(const holiday_year& y);
  bool has_year(int year) const { return years_.count(year) > 0; }
  std::vector<int> years() const;

  /// Whether `d` is a working day; `known` (if given) is set false when
  /// `d`'s year has no calendar file and only weekends were considered.
  bool is_working_day(civil_date d, bool* known = nullptr) const;

  /// M-DL-6: a limit of `n` working days counted from `assigned` ends at
  /// 24:00 Shanghai of the n-th working day after the day of assignment
  /// (that day itself does not count). n must be >= 1.
  deadline add_working_days(instant assigned, int n) const;

 private:
  std::set<int> years_;
  std::set<std::int64_t> holidays_; // days since epoch
  std::set<std::int64_t> workdays_;
};

} // namespace hotline::routing
