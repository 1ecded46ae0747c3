#include "adapters/monitor/counters.hpp"

#include <algorithm>

#include "adapters/monitor/keys.hpp"
#include "routing/worklist.hpp"

namespace hotline::monitor {

namespace r = hotline::routing;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The deadline a summary counts in hl:mon:due (0: none).
r::instant due_of(const r::ticket_summary& t) {
  return t.due != 0 && r::waiting_for_answer(t.status) ? t.due : 0;
}

} // namespace

void count_steps(redis::push_writes& w, const std::string& prefix, const std::string& no,
                 const r::ticket_summary& before, const r::ticket_summary& after,
                 const std::vector<r::event>& events, const r::ticket_state& final_state,
                 const r::router& router, const r::directory& dir, const r::warn::thresholds& t) {
  const keys k{prefix};
  auto op = [&](std::initializer_list<std::string> args) { w.ops.emplace_back(args); };
  // The overview: what the ticket counted in before and counts in now.
  const auto was = r::warn::open_fields(before, dir);
  const auto is = r::warn::open_fields(after, dir);
  for (const auto& f : was)
    if (!contains(is, f))
      op({"hincrby", k.open(), f, "-1"});
  for (const auto& f : is)
    if (!contains(was, f))
      op({"hincrby", k.open(), f, "1"});
  const auto due_was = due_of(before), due_is = due_of(after);
  if (due_was && (!due_is || before.lead != after.lead))
    op({"zrem", k.due(before.lead), no});
  if (due_was && !due_is)
    op({"zrem", k.due(), no});
  if (due_is && (due_is != due_was || before.lead != after.lead)) {
    op({"zadd", k.due(), no, std::to_string(due_is)});
    op({"zadd", k.due(after.lead), no, std::to_string(due_is)});
  }
  if (r::warn::supervised(before) && !r::warn::supervised(after))
    op({"srem", k.supervised(), no});
  if (!r::warn::supervised(before) && r::warn::supervised(after))
    op({"sadd", k.supervised(), no});
  // The warnings' hourly buckets: a new demand, a repeat linked.
  const auto ttl = std::to_string(t.counter_ttl_hours() * 3600);
  for (const auto& e : events) {
    if (const auto* reg = std::get_if<r::registered>(&e)) {
      const auto hour = r::warn::hour_of(reg->at);
      const auto where = router.locate({reg->address, reg->coords});
      const std::string district = where.district.empty() ? "-" : where.district;
      op({"hincrby", k.intake(hour), "*", "1"});
      op({"hincrby", k.intake(hour), reg->category + "|" + district, "1"});
      op({"expire", k.intake(hour), ttl});
      const std::string place = !where.place.empty() ? where.place : where.township;
      // Distinct callers need the caller's keyed hash: only tickets
      // disposed of as tickets have one (the repeat key).
      if (!place.empty() && !reg->repeat_key.empty() && !reg->category.empty()) {
        const std::string pk = reg->category + "|" + place;
        op({"hincrby", k.places(hour), pk, "1"});
        op({"expire", k.places(hour), ttl});
        op({"sadd", k.callers(hour, pk), reg->repeat_key});
        op({"expire", k.callers(hour, pk), ttl});
      }
    } else if (const auto* rep = std::get_if<r::repeat_linked>(&e)) {
      const auto hour = r::warn::hour_of(rep->at);
      const auto category = final_state.intake ? final_state.intake->category : std::string();
      op({"hset", k.repeats(hour), no,
          std::to_string(final_state.repeats.size() + 1) + "|" + category});
      op({"expire", k.repeats(hour), ttl});
    }
  }
}

} // namespace hotline::monitor
