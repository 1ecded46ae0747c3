#pragma once
// Early warnings (issue 14 item 4, M-D-1): the statistics and the rules,
// pure. Counts come in (hourly buckets the adapter keeps in Redis), the
// thresholds come from config/chongqing/warnings.yaml, time comes in as
// arguments; out come warnings that say why, with their figures.
// docs/MONITORING.md explains the test and the thresholds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routing/notice.hpp"

namespace hotline::routing::warn {

constexpr instant hour_ms = 3'600'000;
/// The hour bucket of an instant: hours since the epoch (UTC; a bucket is
/// an hour whatever the time zone, Shanghai has no summer time).
constexpr long long hour_of(instant t) {
  return t >= 0 ? t / hour_ms : (t - hour_ms + 1) / hour_ms;
}

/// A category x district whose count over the last `window_hours` is far
/// above its rolling baseline: the same hours of each of the previous
/// `baseline_days` days, and of the same weekday in the previous
/// `baseline_weeks` weeks (those not already among the days). Raised when
/// observed >= min_count and P(X >= observed) < alpha for X ~ Poisson(mean
/// of the baseline samples, but at least `min_baseline`).
struct surge_rule {
  int window_hours = 3;
  int baseline_days = 7;
  int baseline_weeks = 4;
  double alpha = 1e-4;
  int min_count = 8;
  double min_baseline = 0.5;
};

/// Many callers about one place and matter: at least `min_callers`
/// distinct callers (by keyed hash) about the same committee, place or
/// township and category within `window_hours`.
struct cluster_rule {
  int window_hours = 6;
  int min_callers = 5;
};

/// A caller repeating the same demand: the intake linked (M-S-2) the
/// caller's calls about one matter to one open ticket, `min_calls` in all.
struct repeat_rule {
  int min_calls = 3;
};

/// A unit whose overdue count rose by `min_jump` or more within
/// `window_hours`.
struct overdue_rule {
  int window_hours = 24;
  int min_jump = 5;
};

struct thresholds {
  surge_rule surge;
  cluster_rule cluster;
  repeat_rule repeat;
  overdue_rule overdue;
  /// The overview compares the last hour's intake with the same hour of
  /// this many previous weeks.
  int intake_weeks = 4;
  /// How long (hours) the counters live in Redis: enough for the longest
  /// baseline.
  long long counter_ttl_hours() const;
};

/// What is wrong with `t` (empty when usable): each "field: reason".
std::vector<std::string> check(const thresholds& t);

/// P(X >= k) for X ~ Poisson(mean); 1 for k <= 0. Summed in log space,
/// exact enough for k up to the millions.
double poisson_upper_tail(long long k, double mean);

/// How many hours before the window's each baseline sample lies (24, 48,
/// …, then 7*24*w for the weeks beyond the days), ascending, distinct.
std::vector<long long> baseline_offsets(const surge_rule& r);

enum class warning_kind { surge, cluster, repeat, overdue };
std::string_view to_string(warning_kind k);
std::string_view label_zh(warning_kind k);

/// One warning, with the figures that raised it. `key` names what it is
/// about and its window: it is raised once per key.
struct warning {
  warning_kind kind = warning_kind::surge;
  std::string key;
  instant at = 0;                         // when it was found
  instant window_from = 0, window_to = 0; // the counted window
  std::string category, district, place, unit, ticket_no;
  long long observed = 0;
  double baseline = 0;            // surge: the baseline mean; overdue: the count before
  double p_value = -1;            // surge only; -1 elsewhere
  double alpha = 0;               // surge only
  long long threshold = 0;        // the minimum that had to be reached
  std::vector<long long> samples; // surge: the baseline samples
  std::string reason;             // Chinese, with the figures
};

/// The surge test for one category x district: the window's count
/// `observed` and the baseline `samples` (one sum per offset of
/// baseline_offsets). The window is [window_from, window_to).
std::optional<warning> surge(const std::string& category, const std::string& district,
                             long long observed, const std::vector<long long>& samples,
                             instant window_from, instant window_to, instant now,
                             const surge_rule& r);

/// Many callers about one place (`place`: a committee or place name, or a
/// township code) and matter.
std::optional<warning> cluster(const std::string& category, const std::string& place,
                               long long callers, instant window_from, instant window_to,
                               instant now, const cluster_rule& r);

/// A caller's `calls` about the matter of ticket `no` (the first and the
/// linked repeats). Raised once per ticket.
std::optional<warning> repeat(const std::string& no, const std::string& category, long long calls,
                              instant now, const repeat_rule& r);

/// A unit's overdue count, `before` at the window's start and `current` now.
std::optional<warning> overdue_jump(const std::string& unit, long long before, long long current,
                                    instant window_from, instant now, const overdue_rule& r);

// --- the overview's counters (M-D-1) ----------------------------------------

/// The fields of the open-ticket counters a summary counts in ("s:{status}",
/// "d:{district}", "u:{unit}", "k:{unit kind}"; the district of the lead
/// unit, "-" without one); none for a closed or unknown ticket. An append
/// adds 1 to the fields of the state after and takes 1 from those before.
std::vector<std::string> open_fields(const ticket_summary& t, const directory& dir);

/// Counted among the supervised (督办 or above on the deadline in force).
bool supervised(const ticket_summary& t);

} // namespace hotline::routing::warn
