#include "adapters/brief/gather.hpp"

#include <algorithm>

#include "adapters/archive/demands.hpp"
#include "adapters/archive/facts.hpp"
#include "adapters/evaluation/evaluator.hpp"

namespace hotline::brief {

namespace r = routing;
namespace v = routing::volume;
namespace ev = routing::evaluation;

namespace {

std::string minute_text(r::instant t) {
  const auto s = r::format_instant(t); // 2026-12-01T08:00:00+08:00
  return s.substr(0, 10) + " " + s.substr(11, 5);
}

} // namespace

inputs gather(redis::store& store, redis::pool& pool, archive::pg_pool* archive,
              const config::hotline_config& cfg, const v::span& period, r::instant now,
              const std::vector<r::warn::warning>& warnings) {
  inputs in;
  in.period = period;
  in.generated = minute_text(now);
  for (const auto& w : warnings)
    in.warnings.push_back({minute_text(w.at), std::string(r::warn::label_zh(w.kind)), w.reason});
  in.trend_to = period.to;
  in.trend_from = period.daily ? r::add_days(period.to, -(trend_days - 1)) : period.from;

  // Demands still in Redis: those received by the period's end (a callback
  // of the period may be about an older demand). A closed ticket archived
  // between this read and the SQL below would count twice: PostgreSQL's
  // row wins.
  std::vector<v::demand> live;
  std::vector<std::string> closed;
  store.each_ticket_until(period.to, [&](const std::string& no, const auto& events) {
    auto d = v::demand_of(no, events, cfg.directory);
    if (!d)
      return;
    if (d->closed)
      closed.push_back(no);
    live.push_back(std::move(*d));
  });
  if (archive && !closed.empty()) {
    const auto gone = archive::facts(*archive).archived(closed);
    live.erase(std::remove_if(live.begin(), live.end(),
                              [&](const v::demand& d) { return gone.count(d.ticket_no) > 0; }),
               live.end());
  }
  for (const auto& d : live) {
    v::add(in.tally, d, period.from, period.to);
    v::add(in.trend, d, in.trend_from, in.trend_to);
  }
  if (archive) {
    archive::demands(*archive).tally(in.tally, period.from, period.to);
    archive::demands(*archive).tally(in.trend, in.trend_from, in.trend_to);
  }

  // M-E-1: the units of the period's month, as of its end (or now).
  const auto month = ev::parse_period(r::format_date(period.from).substr(0, 7));
  const auto end = r::shanghai_midnight(r::add_days(period.to, 1)) - 1;
  evaluation::evaluator e(store, pool, archive, cfg);
  const auto report = e.evaluate(*month, std::min(now, end));
  for (const auto& l : report.lines) {
    auto rate = [&](const char* name) -> std::optional<double> {
      const auto it = l.rates.find(name);
      return it == l.rates.end() ? std::nullopt : it->second;
    };
    in.units.push_back({l.unit, std::string(r::label_zh(l.kind)), l[ev::count::received],
                        rate("on_time_rate"), rate("satisfaction_rate"), l.score, l.rank});
  }
  return in;
}

} // namespace hotline::brief
