#include "routing/warnings.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "routing/directory.hpp"

namespace hotline::routing::warn {

namespace {

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

std::string scientific(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2e", x);
  return buf;
}

// The window index of `t` for windows of `hours`: a warning is raised once
// per key and window.
long long window_index(instant t, int hours) {
  return hour_of(t) / std::max(1, hours);
}

} // namespace

long long thresholds::counter_ttl_hours() const {
  long long h = 24LL * surge.baseline_days;
  h = std::max(h, 7LL * 24 * surge.baseline_weeks);
  h = std::max(h, 7LL * 24 * intake_weeks);
  // The window itself and an hour of slack on either side.
  return h + std::max({surge.window_hours, cluster.window_hours, overdue.window_hours}) + 2;
}

std::vector<std::string> check(const thresholds& t) {
  std::vector<std::string> out;
  auto need = [&](bool ok, const char* field, const char* reason) {
    if (!ok)
      out.push_back(std::string(field) + ": " + reason);
  };
  need(t.surge.window_hours >= 1 && t.surge.window_hours <= 24, "surge.window_hours",
       "must be 1..24");
  need(t.surge.baseline_days >= 0 && t.surge.baseline_days <= 28, "surge.baseline_days",
       "must be 0..28");
  need(t.surge.baseline_weeks >= 0 && t.surge.baseline_weeks <= 12, "surge.baseline_weeks",
       "must be 0..12");
  need(t.surge.baseline_days + t.surge.baseline_weeks > 0, "surge.baseline_days",
       "a baseline needs at least one day or week");
  need(t.surge.alpha > 0 && t.surge.alpha < 0.5, "surge.alpha", "must be in (0, 0.5)");
  need(t.surge.min_count >= 1, "surge.min_count", "must be at least 1");
  need(t.surge.min_baseline > 0, "surge.min_baseline", "must be positive");
  need(t.cluster.window_hours >= 1 && t.cluster.window_hours <= 72, "cluster.window_hours",
       "must be 1..72");
  need(t.cluster.min_callers >= 2, "cluster.min_callers", "must be at least 2");
  need(t.repeat.min_calls >= 2, "repeat.min_calls", "must be at least 2");
  need(t.overdue.window_hours >= 1 && t.overdue.window_hours <= 168, "overdue.window_hours",
       "must be 1..168");
  need(t.overdue.min_jump >= 1, "overdue.min_jump", "must be at least 1");
  need(t.intake_weeks >= 1 && t.intake_weeks <= 12, "intake_weeks", "must be 1..12");
  return out;
}

double poisson_upper_tail(long long k, double mean) {
  if (k <= 0)
    return 1.0;
  if (mean <= 0)
    return 0.0;
  // P(X >= k) = 1 - P(X <= k-1). For k above the mean the lower sum is
  // close to 1 and loses precision: sum the upper tail directly from k
  // until the terms vanish instead.
  const double lm = std::log(mean);
  auto log_term = [&](long long i) { return i * lm - mean - std::lgamma(double(i) + 1); };
  if (double(k) > mean) {
    double sum = 0;
    const double first = log_term(k);
    for (long long i = k; i < k + 100000; ++i) {
      const double t = std::exp(log_term(i) - first);
      sum += t;
      if (t < 1e-17 * sum)
        break;
    }
    return std::min(1.0, std::exp(first) * sum);
  }
  double below = 0;
  for (long long i = 0; i < k; ++i)
    below += std::exp(log_term(i));
  return std::max(0.0, 1.0 - below);
}

std::vector<long long> baseline_offsets(const surge_rule& r) {
  std::vector<long long> out;
  for (int d = 1; d <= r.baseline_days; ++d)
    out.push_back(24LL * d);
  for (int w = 1; w <= r.baseline_weeks; ++w)
    if (7 * w > r.baseline_days)
      out.push_back(24LL * 7 * w);
  return out;
}

std::string_view to_string(warning_kind k) {
  switch (k) {
  case warning_kind::surge:
    return "surge";
  case warning_kind::cluster:
    return "cluster";
  case warning_kind::repeat:
    return "repeat";
  case warning_kind::overdue:
    return "overdue";
  }
  return "surge";
}

std::string_view label_zh(warning_kind k) {
  switch (k) {
  case warning_kind::surge:
    return "类别×区县诉求量异常升高";
  case warning_kind::cluster:
    return "同一地点同一事项多人反映";
  case warning_kind::repeat:
    return "同一来电人重复反映";
  case warning_kind::overdue:
    return "单位超期件数骤增";
  }
  return "";
}

std::optional<warning> surge(const std::string& category, const std::string& district,
                             long long observed, const std::vector<long long>& samples,
                             instant window_from, instant window_to, instant now,
                             const surge_rule& r) {
  if (observed < r.min_count)
    return std::nullopt;
  double total = 0;
  for (auto s : samples)
    total += double(s);
  const double mean
      = std::max(r.min_baseline, samples.empty() ? 0.0 : total / double(samples.size()));
  const double p = poisson_upper_tail(observed, mean);
  if (!(p < r.alpha))
    return std::nullopt;
  warning w;
  w.kind = warning_kind::surge;
  w.key = "surge|" + category + "|" + district + "|"
          + std::to_string(window_index(window_from, r.window_hours));
  w.at = now;
  w.window_from = window_from;
  w.window_to = window_to;
  w.category = category;
  w.district = district;
  w.observed = observed;
  w.baseline = mean;
  w.p_value = p;
  w.alpha = r.alpha;
  w.threshold = r.min_count;
  w.samples = samples;
  w.reason = "近" + std::to_string(r.window_hours) + "小时该类别在该区县受理"
             + std::to_string(observed) + "件，基线均值" + fixed(mean, 2) + "件（前"
             + std::to_string(samples.size()) + "个同时段样本），泊松上尾概率 P(X≥"
             + std::to_string(observed) + ")=" + scientific(p) + " < α=" + scientific(r.alpha)
             + "（M-D-1）";
  return w;
}

std::optional<warning> cluster(const std::string& category, const std::string& place,
                               long long callers, instant window_from, instant window_to,
                               instant now, const cluster_rule& r) {
  if (callers < r.min_callers)
    return std::nullopt;
  warning w;
  w.kind = warning_kind::cluster;
  w.key = "cluster|" + category + "|" + place + "|"
          + std::to_string(window_index(window_from, r.window_hours));
  w.at = now;
  w.window_from = window_from;
  w.window_to = window_to;
  w.category = category;
  w.place = place;
  w.observed = callers;
  w.threshold = r.min_callers;
  w.reason = "近" + std::to_string(r.window_hours) + "小时有" + std::to_string(callers)
             + "位不同来电人就同一地点同一事项反映（阈值" + std::to_string(r.min_callers)
             + "位），可能为同一事件（M-D-1）";
  return w;
}

std::optional<warning> repeat(const std::string& no, const std::string& category, long long calls,
                              instant now, const repeat_rule& r) {
  if (calls < r.min_calls)
    return std::nullopt;
  warning w;
  w.kind = warning_kind::repeat;
  w.key = "repeat|" + no;
  w.at = now;
  w.window_to = now;
  w.category = category;
  w.ticket_no = no;
  w.observed = calls;
  w.threshold = r.min_calls;
  w.reason = "同一来电人就工单" + no + "的事项已来电" + std::to_string(calls) + "次（阈值"
             + std::to_string(r.min_calls) + "次，M-S-2 重复件，M-D-1）";
  return w;
}

std::optional<warning> overdue_jump(const std::string& unit, long long before, long long current,
                                    instant window_from, instant now, const overdue_rule& r) {
  if (current - before < r.min_jump)
    return std::nullopt;
  warning w;
  w.kind = warning_kind::overdue;
  w.key = "overdue|" + unit + "|" + std::to_string(window_index(now, r.window_hours));
  w.at = now;
  w.window_from = window_from;
  w.window_to = now;
  w.unit = unit;
  w.observed = current;
  w.baseline = double(before);
  w.threshold = r.min_jump;
  w.reason = "该单位超期未办结件数" + std::to_string(r.window_hours) + "小时内由"
             + std::to_string(before) + "件增至" + std::to_string(current) + "件（增幅阈值"
             + std::to_string(r.min_jump) + "件，M-SV-1，M-D-1）";
  return w;
}

std::vector<std::string> open_fields(const ticket_summary& t, const directory& dir) {
  if (t.status == ticket_status::none || t.status == ticket_status::closed)
    return {};
  std::vector<std::string> out{"s:" + std::string(to_string(t.status))};
  std::string district = "-";
  if (!t.lead.empty()) {
    out.push_back("u:" + t.lead);
    if (const auto* u = dir.find_unit(t.lead)) {
      out.push_back("k:" + std::string(to_string(u->kind)));
      // The district of the lead unit: its own, or its nearest parent's.
      const auto* p = u;
      for (int depth = 0; p && p->district.empty() && depth < 8; ++depth)
        p = p->parent.empty() ? nullptr : dir.find_unit(p->parent);
      if (p && !p->district.empty())
        district = p->district;
    }
  }
  out.push_back("d:" + district);
  return out;
}

bool supervised(const ticket_summary& t) {
  return t.status != ticket_status::closed && t.escalation
         && *t.escalation != escalation_level::reminder;
}

} // namespace hotline::routing::warn
