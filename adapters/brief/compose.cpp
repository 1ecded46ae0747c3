#include "adapters/brief/compose.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <cmath>
#include <limits>

namespace hotline::brief {

namespace {

namespace r = routing;
namespace v = routing::volume;

std::string count_text(long long n) {
  std::string s = std::to_string(n), out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0)
      out += ',';
    out += s[i];
  }
  return out;
}

std::string share(long long n, long long of) {
  return of > 0 ? percent(static_cast<double>(n) / static_cast<double>(of)) : "—";
}

std::string opt_percent(const std::optional<double>& v) {
  return v ? percent(*v) : "—";
}

std::string unit_name(const r::directory& dir, const std::string& id) {
  const auto* u = dir.find_unit(id);
  return u ? u->name : id;
}

std::string date_zh(r::civil_date d) {
  return std::to_string(d.year) + "年" + std::to_string(d.month) + "月" + std::to_string(d.day)
         + "日";
}

// One dimension of the tally: a bar chart of its largest entries and the
// table of all, with shares.
section breakdown(std::string title, std::string note, std::string id, std::string column,
                  const std::map<std::string, long long>& counts, long long total,
                  const std::function<std::string(const std::string&)>& label) {
  section s;
  s.title = std::move(title);
  s.note = std::move(note);
  s.data.id = std::move(id);
  s.data.columns = {std::move(column), "件数", "占比"};
  chart c;
  c.unit = "件";
  for (const auto& [key, n] : v::top(counts, counts.size())) {
    const auto name = label(key);
    c.points.push_back({name, static_cast<double>(n)});
    s.data.rows.push_back({name, count_text(n), share(n, total)});
  }
  s.figure = c;
  return s;
}

} // namespace

document compose(const inputs& in, const r::directory& dir) {
  const auto& t = in.tally;
  document d;
  const auto& p = in.period;
  d.title = "重庆市12345政务服务便民热线 "
            + std::string(p.daily ? "日报 " + date_zh(p.from)
                                  : "月报 " + std::to_string(p.from.year) + "年"
                                        + std::to_string(p.from.month) + "月");
  d.period
      = p.daily ? r::format_date(p.from) : r::format_date(p.from) + " 至 " + r::format_date(p.to);
  d.generated = in.generated;

  long long callbacks = 0, satisfied = 0;
  for (const auto& [day, c] : t.callbacks) {
    callbacks += c.callbacks;
    satisfied += c.satisfied;
  }
  d.headline
      = {{"受理诉求", count_text(t.demands)},    {"即时办结", count_text(t.at_once)},
         {"派发工单", count_text(t.dispatched)}, {"已办结", count_text(t.closed)},
         {"回访", count_text(callbacks)},        {"回访满意率", share(satisfied, callbacks)}};

  d.sections.push_back(breakdown("按诉求类型", "咨询、求助、投诉、举报、建议五类诉求（M-S-1）。",
                                 "by_kind", "诉求类型", t.by_kind, t.demands,
                                 [](const std::string& k) {
                                   const auto kind = r::parse_demand_kind(k);
                                   return kind ? std::string(r::label_zh(*kind)) : k;
                                 }));
  d.sections.push_back(breakdown("按事项分类", "", "by_category", "事项分类", t.by_category,
                                 t.demands, [&](const std::string& code) {
                                   const auto* c = dir.find_category(code);
                                   return c ? c->name : code;
                                 }));
  d.sections.push_back(
      breakdown("按区县", "按工单首次派发单位的属地统计；即时办结和市级部门承办的诉求不计属地。",
                "by_district", "区县", t.by_district, t.demands, [&](const std::string& code) {
                  return code.empty() ? std::string("不分属地") : unit_name(dir, code);
                }));
  d.sections.push_back(breakdown("按受理渠道", "电话、网站、移动端、微信与系统对接（M-P-2）。",
                                 "by_channel", "渠道", t.by_channel, t.demands,
                                 [](const std::string& k) {
                                   const auto c = r::parse_channel(k);
                                   return c ? std::string(r::label_zh(*c)) : k;
                                 }));

  section hot;
  hot.title = "热点";
  hot.note = "同一乡镇（街道）同一事项诉求最多的十处。";
  hot.data = {"hotspots", {"乡镇（街道）", "区县", "事项", "件数"}, {}};
  for (const auto& [where, n] : v::top(t.hotspots, 10)) {
    const auto* town = dir.find_unit(where.first);
    const auto* cat = dir.find_category(where.second);
    hot.data.rows.push_back({town ? town->name : where.first,
                             town ? unit_name(dir, town->district) : "",
                             cat ? cat->name : where.second, count_text(n)});
  }
  d.sections.push_back(hot);

  // M-E-1: the units' figures, best by score and slowest by on-time rate,
  // among the ranked (enough tickets to be compared).
  std::vector<const unit_figures*> ranked;
  for (const auto& u : in.units)
    if (u.rank && u.score)
      ranked.push_back(&u);
  auto unit_table = [&](std::string id, std::vector<const unit_figures*> rows) {
    table tab{std::move(id),
              {"单位", "类别", "受理", "按时办理率", "满意率", "综合得分", "类内排名"},
              {}};
    for (const auto* u : rows) {
      char score[16];
      std::snprintf(score, sizeof score, "%.2f", *u->score);
      tab.rows.push_back({unit_name(dir, u->unit_id), u->kind, count_text(u->received),
                          opt_percent(u->on_time_rate), opt_percent(u->satisfaction_rate), score,
                          std::to_string(*u->rank)});
    }
    return tab;
  };
  auto best = ranked;
  std::stable_sort(best.begin(), best.end(),
                   [](const auto* a, const auto* b) { return *a->score > *b->score; });
  best.resize(std::min<std::size_t>(best.size(), 10));
  section best_s{"表现最好的单位",
                 "综合得分最高的十个单位（考核办法见 docs/EVALUATION.md，M-E-1）。", std::nullopt,
                 unit_table("units_best", best)};
  chart sc;
  sc.unit = "分";
  for (const auto* u : best)
    sc.points.push_back({unit_name(dir, u->unit_id), *u->score});
  best_s.figure = sc;
  d.sections.push_back(best_s);
  auto slow = ranked;
  const double none = std::numeric_limits<double>::infinity();
  std::stable_sort(slow.begin(), slow.end(), [&](const auto* a, const auto* b) {
    return a->on_time_rate.value_or(none) < b->on_time_rate.value_or(none);
  });
  slow.erase(
      std::remove_if(slow.begin(), slow.end(), [](const auto* u) { return !u->on_time_rate; }),
      slow.end());
  slow.resize(std::min<std::size_t>(slow.size(), 10));
  d.sections.push_back({"办理最慢的单位", "按时办理率最低的十个单位。", std::nullopt,
                        unit_table("units_slowest", slow)});

  section warn;
  warn.title = "预警";
  warn.note = "本期发出的预警及其依据（M-D-1）。";
  warn.data = {"warnings", {"时间", "类型", "说明"}, {}};
  for (const auto& w : in.warnings)
    warn.data.rows.push_back({w.at, w.kind, w.text});
  d.sections.push_back(warn);

  // M-SV-2: the satisfaction of each day's callbacks; a day without any is
  // a gap in the line, not a zero.
  section trend;
  trend.title = "满意率趋势";
  trend.note = "每日回访中满意与基本满意的比例。";
  trend.data = {"satisfaction_trend", {"日期", "回访", "满意", "满意率"}, {}};
  chart line;
  line.kind = chart::shape::line;
  line.percent = true;
  for (auto day = in.trend_from; !(in.trend_to < day); day = r::add_days(day, 1)) {
    const auto it = in.trend.callbacks.find(day);
    const long long n = it == in.trend.callbacks.end() ? 0 : it->second.callbacks;
    const long long ok = it == in.trend.callbacks.end() ? 0 : it->second.satisfied;
    const auto label = r::format_date(day).substr(5);
    line.points.push_back({label, n ? static_cast<double>(ok) / static_cast<double>(n)
                                    : std::numeric_limits<double>::quiet_NaN()});
    trend.data.rows.push_back({r::format_date(day), count_text(n), count_text(ok), share(ok, n)});
  }
  trend.figure = line;
  d.sections.push_back(trend);
  return d;
}

} // namespace hotline::brief
