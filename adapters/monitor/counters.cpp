#include "adapters/monitor/counters.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

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

std::size_t build_counters(redis::store& store, redis::pool& pool, const r::policy& p,
                           const r::directory& dir) {
  const keys k{store.prefix()};
  const std::string marker = store.prefix() + ":schema:monitor";
  auto c = pool.acquire();
  {
    // One node builds: the claim is the marker itself, "building" for at
    // most 10 minutes (a builder that dies leaves it to the next start).
    auto rep = c->command({"SET", marker, "building", "NX", "PX", "600000"});
    redis::check(rep.get(), "SET");
    if (rep->type == REDIS_REPLY_NIL)
      return 0; // built, or being built by another node
  }
  // Every ticket still in Redis, folded as the actors would.
  std::map<std::string, long long> open;
  std::vector<std::pair<std::string, std::string>> due; // (no, due) of all
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> due_of_unit;
  std::vector<std::string> supervised;
  std::size_t read = 0;
  store.each_ticket_until(r::civil_date{9999, 12, 31},
                          [&](const std::string& no, const auto& events) {
                            ++read;
                            const auto t = r::summarize(no, r::fold(events), p);
                            for (const auto& f : r::warn::open_fields(t, dir))
                              ++open[f];
                            if (const auto d = due_of(t)) {
                              due.emplace_back(no, std::to_string(d));
                              due_of_unit[t.lead].emplace_back(no, std::to_string(d));
                            }
                            if (r::warn::supervised(t))
                              supervised.push_back(no);
                          });
  if (read == 0) {
    // New data: nothing to count, and nothing of a node already serving to
    // overwrite.
    auto rep = c->command({"SET", marker, "1"});
    redis::check(rep.get(), "SET");
    return 0;
  }
  std::vector<std::vector<std::string>> cmds{{"MULTI"}, {"DEL", k.open(), k.due(), k.supervised()}};
  for (const auto& [unit, entries] : due_of_unit)
    cmds.push_back({"DEL", k.due(unit)});
  std::vector<std::string> hset{"HSET", k.open()};
  for (const auto& [field, n] : open) {
    hset.push_back(field);
    hset.push_back(std::to_string(n));
  }
  if (hset.size() > 2)
    cmds.push_back(std::move(hset));
  auto zadd = [&](const std::string& key, const auto& entries) {
    constexpr std::size_t per = 1000;
    for (std::size_t from = 0; from < entries.size(); from += per) {
      std::vector<std::string> cmd{"ZADD", key};
      for (std::size_t i = from; i < std::min(entries.size(), from + per); ++i) {
        cmd.push_back(entries[i].second);
        cmd.push_back(entries[i].first);
      }
      cmds.push_back(std::move(cmd));
    }
  };
  zadd(k.due(), due);
  for (const auto& [unit, entries] : due_of_unit)
    zadd(k.due(unit), entries);
  for (std::size_t from = 0; from < supervised.size(); from += 1000) {
    std::vector<std::string> cmd{"SADD", k.supervised()};
    cmd.insert(cmd.end(), supervised.begin() + static_cast<long>(from),
               supervised.begin() + static_cast<long>(std::min(supervised.size(), from + 1000)));
    cmds.push_back(std::move(cmd));
  }
  cmds.push_back({"SET", marker, "1"});
  cmds.push_back({"EXEC"});
  const auto replies = c->pipeline(cmds);
  redis::check(replies.back().get(), "EXEC");
  if (replies.back()->type != REDIS_REPLY_ARRAY)
    throw std::runtime_error("monitor: building the counters was not applied");
  for (std::size_t i = 0; i < replies.back()->elements; ++i)
    redis::check(replies.back()->element[i], "build_counters");
  return read;
}

} // namespace hotline::monitor
