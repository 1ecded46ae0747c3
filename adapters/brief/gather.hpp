#pragma once
// Issue 14 item 5 (M-D-1): the figures of a brief, from where they are kept:
// demands still in Redis folded here (routing/volume), archived ones summed
// by SQL (adapters/archive/demands), the units' evaluation of the month
// (adapters/evaluation, the figures of GET /api/v1/evaluation) and the
// warnings of the period. Blocks on Redis and PostgreSQL.

#include <vector>

#include "adapters/archive/postgres.hpp"
#include "adapters/brief/compose.hpp"
#include "adapters/config/loader.hpp"
#include "adapters/redis/store.hpp"
#include "routing/warnings.hpp"

namespace hotline::brief {

/// A daily brief's satisfaction trend covers this many days up to it.
constexpr int trend_days = 30;
/// At most this many warnings are listed (the oldest first).
constexpr std::size_t max_warnings = 5000;

/// The inputs of `compose` for `period` as of `now` (a daily brief of today
/// counts up to now; the units' figures are those of the period's month,
/// to its end or to now). `archive` null: every ticket is still in Redis.
/// `warnings`: those raised in the period (monitor::detector::list).
inputs gather(redis::store& store, redis::pool& pool, archive::pg_pool* archive,
              const config::hotline_config& cfg, const routing::volume::span& period,
              routing::instant now, const std::vector<routing::warn::warning>& warnings);

} // namespace hotline::brief
