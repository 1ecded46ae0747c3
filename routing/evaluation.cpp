#include "routing/evaluation.hpp"

#include <algorithm>
#include <cmath>

#include "routing/names.hpp"

namespace hotline::routing::evaluation {

namespace {

constexpr name_table<handling_role, 3> roles{{{handling_role::lead, "lead"},
                                              {handling_role::sole, "sole"},
                                              {handling_role::cooperating, "cooperating"}}};

constexpr name_table<count, count_figures> count_names{{
    {count::received, "received"},
    {count::cooperated, "cooperated"},
    {count::responded, "responded"},
    {count::returned, "returned"},
    {count::answered, "answered"},
    {count::answered_on_time, "answered_on_time"},
    {count::overdue, "overdue"},
    {count::called_back, "called_back"},
    {count::satisfied, "satisfied"},
    {count::resolved, "resolved"},
    {count::reopened, "reopened"},
    {count::extensions_requested, "extensions_requested"},
    {count::extensions_granted, "extensions_granted"},
    {count::opinions_on_time, "opinions_on_time"},
    {count::opinions_late, "opinions_late"},
    {count::supervised, "supervised"},
    {count::noticed, "noticed"},
}};

// One rate: numerator / denominator (sums of counts); `inverted` rates
// enter the score as 1 − rate.
struct rate_def {
  std::string_view name;
  std::vector<count> num, den;
  bool inverted = false;
};

const std::vector<rate_def>& rate_defs() {
  using c = count;
  static const std::vector<rate_def> defs{
      {"response_rate", {c::responded}, {c::received}},
      {"on_time_rate", {c::answered_on_time}, {c::answered_on_time, c::overdue}},
      {"resolution_rate", {c::resolved}, {c::called_back}},
      {"satisfaction_rate", {c::satisfied}, {c::called_back}},
      {"opinion_on_time_rate", {c::opinions_on_time}, {c::opinions_on_time, c::opinions_late}},
      {"return_rate", {c::returned}, {c::received}, true},
      {"reopen_rate", {c::reopened}, {c::answered}, true},
  };
  return defs;
}

constexpr std::string_view kb_rate = "kb_review_rate";

long long sum(const counts& n, const std::vector<count>& which) {
  long long s = 0;
  for (auto c : which)
    s += n[static_cast<std::size_t>(c)];
  return s;
}

double round2(double x) {
  return std::round(x * 100.0) / 100.0;
}

// The facts of one ticket as its events are walked: a row per unit and
// role, and what the current handling round of the lead is waiting for.
struct walker {
  const std::string& no;
  const policy& p;
  const rules& r;
  std::vector<fact> rows;
  ticket_state s;
  // The lead of the current round, and its response deadline if it has
  // not responded yet.
  std::optional<instant> response_due;
  bool round_open = false;
  std::map<std::string, bool> opinion_pending; // cooperating unit → waiting

  fact& row(const std::string& unit, handling_role part, instant at) {
    for (auto& f : rows)
      if (f.unit == unit && f.part == part)
        return f;
    fact f;
    f.ticket_no = no;
    f.unit = unit;
    f.part = part;
    f.month = month_of(at);
    rows.push_back(std::move(f));
    return rows.back();
  }
  fact* lead_row() {
    if (!s.assignment)
      return nullptr;
    const auto part = s.assignment->cooperating.empty() ? handling_role::sole : handling_role::lead;
    return &row(s.assignment->unit_id, part, s.assignment->at);
  }
  static void set(fact& f, count c, long long v = 1) { f.n[static_cast<std::size_t>(c)] = v; }
  static void bump(fact& f, count c) { ++f.n[static_cast<std::size_t>(c)]; }
  instant due() const { return current_deadline(*s.assignment, *p.cal).due; }

  void respond(instant at) {
    if (response_due && at <= *response_due)
      set(*lead_row(), count::responded);
    response_due.reset();
  }

  // Before `e` is applied to `s`.
  void see(const event& e) {
    std::visit(overloaded{
                   [&](const dispatched& d) {
                     const auto part
                         = d.cooperating.empty() ? handling_role::sole : handling_role::lead;
                     auto& f = row(d.unit_id, part, d.at);
                     if (f[count::received] == 0) { // first receipt: the response counts
                       set(f, count::received);
                       response_due = p.cal->add_working_days(d.at, r.response_working_days).due;
                     }
                     round_open = true;
                     opinion_pending.clear();
                     for (const auto& c : d.cooperating) {
                       set(row(c, handling_role::cooperating, d.at), count::cooperated);
                       opinion_pending[c] = true;
                     }
                   },
                   [&](const accepted& x) { respond(x.at); },
                   [&](const returned& x) {
                     if (auto* f = lead_row()) {
                       respond(x.at);
                       set(*f, count::returned);
                     }
                     round_open = false;
                     opinion_pending.clear();
                   },
                   [&](const replied& x) {
                     if (auto* f = lead_row()) {
                       set(*f, count::answered);
                       if (x.at > due())
                         set(*f, count::overdue);
                     }
                     round_open = false;
                   },
                   [&](const reopened&) {
                     if (auto* f = lead_row())
                       set(*f, count::reopened);
                   },
                   [&](const called_back& x) {
                     if (auto* f = lead_row()) {
                       set(*f, count::called_back);
                       set(*f, count::satisfied, x.result != satisfaction::not_satisfied);
                       set(*f, count::resolved, x.resolved);
                     }
                   },
                   [&](const extension_requested& x) {
                     if (s.assignment && x.unit_id == s.assignment->unit_id)
                       bump(*lead_row(), count::extensions_requested);
                   },
                   [&](const extension_decided& x) {
                     if (x.approved && s.assignment)
                       bump(*lead_row(), count::extensions_granted);
                   },
                   [&](const opinion_submitted& x) {
                     if (!s.assignment || !opinion_pending.count(x.unit_id))
                       return;
                     auto& f = row(x.unit_id, handling_role::cooperating, s.assignment->at);
                     set(f, x.at <= opinion_deadline(s, p) ? count::opinions_on_time
                                                           : count::opinions_late);
                     opinion_pending.erase(x.unit_id);
                   },
                   [&](const escalated& x) {
                     if (x.level == escalation_level::reminder || !s.assignment)
                       return;
                     const count c
                         = x.level == escalation_level::notice ? count::noticed : count::supervised;
                     if (x.unit.empty())
                       set(*lead_row(), c);
                     else
                       set(row(x.unit, handling_role::cooperating, s.assignment->at), c);
                   },
                   [&](const auto&) {},
               },
               e);
  }

  // As of `as_of`: a round still waiting past its deadline is overdue; a
  // cooperating opinion still missing past its sub-deadline is late.
  void finish(instant as_of) {
    if (s.assignment && round_open && s.open()) {
      if (as_of > due())
        set(*lead_row(), count::overdue);
      const instant sub = opinion_deadline(s, p);
      for (const auto& [unit, waiting] : opinion_pending)
        if (waiting && as_of > sub)
          set(row(unit, handling_role::cooperating, s.assignment->at), count::opinions_late);
    }
    for (auto& f : rows)
      if (f[count::answered] && !f[count::overdue] && !f[count::returned])
        set(f, count::answered_on_time);
  }
};

} // namespace

std::string_view to_string(handling_role r) {
  return name_of(roles, r);
}
std::optional<handling_role> parse_role(std::string_view s) {
  return parse_of(roles, s);
}
std::string_view to_string(count c) {
  return name_of(count_names, c);
}
std::optional<count> parse_count(std::string_view s) {
  return parse_of(count_names, s);
}

const std::vector<std::string_view>& rate_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& d : rate_defs())
      out.push_back(d.name);
    out.push_back(kb_rate);
    return out;
  }();
  return names;
}

std::optional<rate_parts> parts_of(std::string_view rate) {
  for (const auto& d : rate_defs())
    if (d.name == rate)
      return rate_parts{d.num, d.den};
  return std::nullopt;
}

std::string month_of(instant t) {
  return format_date(shanghai_date(t)).substr(0, 7);
}

std::vector<fact> facts_of(const std::string& ticket_no, const std::vector<event>& events,
                           const policy& p, const rules& r, instant as_of) {
  walker w{ticket_no, p, r, {}, {}, std::nullopt, false, {}};
  for (const auto& e : events) {
    w.see(e);
    w.s = apply(std::move(w.s), e);
  }
  w.finish(as_of);
  return std::move(w.rows);
}

std::optional<period> parse_period(std::string_view s) {
  const auto digits = [](std::string_view x) {
    return !x.empty()
           && std::all_of(x.begin(), x.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (s.size() == 4 && digits(s) && s >= "1970")
    return period{std::string(s), std::string(s) + "-01", std::string(s) + "-12"};
  if (s.size() == 7 && s[4] == '-' && digits(s.substr(0, 4)) && digits(s.substr(5))
      && parse_date(std::string(s) + "-01") && s >= "1970")
    return period{std::string(s), std::string(s), std::string(s)};
  return std::nullopt;
}

civil_date last_day(const period& p) {
  // The first day of the month after the last, minus one day.
  auto first = *parse_date(p.last_month + "-01");
  civil_date next = first;
  next.month = first.month == 12 ? 1 : first.month + 1;
  next.year = first.month == 12 ? first.year + 1 : first.year;
  return add_days(next, -1);
}

std::map<std::string, kb_upkeep> kb_of(const std::vector<kb::article>& all, civil_date as_of) {
  std::map<std::string, kb_upkeep> out;
  for (const auto& a : all) {
    if (!a.exists() || a.is_retired || !a.published)
      continue;
    auto& k = out[a.owner];
    ++k.articles;
    k.overdue_reviews += kb::review_overdue(a, as_of) ? 1 : 0;
  }
  return out;
}

void add(counts& into, const counts& more) {
  for (std::size_t i = 0; i < count_figures; ++i)
    into[i] += more[i];
}

std::vector<line> evaluate(const std::map<std::string, counts>& by_unit,
                           const std::map<std::string, kb_upkeep>& kb, const directory& dir,
                           const rules& r) {
  std::map<std::string, line> lines;
  for (const auto& [unit, n] : by_unit)
    lines[unit].n = n;
  for (const auto& [unit, k] : kb)
    if (k.articles > 0)
      lines[unit].kb = k;
  std::vector<line> out;
  for (auto& [unit, l] : lines) {
    l.unit = unit;
    const auto* u = dir.find_unit(unit);
    l.kind = u ? u->kind : unit_kind::office;
    double weighted = 0, weights = 0;
    auto take = [&](std::string_view name, std::optional<double> v, bool inverted) {
      l.rates[std::string(name)] = v;
      const auto w = r.weights.find(std::string(name));
      if (v && w != r.weights.end() && w->second > 0) {
        weighted += w->second * (inverted ? 1.0 - *v : *v);
        weights += w->second;
      }
    };
    for (const auto& d : rate_defs()) {
      const long long den = sum(l.n, d.den);
      take(d.name,
           den > 0 ? std::optional<double>(static_cast<double>(sum(l.n, d.num)) / den)
                   : std::nullopt,
           d.inverted);
    }
    take(kb_rate,
         l.kb.articles > 0 ? std::optional<double>(
             static_cast<double>(l.kb.articles - l.kb.overdue_reviews) / l.kb.articles)
                           : std::nullopt,
         false);
    if (weights > 0)
      l.score = round2(100.0 * weighted / weights);
    out.push_back(std::move(l));
  }
  // Ranks within each kind, on the score as shown (2 decimals): an equal
  // shown score is an equal rank (1, 2, 2, 4).
  for (auto& l : out) {
    if (!l.score || l[count::received] < r.min_received || l.kind == unit_kind::office)
      continue;
    int better = 0;
    for (const auto& o : out)
      if (o.kind == l.kind && o.score && o[count::received] >= r.min_received
          && *o.score > *l.score)
        ++better;
    l.rank = better + 1;
  }
  std::stable_sort(out.begin(), out.end(), [](const line& a, const line& b) {
    if (a.kind != b.kind)
      return a.kind < b.kind;
    if (a.rank.has_value() != b.rank.has_value())
      return a.rank.has_value();
    if (a.rank && *a.rank != *b.rank)
      return *a.rank < *b.rank;
    return a.unit < b.unit;
  });
  return out;
}

} // namespace hotline::routing::evaluation
