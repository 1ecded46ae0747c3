#pragma once
// A calendar for the workflow's pure tests: a 2026 file with no holidays,
// so weekends alone decide the working days.

#include "routing/calendar.hpp"

namespace hotline::test {

inline routing::calendar plain_2026() {
  routing::calendar c;
  routing::holiday_year y;
  y.year = 2026;
  c.add_year(y);
  return c;
}

} // namespace hotline::test
