// Issue 14 item 4 (M-D-1): the office's live overview and the early
// warnings. Both read Redis (adapters/monitor), never a node's memory, so
// every node of a cluster answers the same.
#include <algorithm>
#include <limits>

#include "adapters/http/handlers/common.hpp"
#include "adapters/monitor/overview.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
using nlohmann::json;

namespace {

monitor::detector& detector_of(const call_ptr& c) {
  if (!c->ctx.monitor)
    throw api_error{503, "unavailable", "warnings are not served by this node", ""};
  return *c->ctx.monitor;
}

// A bound of ?from= / ?to=: an ISO date (YYYY-MM-DD, its Shanghai midnight;
// for `to` the end of that day) or an ISO datetime with its offset.
r::instant bound(const call_ptr& c, const char* key, r::instant fallback, bool end_of_day) {
  const auto& q = c->req.query;
  auto i = q.find(key);
  if (i == q.end())
    return fallback;
  if (i->second.size() == 10) {
    if (auto d = r::parse_date(i->second))
      return r::shanghai_midnight(*d) + (end_of_day ? 24 * r::warn::hour_ms : 0);
  } else if (auto t = r::parse_instant(i->second)) {
    return *t;
  }
  throw api_error{422, "invalid_field",
                  "expected an ISO date (2026-11-30) or datetime (2026-11-30T10:00:00+08:00)", key};
}

json counts(const std::map<std::string, long long>& m) {
  json out = json::object();
  for (const auto& [k, n] : m)
    out[k] = n;
  return out;
}

// Named entries, largest first: district codes and unit ids.
json ranked(const std::map<std::string, long long>& m, const r::directory& dir,
            const char* id_key) {
  std::vector<std::pair<std::string, long long>> v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  json out = json::array();
  for (const auto& [id, n] : v) {
    const auto* u = dir.find_unit(id);
    json e{{id_key, id}, {"name", u ? u->name : (id == "-" ? "未分派" : "")}, {"open", n}};
    if (u && std::string(id_key) == "unit_id")
      e["kind"] = r::to_string(u->kind);
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace

// GET /api/v1/overview — open tickets by status, district, unit and kind of
// unit, due today, overdue, supervised, and the last hour's intake against
// the same hour of previous weeks (M-D-1).
void overview(const call_ptr& c) {
  with_storage(c, [c] {
    const auto& cfg = c->ctx.svc.config;
    const int weeks = cfg.warnings.intake_weeks;
    const auto now = c->ctx.svc.clk.now();
    monitor::overview o;
    {
      auto conn = c->ctx.pool.acquire();
      o = monitor::read_overview(*conn, monitor::keys{c->ctx.svc.store.prefix()}, now, weeks);
    }
    json previous = json::array();
    double total = 0;
    for (std::size_t w = 0; w < o.same_hour_weeks.size(); ++w) {
      const auto from
          = o.last_hour_from - static_cast<r::instant>(w + 1) * 7 * 24 * r::warn::hour_ms;
      previous.push_back({{"weeks_ago", w + 1},
                          {"from", r::format_instant(from)},
                          {"count", o.same_hour_weeks[w]}});
      total += double(o.same_hour_weeks[w]);
    }
    const double mean = weeks > 0 ? total / weeks : 0;
    json intake{{"last_hour",
                 {{"from", r::format_instant(o.last_hour_from)},
                  {"to", r::format_instant(o.last_hour_from + r::warn::hour_ms)},
                  {"count", o.last_hour}}},
                {"this_hour_so_far", o.this_hour},
                {"weeks", weeks},
                {"same_hour_previous_weeks", previous},
                {"previous_weeks_mean", mean}};
    intake["ratio"] = mean > 0 ? json(double(o.last_hour) / mean) : json(nullptr);
    const auto& dir = cfg.directory;
    c->reply(200, {{"at", r::format_instant(now)},
                   {"rule", "M-D-1"},
                   {"open", o.open},
                   {"by_status", counts(o.by_status)},
                   {"by_unit_kind", counts(o.by_unit_kind)},
                   {"by_district", ranked(o.by_district, dir, "district")},
                   {"by_unit", ranked(o.by_unit, dir, "unit_id")},
                   {"due_today", o.due_today},
                   {"overdue", o.overdue},
                   {"supervised", o.supervised},
                   {"intake", intake}});
  });
}

// GET /api/v1/warnings?from=&to=&limit= — the warnings found in the period
// (default: the last 24 hours), oldest first.
void warnings(const call_ptr& c) {
  auto& det = detector_of(c);
  const auto now = c->ctx.svc.clk.now();
  const auto to = bound(c, "to", now + 1, true);
  const auto from = bound(c, "from", to - 24 * r::warn::hour_ms, false);
  if (from >= to)
    throw api_error{422, "invalid_field", "must be before to", "from"};
  std::size_t limit = 500;
  if (auto i = c->req.query.find("limit"); i != c->req.query.end()) {
    const auto n = std::atoi(i->second.c_str());
    if (n < 1 || n > 5000 || std::to_string(n) != i->second)
      throw api_error{422, "invalid_field", "must be a number from 1 to 5000", "limit"};
    limit = static_cast<std::size_t>(n);
  }
  with_storage(c, [c, &det, from, to, limit] {
    json out = json::array();
    for (const auto& w : det.list(from, to, limit))
      out.push_back(monitor::to_json(w, c->ctx.svc.config.directory));
    c->reply(200,
             {{"from", r::format_instant(from)}, {"to", r::format_instant(to)}, {"warnings", out}});
  });
}

} // namespace hotline::http::handlers
