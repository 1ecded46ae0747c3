// Issue 14: the archive and the evaluation measured (bench/run phase 12;
// docs/PERFORMANCE.md). A private redis-server and PostgreSQL in a temp
// dir (both die with the bench):
//   1. N closed tickets, each a whole lifecycle (registered, dispatched,
//      accepted, replied, called back, closed) appended as hotlined's
//      ticket actors append them; then the archiver (adapters/archive, with
//      the evaluation facts in the same transactions) moves them all to
//      PostgreSQL: tickets/s, and Redis's used_memory per ticket afterwards
//      against before they were written (≈ 0 when nothing stays behind).
//   2. M facts rows of one month generated in PostgreSQL (INSERT … SELECT
//      generate_series over 1,000 townships, not through the API), then
//      the month's full evaluation as GET /api/v1/evaluation runs it
//      (adapters/evaluation: the archive's GROUP BY, Redis, knowledge
//      base, rates, scores, ranks), timed cold once and warm 3 times.
//
// Prints key=value lines:
//   archive_tickets, archive_events_per_ticket, archive_tickets_per_s, redis_keys_after_archive,
//   redis_bytes_per_closed_ticket (after archiving), redis_bytes_per_closed_ticket_before
//   evaluation_facts, evaluation_insert_s, evaluation_units, evaluation_cold_ms, evaluation_ms
//   (median of 3)
//
// Usage: archive_bench --config DIR [--tickets N] [--per-day D] [--facts M] [--work DIR]
// (D tickets closed a day, 10,000 by default; issue 14's Beijing-size city
// closes about 30,000 a day. Each batch recomputes its day's Merkle root
// over the whole day, so the rate depends on D.)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "adapters/archive/archiver.hpp"
#include "adapters/archive/embedded_pg.hpp"
#include "adapters/cluster/coordination.hpp"
#include "adapters/config/loader.hpp"
#include "adapters/evaluation/evaluator.hpp"
#include "adapters/redis/embedded.hpp"

using namespace hotline;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

long long used_memory(redis::pool& pool) {
  auto c = pool.acquire();
  auto r = c->command({"MEMORY", "STATS"});
  redis::check(r.get(), "MEMORY STATS");
  // MEMORY STATS: "total.allocated" is used_memory.
  for (std::size_t i = 0; i + 1 < r->elements; i += 2)
    if (redis::reply_string(r->element[i]) == "total.allocated")
      return redis::reply_integer(r->element[i + 1]);
  return -1;
}

// One complaint's whole life as the workflow decides it, at `t`.
std::vector<routing::event> lifecycle(const routing::policy& p, const std::string& unit,
                                      const std::string& supervisor, routing::instant t) {
  std::vector<routing::event> out;
  routing::ticket_state s;
  auto run = [&](const routing::command& c, routing::instant now) {
    auto d = routing::decide(s, c, now, p);
    for (const auto& e : std::get<std::vector<routing::event>>(d)) {
      out.push_back(e);
      s = routing::apply(std::move(s), e);
    }
  };
  routing::register_demand r;
  r.intake.request_id = "bench";
  r.intake.kind = routing::demand_kind::complaint;
  r.intake.category = "env.noise";
  r.intake.content = "夜间施工噪音扰民，请尽快处理";
  r.intake.address = "重庆市渝中区解放碑街道民族路188号";
  r.intake.caller_sealed = std::string(96, 'x'); // a sealed caller's size
  routing::assignment a;
  a.unit_id = unit;
  a.supervisor_id = supervisor;
  a.reasons.push_back({"M-RT-1", "属地：解放碑街道"});
  r.route = a;
  run(r, t);
  run(routing::accept_ticket{unit}, t + 3'600'000);
  run(routing::reply_ticket{unit, "已责令施工单位夜间停工，并安排巡查。"}, t + 86'400'000);
  run(routing::record_callback{routing::satisfaction::satisfied, true}, t + 2 * 86'400'000);
  return out;
}

} // namespace

int main(int argc, char** argv) {
  std::string config_dir = "config/chongqing", work;
  std::size_t tickets = 20000, facts_n = 1000000, per_day = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--config")
      config_dir = v;
    else if (k == "--tickets")
      tickets = std::stoul(v);
    else if (k == "--facts")
      facts_n = std::stoul(v);
    else if (k == "--per-day")
      per_day = std::max<std::size_t>(1, std::stoul(v));
    else if (k == "--work")
      work = v;
    else {
      std::cerr << "archive_bench: unknown option " << k << "\n";
      return 2;
    }
  }
  const auto cfg = config::load(config_dir);
  const auto pol = config::policy_of(cfg);
  const fs::path dir
      = work.empty() ? fs::temp_directory_path() / ("archive-bench-" + std::to_string(::getpid()))
                     : fs::path(work);
  fs::create_directories(dir);
  {
    redis::embedded_options ro;
    ro.data_dir = dir / "r";
    ro.die_with_parent = true;
    redis::embedded_redis rs(ro);
    archive::embedded_pg_options po;
    po.data_dir = dir / "p";
    po.die_with_parent = true;
    archive::embedded_pg pg(po);

    redis::pool pool(rs.where(), 4);
    redis::store store(pool);
    cluster::ownership own("bench", store.partitions());
    cluster::own_every_partition(pool, own);
    archive::pg_pool pgp(pg.conninfo(), 2);
    archive::tables tables(pgp);
    tables.ensure_schema();
    tables.derive_facts(archive::derive_with(pol, cfg.evaluation, cfg.directory));

    // --- 1. archive throughput -------------------------------------------------
    const auto* street = cfg.directory.find_unit("500103003");
    const routing::instant t0 = *routing::parse_instant("2026-11-02T09:00:00+08:00");
    const long long before = used_memory(pool);
    std::size_t events_per_ticket = 0;
    for (std::size_t i = 0; i < tickets; ++i) {
      // per_day tickets a day (their closes spread over consecutive days),
      // numbered by their day, as the office numbers them.
      const routing::instant t = t0 + static_cast<long long>(i / per_day) * 86'400'000
                                 + static_cast<long long>(i % per_day);
      const auto date = routing::format_date(routing::shanghai_date(t));
      const auto seq = std::to_string(i % per_day + 1);
      const std::string no = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2) + "-"
                             + std::string(seq.size() < 6 ? 6 - seq.size() : 0, '0') + seq;
      const auto events = lifecycle(pol, street->id, street->supervisor, t);
      events_per_ticket = events.size();
      const auto fence = own.fence(store.partition_of(no));
      const auto r = store.append(no, 0, {}, events, "", nullptr, fence);
      if (r.result != redis::append_result::outcome::appended) {
        std::cerr << "archive_bench: append of " << no << " failed\n";
        return 1;
      }
    }
    const long long loaded = used_memory(pool);
    archive::archiver_options ao;
    ao.after = std::chrono::milliseconds(0);
    archive::archiver arch(
        store, tables, own, [] { return routing::instant(4'000'000'000'000); }, ao);
    const auto a0 = clock_type::now();
    std::size_t moved = 0;
    while (const auto n = arch.run_once())
      moved += n;
    const double archive_ms = ms_since(a0);
    const long long after = used_memory(pool);
    long long keys_after = -1;
    {
      auto c = pool.acquire();
      auto r = c->command({"DBSIZE"});
      keys_after = redis::reply_integer(r.get());
    }
    std::cout << "archive_tickets=" << moved << "\n";
    std::cout << "archive_events_per_ticket=" << events_per_ticket << "\n";
    std::printf("archive_tickets_per_s=%.0f\n", moved / (archive_ms / 1000.0));
    std::printf("redis_bytes_per_closed_ticket_before=%.0f\n",
                static_cast<double>(loaded - before) / std::max<std::size_t>(1, tickets));
    std::cout << "redis_keys_after_archive=" << keys_after << "\n";
    std::printf("redis_bytes_per_closed_ticket=%.1f\n",
                static_cast<double>(after - before) / std::max<std::size_t>(1, tickets));
    std::cout << std::flush;

    // --- 2. one month's evaluation over generated facts -------------------------
    std::string units = "ARRAY[";
    std::size_t k = 0;
    for (const auto& u : cfg.directory.units())
      if (u.kind == routing::unit_kind::township && k < 1000)
        units += std::string(k++ ? "," : "") + "'" + u.id + "'";
    units += "]";
    const auto i0 = clock_type::now();
    {
      auto c = pgp.acquire();
      // Deterministic outcomes: 90 % responded, 80 % on time, 10 % overdue
      // (the rest unanswered), 70 % called back, of which most satisfied.
      c->exec("INSERT INTO hl_archive_facts (ticket_no, unit, role, month, received, responded,"
              " returned, answered, answered_on_time, overdue, called_back, satisfied, resolved,"
              " reopened, extensions_requested, extensions_granted, supervised, noticed)"
              " SELECT 'B' || g, ("
              + units + ")[1 + g % " + std::to_string(k)
              + "], 'sole', '2026-11', 1,"
                " (g % 10 <> 0)::int, (g % 50 = 0)::int, (g % 10 <> 9)::int, (g % 10 < 8)::int,"
                " (g % 10 = 8)::int, (g % 10 < 7)::int, (g % 10 < 6)::int, (g % 10 < 6)::int,"
                " (g % 20 = 0)::int, (g % 25 = 0)::int, (g % 30 = 0)::int, (g % 10 = 8)::int,"
                " (g % 100 = 8)::int FROM generate_series(1, "
              + std::to_string(facts_n) + ") g");
      c->exec("ANALYZE hl_archive_facts");
    }
    std::printf("evaluation_facts=%zu\nevaluation_insert_s=%.1f\n", facts_n, ms_since(i0) / 1000.0);
    hotline::evaluation::evaluator e(store, pool, &pgp, cfg);
    const auto period = *routing::evaluation::parse_period("2026-11");
    const auto now = *routing::parse_instant("2026-12-01T09:00:00+08:00");
    auto c0 = clock_type::now();
    auto report = e.evaluate(period, now);
    const double cold = ms_since(c0);
    std::vector<double> warm;
    for (int i = 0; i < 3; ++i) {
      c0 = clock_type::now();
      report = e.evaluate(period, now);
      warm.push_back(ms_since(c0));
    }
    std::sort(warm.begin(), warm.end());
    std::printf("evaluation_units=%zu\nevaluation_cold_ms=%.0f\nevaluation_ms=%.0f\n",
                report.lines.size(), cold, warm[1]);
  }
  fs::remove_all(dir);
  return 0;
}
