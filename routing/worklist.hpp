#pragma once
// A unit's worklist (issue 10): the projection its actor keeps of the
// tickets that concern it, built from summaries (routing/notice.hpp) in any
// order — a summary older than the one held is ignored — and read by
// status, due date and role, a page at a time. Pure; time comes in.

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "routing/notice.hpp"

namespace hotline::routing {

/// What a unit's worklist holds, counted at one instant.
struct worklist_counts {
  std::size_t open = 0;
  std::size_t overdue = 0;           // past the deadline, not yet answered
  std::size_t due_today = 0;         // last day is today (Shanghai), not overdue
  std::size_t supervised = 0;        // 督办 or above on the deadline in force (M-SV-1)
  std::size_t awaiting_decision = 0; // extensions this unit must decide (M-DL-5)
  std::map<std::string, std::size_t> by_status;
  std::map<std::string, std::size_t> by_role;
};

/// A filter of `?status=`: a ticket status, or one of overdue, due_today,
/// supervised, awaiting_decision; empty for all.
struct worklist_filter {
  std::optional<ticket_status> status;
  std::string special;
};
std::optional<worklist_filter> parse_worklist_filter(std::string_view s);

/// Order: by deadline (none last), then by number; a cursor names the
/// last item of a page ("{due}_{no}").
struct worklist_page {
  std::vector<ticket_summary> items;
  std::vector<worklist_role> roles;
  std::string next_cursor; // empty on the last page
};
bool valid_worklist_cursor(std::string_view c);

class worklist {
 public:
  worklist(std::string unit, const policy& p) : unit_(std::move(unit)), policy_(&p) {}

  /// Tickets that left are remembered this long (by count), far more than
  /// a summary can be late by (the feed's delay).
  static constexpr std::size_t remembered_departures = 4096;

  /// Takes a ticket's summary; false if it was not newer than the one held.
  bool apply(const ticket_summary& t);
  worklist_counts counts(instant now) const;
  worklist_page page(const worklist_filter& f, const std::string& cursor, std::size_t limit,
                     instant now) const;
  std::size_t size() const;

 private:
  struct entry {
    ticket_summary t;
    worklist_role role = worklist_role::none;
  };
  bool matches(const entry& e, const worklist_filter& f, instant now) const;
  std::string unit_;
  const policy* policy_;
  // Every ticket held, and those that left (role none) among the last
  // `remembered_departures`, so a late older summary cannot bring one back.
  std::unordered_map<std::string, entry> items_;
  std::deque<std::string> departed_;
};

/// Dispatched or accepted: the unit's answer is awaited, its deadline runs.
bool waiting_for_answer(ticket_status s);
/// Past its deadline and not yet answered (M-SV-1).
bool overdue(const ticket_summary& t, instant now);
/// Its last day is today (Asia/Shanghai) and it is not overdue.
bool due_today(const ticket_summary& t, instant now);

} // namespace hotline::routing
