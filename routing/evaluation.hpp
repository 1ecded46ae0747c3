#pragma once
// The evaluation of handling units (issue 14, M-E-1; docs/EVALUATION.md).
// Pure: a ticket's events → its per-unit *facts*; facts are additive, so a
// unit's figures for a period are sums of facts; one function turns the
// sums into rates, a score and ranks within each kind of unit.
//
//   facts_of(no, events, policy, rules, as_of) → one fact per ticket × unit × role
//   totals += fact                               (sums; SQL SUM does the same)
//   evaluate(totals by unit, kb by unit, directory, rules) → lines with rates, score, rank

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/directory.hpp"
#include "routing/knowledge.hpp"
#include "routing/ticket.hpp"

namespace hotline::routing::evaluation {

/// A unit's part in a ticket: the lead of a ticket with cooperating units
/// (牵头), the only unit (sole), or a cooperating unit (协办, M-DL-4).
enum class handling_role { lead, sole, cooperating };
std::string_view to_string(handling_role r);
std::optional<handling_role> parse_role(std::string_view s);

/// The count figures, in the order of the facts table's columns. Each is
/// 0 or 1 per fact (a ticket counts once), except the extension counts.
enum class count {
  received,             // handled as lead/sole unit (received in the period)
  cooperated,           // received as a cooperating unit
  responded,            // 签收 (or 退单) within the response limit after receipt
  returned,             // 退单 by this unit (M-RT-4)
  answered,             // answered at least once (replied)
  answered_on_time,     // answered, every answer by the deadline in force
  overdue,              // a deadline passed before its answer (or still unanswered)
  called_back,          // 回访 recorded while the unit was lead (M-SV-2)
  satisfied,            // last callback satisfied or basically satisfied
  resolved,             // last callback: resolved
  reopened,             // sent back for re-handling (重办) at least once
  extensions_requested, // M-DL-5 requests (a count)
  extensions_granted,   // M-DL-5 approvals (a count)
  opinions_on_time,     // cooperating: opinion by its sub-deadline (M-DL-4)
  opinions_late,        // cooperating: opinion late, or missing past the sub-deadline
  supervised,           // 督办 (or the office's escalation) aimed at this unit (M-SV-1)
  noticed,              // 通报 aimed at this unit (M-SV-1)
};
constexpr std::size_t count_figures = 17;
std::string_view to_string(count c);
std::optional<count> parse_count(std::string_view s);

using counts = std::array<long long, count_figures>;

/// One ticket × unit × role: what that unit did with that ticket.
struct fact {
  std::string ticket_no;
  std::string unit;
  handling_role part = handling_role::sole;
  std::string month; // YYYY-MM (Shanghai) of the unit's receipt of the ticket
  counts n{};
  long long operator[](count c) const { return n[static_cast<std::size_t>(c)]; }
};

/// The score's weights and the rules facts are counted by
/// (config/chongqing/evaluation.yaml).
struct rules {
  /// Working days after receipt to accept (签收) or return (M-DL-6 counting).
  int response_working_days = 1;
  /// Units with fewer received tickets get a score but no rank.
  int min_received = 1;
  /// Rate name → weight (≥ 0); see `rate_names`.
  std::map<std::string, double> weights{{"response_rate", 15},       {"on_time_rate", 25},
                                        {"resolution_rate", 25},     {"satisfaction_rate", 25},
                                        {"opinion_on_time_rate", 5}, {"kb_review_rate", 5}};
};

/// The rates a weight may name. return_rate and reopen_rate count as
/// (1 − rate) in the score: fewer is better.
const std::vector<std::string_view>& rate_names();

/// The facts of one ticket, from its events (oldest first), as of `as_of`
/// (a deadline that passed unanswered by then is overdue). No facts for a
/// ticket never dispatched (disposed of at once, or still coordinating).
std::vector<fact> facts_of(const std::string& ticket_no, const std::vector<event>& events,
                           const policy& p, const rules& r, instant as_of);

/// The month of an instant, "YYYY-MM" (Shanghai).
std::string month_of(instant t);

/// A period: one month ("2026-11") or one year ("2026").
struct period {
  std::string text;
  std::string first_month, last_month; // inclusive
  bool contains(const std::string& month) const {
    return month >= first_month && month <= last_month;
  }
};
std::optional<period> parse_period(std::string_view s);
/// The last civil day of the period.
civil_date last_day(const period& p);

/// Knowledge-base upkeep of a unit (M-KB-2): live articles it owns and
/// those whose review-by date passed (as of the period's end or today).
struct kb_upkeep {
  long long articles = 0;
  long long overdue_reviews = 0;
};
std::map<std::string, kb_upkeep> kb_of(const std::vector<kb::article>& all, civil_date as_of);

/// A unit's line: its sums, rates (nullopt when the denominator is 0),
/// score and rank within its kind (nullopt below `min_received`).
struct line {
  std::string unit;
  unit_kind kind = unit_kind::township;
  counts n{};
  kb_upkeep kb;
  std::map<std::string, std::optional<double>> rates;
  std::optional<double> score; // 0..100, rounded to 2 decimals
  std::optional<int> rank;     // 1 = best within `kind`; ties share a rank
  long long operator[](count c) const { return n[static_cast<std::size_t>(c)]; }
};

void add(counts& into, const counts& more);

/// A line for every unit of `by_unit` (and of `kb` with articles), ranked
/// within its kind; ordered by kind, then rank, then unit id. Units
/// unknown to `dir` (removed since) keep the office's kind, unranked.
std::vector<line> evaluate(const std::map<std::string, counts>& by_unit,
                           const std::map<std::string, kb_upkeep>& kb, const directory& dir,
                           const rules& r);

/// What rate `name` is made of: numerator and denominator counts (for
/// the ticket lists behind a figure).
struct rate_parts {
  std::vector<count> numerator, denominator;
};
std::optional<rate_parts> parts_of(std::string_view rate);

} // namespace hotline::routing::evaluation
