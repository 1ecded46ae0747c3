#include "adapters/evaluation/evaluator.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "adapters/knowledge/store.hpp"
#include "adapters/redis/codec.hpp"

namespace hotline::evaluation {

using nlohmann::json;

evaluator::evaluator(redis::store& store, redis::pool& pool, archive::pg_pool* archive,
                     const config::hotline_config& cfg)
    : store_(store), pool_(pool), archive_(archive), cfg_(cfg), policy_(config::policy_of(cfg)) {}

std::vector<ev::fact> evaluator::live_facts(const ev::period& p, routing::instant now,
                                            std::size_t* tickets) {
  // Redis holds the open work and the tickets closed in the last days
  // (hl:tickets). A ticket numbered after the period ends was received
  // after it too: skipped unread.
  std::vector<ev::fact> out;
  std::vector<std::string> closed;
  store_.each_ticket_until(ev::last_day(p), [&](const std::string& no, const auto& events) {
    bool counted = false;
    for (auto& f : ev::facts_of(no, events, policy_, cfg_.evaluation, now))
      if (p.contains(f.month)) {
        out.push_back(std::move(f));
        counted = true;
      }
    if (counted && tickets)
      ++*tickets;
    if (counted && std::holds_alternative<routing::closed>(events.back()))
      closed.push_back(no);
  });
  // A closed ticket archived between the read above and the archive's sums
  // would count twice: PostgreSQL's copy wins.
  if (archive_ && !closed.empty()) {
    const auto gone = archive::facts(*archive_).archived(closed);
    if (!gone.empty())
      out.erase(std::remove_if(out.begin(), out.end(),
                               [&](const ev::fact& f) { return gone.count(f.ticket_no) > 0; }),
                out.end());
  }
  return out;
}

report evaluator::evaluate(const ev::period& p, routing::instant now) {
  report r;
  r.p = p;
  r.as_of = now;
  const auto live = live_facts(p, now, &r.live_tickets);
  std::map<std::string, ev::counts> by_unit;
  if (archive_)
    by_unit = archive::facts(*archive_).sums(p);
  for (const auto& f : live)
    ev::add(by_unit[f.unit], f.n);
  // M-KB-2: upkeep as of the period's last day, or today if earlier.
  const auto today = routing::shanghai_date(now);
  const auto end = ev::last_day(p);
  const auto as_of = routing::format_date(today) < routing::format_date(end) ? today : end;
  const auto kb = ev::kb_of(knowledge::store(pool_).articles(), as_of);
  r.lines = ev::evaluate(by_unit, kb, cfg_.directory, cfg_.evaluation);
  return r;
}

std::vector<std::string> evaluator::tickets(const ev::period& p, const std::string& unit,
                                            const std::vector<ev::count>& which,
                                            routing::instant now) {
  std::set<std::string> out;
  if (archive_)
    for (auto& no : archive::facts(*archive_).tickets(p, unit, which))
      out.insert(std::move(no));
  for (const auto& f : live_facts(p, now)) {
    if (f.unit != unit)
      continue;
    for (const auto w : which)
      if (f[w] > 0)
        out.insert(f.ticket_no);
  }
  return {out.begin(), out.end()};
}

namespace {

json rate_value(const std::optional<double>& v) {
  if (!v)
    return nullptr;
  return std::round(*v * 10000.0) / 10000.0;
}

} // namespace

json line_json(const ev::line& l, const routing::directory& dir) {
  const auto* u = dir.find_unit(l.unit);
  json j{{"unit_id", l.unit},
         {"unit_name", u ? u->name : l.unit},
         {"kind", u ? std::string(routing::to_string(l.kind)) : "unknown"}};
  for (std::size_t i = 0; i < ev::count_figures; ++i)
    j[std::string(ev::to_string(static_cast<ev::count>(i)))] = l.n[i];
  j["kb_articles"] = l.kb.articles;
  j["kb_overdue_reviews"] = l.kb.overdue_reviews;
  for (const auto name : ev::rate_names()) {
    const auto it = l.rates.find(std::string(name));
    j[std::string(name)] = it == l.rates.end() ? json(nullptr) : rate_value(it->second);
  }
  j["score"] = l.score ? json(*l.score) : json(nullptr);
  j["rank"] = l.rank ? json(*l.rank) : json(nullptr);
  return j;
}

json report_json(const report& r, const routing::directory& dir, const filter& f) {
  json units = json::array();
  for (const auto& l : r.lines)
    if (f.keeps(l))
      units.push_back(line_json(l, dir));
  return {{"period", r.p.text},
          {"from_month", r.p.first_month},
          {"to_month", r.p.last_month},
          {"as_of", routing::format_instant(r.as_of)},
          {"units", units}};
}

std::string report_csv(const report& r, const routing::directory& dir, const filter& f) {
  // The keys of line_json in the order it builds them (nlohmann::json
  // sorts its keys).
  std::ostringstream out;
  std::vector<std::string> keys{"unit_id", "unit_name", "kind"};
  for (std::size_t i = 0; i < ev::count_figures; ++i)
    keys.emplace_back(ev::to_string(static_cast<ev::count>(i)));
  keys.insert(keys.end(), {"kb_articles", "kb_overdue_reviews"});
  for (const auto name : ev::rate_names())
    keys.emplace_back(name);
  keys.insert(keys.end(), {"score", "rank"});
  out << "period";
  for (const auto& k : keys)
    out << "," << k;
  out << "\n";
  for (const auto& l : r.lines) {
    if (!f.keeps(l))
      continue;
    const auto j = line_json(l, dir);
    out << r.p.text;
    for (const auto& k : keys) {
      const auto& v = j[k];
      out << ",";
      if (v.is_null())
        continue;
      if (v.is_string()) {
        // Names hold no comma or quote today; quote them anyway (RFC 4180).
        std::string s = v.get<std::string>(), q;
        for (char ch : s)
          q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        out << '"' << q << '"';
      } else {
        out << v.dump();
      }
    }
    out << "\n";
  }
  return out.str();
}

} // namespace hotline::evaluation
