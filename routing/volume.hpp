#pragma once
// What the demands of a period were (issue 14 item 5, M-D-1: the briefs):
// how many, of which kind, category and channel, where, and how the callers
// judged them. Pure: a ticket's events → one `demand`; demands → a `tally`.
// The same tally is summed by SQL over the archive's demand rows
// (adapters/archive/facts), so the columns here are the table's columns.

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "routing/civil_time.hpp"
#include "routing/directory.hpp"
#include "routing/ticket.hpp"

namespace hotline::routing::volume {

/// One demand as a brief counts it. No caller data: the brief is published.
struct demand {
  std::string ticket_no;
  civil_date received{}; // the Shanghai day it was registered (M-R-1)
  demand_kind kind = demand_kind::consultation;
  std::string category;
  channel via = channel::phone;
  std::string district;    // 6-digit code of the first unit it went to; "" if none
                           // (disposed of at once, a city department, or waiting)
  std::string township;    // that unit when it is a township or street, else ""
  bool dispatched = false; // became a ticket for a unit (M-C-2)
  bool at_once = false;    // disposed of at once (M-C-1, M-S-3)
  bool closed = false;
  std::optional<civil_date> called_back; // the day of the last callback (M-SV-2)
  bool satisfied = false;                // that callback: satisfied or basically satisfied
};

/// The demand of a ticket, from its events (oldest first); nullopt without
/// a `registered` event.
std::optional<demand> demand_of(const std::string& ticket_no, const std::vector<event>& events,
                                const directory& dir);

/// Callbacks of one day: how many, how many satisfied.
struct day_callbacks {
  long long callbacks = 0;
  long long satisfied = 0;
};

/// The sums a brief shows. Counts by key; keys are the stored codes
/// (kind and channel names, category codes, district codes, township ids).
struct tally {
  long long demands = 0, dispatched = 0, at_once = 0, closed = 0;
  std::map<std::string, long long> by_kind, by_category, by_district, by_channel;
  /// (township id, category code) → demands: where many callers turn up
  /// with one matter.
  std::map<std::pair<std::string, std::string>, long long> hotspots;
  std::map<civil_date, day_callbacks> callbacks; // by the callback's day
};

/// Adds `d` to `t`: its receipt if received within [from, to], its callback
/// if called back within [from, to] (the callback's own day, whenever the
/// demand came in).
void add(tally& t, const demand& d, civil_date from, civil_date to);

/// The period of a brief: a day ("2026-11-30") or a month ("2026-11").
struct span {
  std::string text;
  civil_date from{}, to{}; // inclusive
  bool daily = false;
};
std::optional<span> parse_span(std::string_view s);

/// The largest `n` entries of a count map, largest first, ties by key.
template <typename K>
std::vector<std::pair<K, long long>> top(const std::map<K, long long>& m, std::size_t n) {
  std::vector<std::pair<K, long long>> v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (v.size() > n)
    v.resize(n);
  return v;
}

} // namespace hotline::routing::volume
