#pragma once
// The evaluation of handling units over all tickets (issue 14, M-E-1;
// docs/EVALUATION.md): archived tickets from their facts in PostgreSQL (one
// GROUP BY), tickets still in Redis (open, or closed and not yet archived)
// folded here with the same pure function (routing/evaluation.hpp), and
// the knowledge base's upkeep. `GET /api/v1/evaluation`, `hotline evaluate`
// and the briefs call this, so they give the same figures.
// Blocks on Redis and PostgreSQL: call it from a blocking pool.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "adapters/archive/facts.hpp"
#include "adapters/config/loader.hpp"
#include "adapters/redis/store.hpp"

namespace hotline::evaluation {

namespace ev = routing::evaluation;

struct report {
  ev::period p;
  routing::instant as_of = 0;
  std::vector<ev::line> lines;  // every unit with facts, ranked (ev::evaluate)
  std::size_t live_tickets = 0; // tickets of the period folded from Redis
};

/// Which lines a reader wants: one unit, one kind, or all.
struct filter {
  std::string unit;
  std::optional<routing::unit_kind> kind;
  bool keeps(const ev::line& l) const {
    return (unit.empty() || l.unit == unit) && (!kind || l.kind == *kind);
  }
};

class evaluator {
 public:
  /// `archive` null: no archive (every ticket is still in Redis).
  evaluator(redis::store& store, redis::pool& pool, archive::pg_pool* archive,
            const config::hotline_config& cfg);

  /// The period's figures of every unit, as of `now`.
  report evaluate(const ev::period& p, routing::instant now);
  /// The tickets of `unit` in `p` counted by any of `which`, sorted.
  std::vector<std::string> tickets(const ev::period& p, const std::string& unit,
                                   const std::vector<ev::count>& which, routing::instant now);

 private:
  /// The facts of the tickets of `p` still in Redis, without those
  /// archived meanwhile.
  std::vector<ev::fact> live_facts(const ev::period& p, routing::instant now,
                                   std::size_t* tickets = nullptr);

  redis::store& store_;
  redis::pool& pool_;
  archive::pg_pool* archive_;
  const config::hotline_config& cfg_;
  routing::policy policy_;
};

/// One unit's line as JSON: unit_id, name, kind, every count, the
/// knowledge-base upkeep, every rate (4 decimals, null without a
/// denominator), score, rank.
nlohmann::json line_json(const ev::line& l, const routing::directory& dir);
/// The report as JSON ({period, as_of, units: [...]}) and as CSV (a header
/// and one row per unit, the same keys and values), keeping `f`'s lines.
nlohmann::json report_json(const report& r, const routing::directory& dir, const filter& f);
std::string report_csv(const report& r, const routing::directory& dir, const filter& f);

} // namespace hotline::evaluation
