#pragma once
// Issue 14 item 5 (M-D-1): a brief's contents from its figures — the
// period's tally of demands (routing/volume), the units' evaluation lines
// and the warnings of the period — as the document render.hpp draws.
// Pure: no I/O; names come from the directory.

#include <optional>
#include <string>
#include <vector>

#include "adapters/brief/render.hpp"
#include "routing/directory.hpp"
#include "routing/volume.hpp"

namespace hotline::brief {

/// A unit's figures as the brief shows them (from the evaluation).
struct unit_figures {
  std::string unit_id;
  std::string kind; // label, 乡镇/街道 …
  long long received = 0;
  std::optional<double> on_time_rate, satisfaction_rate, score;
  std::optional<int> rank;
};

/// A warning of the period.
struct warning_line {
  std::string at;   // 2026-11-30 14:00
  std::string kind; // label
  std::string text; // why, with its figures
};

struct inputs {
  routing::volume::span period;
  std::string generated;        // "2026-12-01 08:00"
  routing::volume::tally tally; // receipts and callbacks within the period
  routing::volume::tally trend; // callbacks of the trend's window (a daily
                                // brief: the 30 days up to it; a month: itself)
  routing::civil_date trend_from{}, trend_to{};
  std::vector<unit_figures> units;
  std::vector<warning_line> warnings;
};

document compose(const inputs& in, const routing::directory& dir);

} // namespace hotline::brief
