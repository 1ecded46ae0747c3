#pragma once
// The load generator's runs shared by several modes (bench/loadgen): an
// open-loop run by the clock, phase after phase, and closed-loop intakes.

#include <optional>
#include <vector>

#include "bench/loadgen/core.hpp"

namespace bench {

// What an open-loop run leaves besides its phase statistics.
struct open_run {
  int conns = 0;     // connections it opened
  long inflight = 0; // lifecycles still in flight when it was stopped
};

// Starts lifecycles (or only intakes) by the clock, phase after phase, and
// returns once all have ended or `drain` after the last scheduled start.
open_run run_open(const options& o, driver& d, std::vector<phase_stats>& stats, bool intake_only);

// One phase's figures as name=value lines.
void print_phase(const phase_stats& p);

// Closed-loop intakes only, `count` of them; returns the seconds it took.
double intake_only(const options& o, driver& d, std::optional<std::int64_t> deadline_ms,
                   phase_stats& st, bool& gave_up);

} // namespace bench
