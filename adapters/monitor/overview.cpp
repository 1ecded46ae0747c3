#include "adapters/monitor/overview.hpp"

namespace hotline::monitor {

namespace r = hotline::routing;

overview read_overview(redis::connection& c, const keys& k, r::instant now, int weeks) {
  overview o;
  o.at = now;
  const long long h = r::warn::hour_of(now);
  o.last_hour_from = (h - 1) * r::warn::hour_ms;
  // M-SV-1 as the worklists count it: overdue when now >= due, due today
  // when the deadline falls after now and by the end of today (Shanghai).
  const auto end_of_today = r::shanghai_midnight(r::shanghai_date(now)) + 24 * r::warn::hour_ms;
  std::vector<std::vector<std::string>> cmds{
      {"HGETALL", k.open()},
      {"ZCOUNT", k.due(), "-inf", std::to_string(now)},
      {"ZCOUNT", k.due(), "(" + std::to_string(now), std::to_string(end_of_today)},
      {"SCARD", k.supervised()},
      {"HGET", k.intake(h - 1), "*"},
      {"HGET", k.intake(h), "*"}};
  for (int w = 1; w <= weeks; ++w)
    cmds.push_back({"HGET", k.intake(h - 1 - 24LL * 7 * w), "*"});
  const auto reps = c.pipeline(cmds);
  for (const auto& rep : reps)
    redis::check(rep.get(), "overview");
  const auto* open = reps[0].get();
  for (std::size_t i = 0; i + 1 < open->elements; i += 2) {
    const auto field = redis::reply_string(open->element[i]);
    const auto n = redis::reply_integer_or_zero(open->element[i + 1]);
    if (n <= 0 || field.size() < 2)
      continue;
    const auto name = field.substr(2);
    switch (field[0]) {
    case 's':
      o.by_status[name] = n;
      o.open += n;
      break;
    case 'd':
      o.by_district[name] = n;
      break;
    case 'u':
      o.by_unit[name] = n;
      break;
    case 'k':
      o.by_unit_kind[name] = n;
      break;
    default:
      break;
    }
  }
  o.overdue = reps[1]->integer;
  o.due_today = reps[2]->integer;
  o.supervised = reps[3]->integer;
  o.last_hour = redis::reply_integer_or_zero(reps[4].get());
  o.this_hour = redis::reply_integer_or_zero(reps[5].get());
  for (int w = 1; w <= weeks; ++w)
    o.same_hour_weeks.push_back(redis::reply_integer_or_zero(reps[5 + w].get()));
  return o;
}

} // namespace hotline::monitor
