#include "adapters/redis/store.hpp"

// The store's due-time queues: the supervision timers (M-SV-1) and the
// closed tickets waiting for the archive (issue 14), each a sorted set per
// partition scored by when it falls due, read by one script over the
// partitions a node owns.

#include <algorithm>

namespace hotline::redis {

namespace r = hotline::routing;

namespace {

// KEYS: timer sets; ARGV[1] now, ARGV[2] limit per set. Every due member
// with its score, flat, from all the sets in one round trip.
constexpr const char* due_script = R"lua(
local out = {}
for i = 1, #KEYS do
  local due = redis.call('ZRANGEBYSCORE', KEYS[i], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[2])
  for j = 1, #due do out[#out + 1] = due[j] end
end
return out
)lua";

// KEYS: timer sets. The lowest score of them all (a string), nil if they
// are all empty (issue 16: when the timer loop must wake up).
constexpr const char* next_script = R"lua(
local best = nil
for i = 1, #KEYS do
  local first = redis.call('ZRANGEBYSCORE', KEYS[i], '-inf', '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if first[2] and (not best or tonumber(first[2]) < best) then best = tonumber(first[2]) end
end
if best then return string.format('%.0f', best) end
return nil
)lua";

// KEYS[1] timers, KEYS[2] lease key; ARGV[1] fencing value, ARGV[2] score,
// ARGV[3] member. Moves a timer that still exists, if the lease is ours.
constexpr const char* postpone_script = R"lua(
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
return redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[3])
)lua";

} // namespace

bool store::postpone_timer(const due_timer& t, r::instant at, const std::string& fence) {
  const auto p = partition_of(t.ticket_no);
  auto c = pool_.acquire();
  auto rep = c->command({"EVAL", postpone_script, "2", timers_key(p), lease_key(p), fence,
                         std::to_string(at),
                         t.ticket_no + "|" + std::string(r::to_string(t.level)) + "|" + t.unit});
  check(rep.get(), "postpone timer");
  return reply_integer(rep.get()) == 1;
}

std::vector<store::due_timer> store::due_timers(const std::vector<cluster::partition_id>& parts,
                                                r::instant now, std::size_t limit) {
  std::vector<due_timer> out;
  if (parts.empty())
    return out;
  std::vector<std::string> args{"EVALSHA", "", std::to_string(parts.size())};
  for (auto p : parts)
    args.push_back(timers_key(p));
  args.push_back(std::to_string(now));
  args.push_back(std::to_string(limit));
  {
    auto rep = evalsha(due_script, due_sha_, args);
    check(rep.get(), "due timers");
    for (std::size_t i = 0; i + 1 < rep->elements; i += 2) {
      const auto member = reply_string(rep->element[i]);
      const auto bar = member.find('|');
      const auto bar2 = member.find('|', bar == std::string::npos ? 0 : bar + 1);
      if (bar == std::string::npos || bar2 == std::string::npos)
        continue;
      auto level = r::parse_escalation_level(member.substr(bar + 1, bar2 - bar - 1));
      if (level)
        out.push_back({member.substr(0, bar), *level,
                       static_cast<r::instant>(std::stoll(reply_string(rep->element[i + 1]))),
                       member.substr(bar2 + 1)});
    }
  }
  // Oldest first across partitions; the earliest `limit` of them.
  std::stable_sort(out.begin(), out.end(),
                   [](const due_timer& a, const due_timer& b) { return a.at < b.at; });
  if (out.size() > limit)
    out.resize(limit);
  return out;
}

std::optional<r::instant> store::next_timer(const std::vector<cluster::partition_id>& parts) {
  if (parts.empty())
    return std::nullopt;
  std::vector<std::string> args{"EVALSHA", "", std::to_string(parts.size())};
  for (auto p : parts)
    args.push_back(timers_key(p));
  auto rep = evalsha(next_script, next_sha_, args);
  check(rep.get(), "next timer");
  if (rep->type != REDIS_REPLY_STRING)
    return std::nullopt;
  return static_cast<r::instant>(std::stoll(reply_string(rep.get())));
}

std::string store::closed_key(cluster::partition_id p) const {
  return prefix_ + ":closed:" + std::to_string(p);
}

std::vector<std::pair<std::string, r::instant>>
store::closed_before(const std::vector<cluster::partition_id>& parts, r::instant before,
                     std::size_t limit) {
  std::vector<std::pair<std::string, r::instant>> out;
  if (parts.empty())
    return out;
  std::vector<std::string> args{"EVALSHA", "", std::to_string(parts.size())};
  for (auto p : parts)
    args.push_back(closed_key(p));
  args.push_back(std::to_string(before));
  args.push_back(std::to_string(limit));
  auto rep = evalsha(due_script, due_sha_, args);
  check(rep.get(), "closed tickets");
  for (std::size_t i = 0; i + 1 < rep->elements; i += 2)
    out.emplace_back(reply_string(rep->element[i]),
                     static_cast<r::instant>(std::stoll(reply_string(rep->element[i + 1]))));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second < b.second; });
  if (out.size() > limit)
    out.resize(limit);
  return out;
}

bool store::closed_queue_built() {
  return get(prefix_ + ":schema:closed").has_value();
}

void store::queue_closed(const std::string& no, r::instant at) {
  auto c = pool_.acquire();
  auto rep = c->command({"ZADD", closed_key(partition_of(no)), std::to_string(at), no});
  check(rep.get(), "ZADD");
}

void store::mark_closed_queue_built() {
  auto c = pool_.acquire();
  auto rep = c->command({"SET", prefix_ + ":schema:closed", "1"});
  check(rep.get(), "SET");
}

} // namespace hotline::redis
