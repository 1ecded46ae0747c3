#pragma once
// The monitoring counters a ticket's append writes with its events
// (issue 14 item 4, M-D-1; layout in keys.hpp): the open-ticket counts of
// the overview, the deadlines, the supervised set, and the hourly intake
// buckets the warnings test. Written by the same Lua script as the events,
// so they are exactly as right as the events, on every node.

#include <string>
#include <vector>

#include "adapters/redis/store.hpp"
#include "routing/directory.hpp"
#include "routing/router.hpp"
#include "routing/warnings.hpp"

namespace hotline::monitor {

/// Adds to `w.ops` what the events (taking the ticket from `before` to
/// `after`, summarised) change in the counters. `router` locates a new
/// demand (district and place of its intake bucket).
void count_steps(redis::push_writes& w, const std::string& prefix, const std::string& no,
                 const routing::ticket_summary& before, const routing::ticket_summary& after,
                 const std::vector<routing::event>& events,
                 const routing::ticket_state& final_state, const routing::router& router,
                 const routing::directory& dir, const routing::warn::thresholds& t);

/// Data written before the monitoring counters existed has none: builds the
/// overview's counters (open tickets by status, district, unit and kind;
/// the due sets; the supervised set) from every ticket in Redis, once
/// (marker `{prefix}:schema:monitor`, claimed with SET NX so one node
/// builds), before this node serves. Written as absolute values in one
/// MULTI/EXEC. The hourly buckets of the warnings start empty. Returns how
/// many tickets it read (0 when built already, or by another node, or when
/// there are none).
std::size_t build_counters(redis::store& store, redis::pool& pool, const routing::policy& p,
                           const routing::directory& dir);

} // namespace hotline::monitor
