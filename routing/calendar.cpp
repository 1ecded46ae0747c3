#include "routing/calendar.hpp"

#include <stdexcept>

namespace hotline::routing {

void calendar::add_year(const holiday_year& y) {
  years_.insert(y.year);
  for (const auto& h : y.holidays)
    for (auto d = days_from_civil(h.from); d <= days_from_civil(h.to); ++d)
      holidays_.insert(d);
  for (const auto& w : y.workdays)
    workdays_.insert(days_from_civil(w));
}

std::vector<int> calendar::years() const {
  return {years_.begin(), years_.end()};
}

bool calendar::is_working_day(civil_date d, bool* known) const {
  const bool have = has_year(d.year);
  if (known)
    *known = have;
  const auto z = days_from_civil(d);
  if (have) {
    if (holidays_.count(z))
      return false;
    if (workdays_.count(z))
      return true;
  }
  return weekday(d) < 5;
}

// M-DL-6: walk forward from the day after assignment, counting working days;
// the limit ends at 24:00 of the n-th one, i.e. 00:00 of the next day.
deadline calendar::add_working_days(instant assigned, int n) const {
  if (n < 1)
    throw std::invalid_argument("working days must be >= 1");
  deadline out;
  civil_date day = shanghai_date(assigned);
  int counted = 0;
  while (counted < n) {
    day = add_days(day, 1);
    bool known = true;
    if (is_working_day(day, &known))
      ++counted;
    if (!known)
      out.provisional = true;
  }
  out.last_day = day;
  out.due = shanghai_midnight(add_days(day, 1));
  return out;
}

} // namespace hotline::routing
