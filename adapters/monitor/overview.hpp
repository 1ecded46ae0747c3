#pragma once
// The office's live overview (issue 14 item 4, M-D-1), read from the
// counters the appends keep (keys.hpp) in one pipelined round trip: the
// same answer on every node, at a cost that does not grow with the open
// tickets (a hash of a few thousand fields, two ZCOUNTs, one SCARD and the
// intake buckets of a few hours).

#include <map>
#include <string>
#include <vector>

#include "adapters/monitor/keys.hpp"
#include "adapters/redis/connection.hpp"
#include "routing/warnings.hpp"

namespace hotline::monitor {

struct overview {
  routing::instant at = 0;
  long long open = 0;
  std::map<std::string, long long> by_status, by_district, by_unit, by_unit_kind;
  long long due_today = 0, overdue = 0, supervised = 0;
  /// Intake of the last full hour [last_hour_from, +1 h), of the hour so
  /// far, and of the same hour in each of the previous weeks (1, 2, …).
  routing::instant last_hour_from = 0;
  long long last_hour = 0, this_hour = 0;
  std::vector<long long> same_hour_weeks;
};

/// Reads the overview at `now`; `weeks` previous weeks to compare with.
overview read_overview(redis::connection& c, const keys& k, routing::instant now, int weeks);

} // namespace hotline::monitor
