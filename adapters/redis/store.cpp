#include "adapters/redis/store.hpp"

#include <algorithm>
#include <cstdio>

#include "adapters/redis/codec.hpp"
#include "adapters/redis/feed.hpp"

namespace hotline::redis {

namespace r = hotline::routing;

namespace {

// KEYS[1] events, KEYS[2] request key or "", KEYS[3] lease key or "";
// ARGV[1] expected version, ARGV[2] ticket no, ARGV[3] request ttl seconds,
// ARGV[4] fencing value ("node|token"), ARGV[5] event count n,
// ARGV[6..5+n] events, then index and push operations (op, arguments…).
// Replies {1, len} appended, {0, len} version conflict, {2, len, owner}
// request id already claimed, {3, len} fenced (the lease is not ours).
constexpr const char* append_script = R"lua(
local len = redis.call('LLEN', KEYS[1])
if KEYS[3] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[4] then return {3, len} end
if KEYS[2] ~= '' then
  local owner = redis.call('GET', KEYS[2])
  if owner then return {2, len, owner} end
end
if len ~= tonumber(ARGV[1]) then return {0, len} end
if KEYS[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2], 'EX', tonumber(ARGV[3])) end
local n = tonumber(ARGV[5])
for i = 6, 5 + n do redis.call('RPUSH', KEYS[1], ARGV[i]) end
-- (op, its arguments): how many arguments each operation takes
local arity = {sadd = 2, srem = 2, hincr = 2, set = 2, del_if = 2, zrem = 2, zadd = 3,
               hset = 3, hdel = 2, xfeed = 7, xunit = 4, hincrby = 3, expire = 2}
local id = nil
local i = 6 + n
while i <= #ARGV do
  local op, a, b, c = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if op == 'sadd' then redis.call('SADD', a, b)
  elseif op == 'srem' then redis.call('SREM', a, b)
  elseif op == 'hincr' then redis.call('HINCRBY', a, b, 1)
  elseif op == 'set' then redis.call('SET', a, b)
  elseif op == 'del_if' then
    -- compare and delete: only if the key still names this ticket
    if redis.call('GET', a) == b then redis.call('DEL', a) end
  elseif op == 'zrem' then redis.call('ZREM', a, b)
  elseif op == 'zadd' then redis.call('ZADD', a, c, b)
  elseif op == 'hset' then redis.call('HSET', a, b, c)
  elseif op == 'hdel' then redis.call('HDEL', a, b)
  elseif op == 'hincrby' then redis.call('HINCRBY', a, b, tonumber(c))
  elseif op == 'expire' then redis.call('PEXPIRE', a, tonumber(b) * 1000)
  elseif op == 'xfeed' then
    -- (key, minid, step, units, summary, worklists, writer node): one
    -- notice in the feed; its id is the id of the same notice, with its
    -- data, in every unit's stream
    id = redis.call('XADD', a, 'MINID', '~', b, '*', 'e', c, 'u', ARGV[i + 4],
                    's', ARGV[i + 5], 'h', ARGV[i + 6], 'w', ARGV[i + 7])
  elseif op == 'xunit' then
    -- (key, minid, step, data); never fails the script once events are in
    redis.pcall('XADD', a, 'MINID', '~', b, id, 'e', c, 'd', ARGV[i + 4])
  end
  i = i + 1 + (arity[op] or 2)
end
return {1, len + n}
)lua";

// KEYS[1] events, KEYS[2] lease key, KEYS[3] every ticket, KEYS[4] the
// partition's closed tickets, KEYS[5] newest archived number date; ARGV[1]
// fencing value, ARGV[2] events archived, ARGV[3] ticket no, ARGV[4] its
// number date. Issue 14: forgets a ticket the archive holds.
constexpr const char* forget_script = R"lua(
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
local len = redis.call('LLEN', KEYS[1])
if len ~= 0 and len ~= tonumber(ARGV[2]) then return -2 end
local newest = redis.call('GET', KEYS[5])
if not newest or newest < ARGV[4] then redis.call('SET', KEYS[5], ARGV[4]) end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[3])
if len == 0 then return 0 end
return 1
)lua";

// The operations that make ticket `no`'s timers exactly `timers`. Members
// are "{no}|{level}|{unit}" (unit empty for the lead); `units` are the
// cooperating units whose timers may exist and must go first.
void timer_ops(const std::string& key, const std::string& no, const std::vector<std::string>& units,
               const std::vector<r::timer>& timers, std::vector<std::string>& args) {
  auto member = [&](r::escalation_level level, const std::string& unit) {
    return no + "|" + std::string(r::to_string(level)) + "|" + unit;
  };
  for (auto level : {r::escalation_level::reminder, r::escalation_level::supervision,
                     r::escalation_level::notice})
    args.insert(args.end(), {"zrem", key, member(level, "")});
  for (const auto& u : units)
    for (auto level : {r::escalation_level::reminder, r::escalation_level::supervision})
      args.insert(args.end(), {"zrem", key, member(level, u)});
  for (const auto& t : timers)
    args.insert(args.end(), {"zadd", key, member(t.level, t.unit), std::to_string(t.at)});
}

} // namespace

store::store(pool& p, std::string prefix, cluster::partition_id partitions)
    : pool_(p), prefix_(std::move(prefix)), partitions_(partitions) {}

reply_ptr store::evalsha(const char* script, std::string& sha, std::vector<std::string>& args) {
  // args[0] is "EVALSHA", args[1] the script's SHA1 (filled in here).
  auto c = pool_.acquire();
  auto load = [&] {
    auto rep = c->command({"SCRIPT", "LOAD", script});
    check(rep.get(), "SCRIPT LOAD");
    std::lock_guard<std::mutex> lock(sha_mtx_);
    sha = reply_string(rep.get());
    return sha;
  };
  {
    std::lock_guard<std::mutex> lock(sha_mtx_);
    args[1] = sha;
  }
  if (args[1].empty())
    args[1] = load();
  auto rep = c->command(args);
  if (rep->type == REDIS_REPLY_ERROR && std::string(rep->str, rep->len).rfind("NOSCRIPT", 0) == 0) {
    // The server restarted and lost its script cache: load it again.
    args[1] = load();
    rep = c->command(args);
  }
  return rep;
}

cluster::partition_id store::partition_of(const std::string& no) const {
  return cluster::partition_of_ticket(no, partitions_).value_or(0);
}

std::string store::lease_key(cluster::partition_id p) const {
  return prefix_ + ":lease:" + std::to_string(p);
}

std::string store::timers_key(cluster::partition_id p) const {
  return prefix_ + ":timers:" + std::to_string(p);
}

std::string store::key(const std::string& kind, const std::string& id) const {
  return prefix_ + ":" + kind + ":" + id;
}

std::string store::format_ticket_no(const std::string& date, long long n,
                                    cluster::partition_id p) const {
  const auto seq = cluster::ticket_sequence(static_cast<std::uint64_t>(n), p, partitions_);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s-%06llu", date.c_str(), static_cast<unsigned long long>(seq));
  return buf;
}

store::intake_facts store::intake_lookup(const std::string& request_id,
                                         const std::string& repeat_key, r::civil_date d,
                                         cluster::partition_id p) {
  const auto date = r::compact_date(d);
  auto c = pool_.acquire();
  auto reps = c->pipeline({{"MGET", key("req", request_id),
                            repeat_key.empty() ? key("open", "-") : key("open", repeat_key)},
                           {"INCR", key("seq", date + ":" + std::to_string(p))}});
  check(reps[0].get(), "MGET");
  check(reps[1].get(), "INCR");
  intake_facts out;
  const auto* found = reps[0].get();
  if (found->element[0]->type == REDIS_REPLY_STRING)
    out.existing = reply_string(found->element[0]);
  if (!repeat_key.empty() && found->element[1]->type == REDIS_REPLY_STRING)
    out.open_repeat = reply_string(found->element[1]);
  out.fresh_no = format_ticket_no(date, reply_integer(reps[1].get()), p);
  return out;
}

std::optional<std::string> store::open_repeat(const std::string& repeat_key) {
  return get(key("open", repeat_key));
}

std::optional<std::string> store::get(const std::string& k) {
  auto c = pool_.acquire();
  auto rep = c->command({"GET", k});
  check(rep.get(), "GET");
  if (rep->type == REDIS_REPLY_NIL)
    return std::nullopt;
  return reply_string(rep.get());
}

std::vector<std::string> store::sorted_members(const std::string& k) {
  auto c = pool_.acquire();
  auto rep = c->command({"SMEMBERS", k});
  check(rep.get(), "SMEMBERS");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < rep->elements; ++i)
    out.push_back(reply_string(rep->element[i]));
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> store::find_claim(const std::string& claim) {
  return get(prefix_ + ":" + claim);
}

append_result store::append(const std::string& no, std::uint64_t expected_version,
                            const r::ticket_state& before, const std::vector<r::event>& events,
                            const std::string& claim_request, const std::vector<r::timer>* timers,
                            const std::optional<std::string>& fence, const r::person& by,
                            const push_writes* push) {
  std::vector<prepared_append> one{
      prepare_append(no, expected_version, before, events, claim_request, timers, fence, by, push)};
  auto out = append_batch(one);
  if (!out[0].error.empty())
    throw redis_error("redis: append: " + out[0].error);
  return out[0].result;
}

std::vector<store::batch_result> store::append_batch(std::vector<prepared_append>& batch) {
  auto c = pool_.acquire();
  return append_batch(*c, batch);
}

std::vector<store::batch_result> store::append_batch(connection& c,
                                                     std::vector<prepared_append>& batch) {
  std::vector<batch_result> out(batch.size());
  if (batch.empty())
    return out;
  auto load = [&] {
    auto rep = c.command({"SCRIPT", "LOAD", append_script});
    check(rep.get(), "SCRIPT LOAD");
    std::lock_guard<std::mutex> lock(sha_mtx_);
    append_sha_ = reply_string(rep.get());
    return append_sha_;
  };
  std::string sha;
  {
    std::lock_guard<std::mutex> lock(sha_mtx_);
    sha = append_sha_;
  }
  if (sha.empty())
    sha = load();
  // Every append of the batch in one pipeline; those the server refused
  // with NOSCRIPT (a restart lost its script cache: they did not run) are
  // sent again once the script is loaded.
  std::vector<std::size_t> todo(batch.size());
  for (std::size_t i = 0; i < todo.size(); ++i)
    todo[i] = i;
  for (int round = 0; round < 2 && !todo.empty(); ++round) {
    // The arguments (events, summary, notices: kilobytes) are lent to the
    // pipeline, not copied, and given back for a NOSCRIPT resend.
    std::vector<std::vector<std::string>> cmds;
    cmds.reserve(todo.size());
    for (auto i : todo) {
      batch[i].args[1] = sha;
      cmds.push_back(std::move(batch[i].args));
    }
    auto give_back = [&] {
      for (std::size_t k = 0; k < todo.size(); ++k)
        batch[todo[k]].args = std::move(cmds[k]);
    };
    std::vector<reply_ptr> reps;
    try {
      reps = c.pipeline(cmds);
    } catch (...) {
      give_back();
      throw;
    }
    give_back();
    std::vector<std::size_t> again;
    for (std::size_t k = 0; k < todo.size(); ++k) {
      const auto* rep = reps[k].get();
      auto& o = out[todo[k]];
      if (rep->type == REDIS_REPLY_ERROR) {
        o.error = std::string(rep->str, rep->len);
        if (o.error.rfind("NOSCRIPT", 0) == 0)
          again.push_back(todo[k]);
        continue;
      }
      if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 2) {
        o.error = "unexpected reply";
        continue;
      }
      const auto code = reply_integer(rep->element[0]);
      o.result.version = static_cast<std::uint64_t>(reply_integer(rep->element[1]));
      if (code == 0)
        o.result.result = append_result::outcome::version_conflict;
      if (code == 2) {
        o.result.result = append_result::outcome::request_taken;
        o.result.existing_ticket = reply_string(rep->element[2]);
      }
      if (code == 3)
        o.result.result = append_result::outcome::fenced;
    }
    if (!again.empty()) {
      sha = load();
      for (auto i : again)
        out[i].error.clear();
    }
    todo = std::move(again);
  }
  return out;
}

store::prepared_append store::prepare_append(const std::string& no, std::uint64_t expected_version,
                                             const r::ticket_state& before,
                                             const std::vector<r::event>& events,
                                             const std::string& claim_request,
                                             const std::vector<r::timer>* timers,
                                             const std::optional<std::string>& fence,
                                             const r::person& by, const push_writes* push) const {
  std::vector<std::string> args{
      "EVALSHA",
      "",
      "3",
      key("t", no),
      claim_request.empty() ? std::string() : prefix_ + ":" + claim_request,
      fence ? lease_key(partition_of(no)) : std::string(),
      std::to_string(expected_version),
      no,
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(request_ttl).count()),
      fence.value_or(""),
      std::to_string(events.size())};
  for (const auto& e : events)
    args.push_back(encode(e, by));
  // Index changes follow from the events: waiting for coordination puts
  // the ticket in the office's queue, a dispatch or a close takes it out;
  // returns are counted per unit (M-RT-4).
  const std::string queue = prefix_ + ":coordination";
  // M-S-2 repeats: an open ticket is found by its caller-and-matter key.
  std::string repeat = before.intake ? before.intake->repeat_key : "";
  for (const auto& e : events) {
    if (auto* reg = std::get_if<r::registered>(&e)) {
      args.insert(args.end(), {"sadd", prefix_ + ":tickets", no});
      repeat = reg->repeat_key;
      if (!repeat.empty())
        args.insert(args.end(), {"set", key("open", repeat), no});
    } else if (std::holds_alternative<r::dispatched>(e)) {
      args.insert(args.end(), {"srem", queue, no});
    } else if (std::holds_alternative<r::coordination_requested>(e)) {
      args.insert(args.end(), {"sadd", queue, no});
    } else if (auto* ret = std::get_if<r::returned>(&e)) {
      args.insert(args.end(), {"sadd", queue, no});
      args.insert(args.end(), {"hincr", prefix_ + ":returns", ret->unit_id});
    } else if (auto* cl = std::get_if<r::closed>(&e)) {
      args.insert(args.end(), {"srem", queue, no});
      // Issue 14: the archive's queue, by close time.
      args.insert(args.end(), {"zadd", closed_key(partition_of(no)), no, std::to_string(cl->at)});
      if (!repeat.empty())
        args.insert(args.end(), {"del_if", key("open", repeat), no});
    }
  }
  if (push && !events.empty()) {
    // Issue 10: the worklists the ticket is in now hold its new summary;
    // those it left drop it; each notice goes into the feed and into the
    // stream of every unit it tells, with one id.
    for (const auto& u : push->holders_after)
      args.insert(args.end(), {"hset", key("wl", u), no, push->summary});
    for (const auto& u : push->holders_before)
      if (std::find(push->holders_after.begin(), push->holders_after.end(), u)
          == push->holders_after.end())
        args.insert(args.end(), {"hdel", key("wl", u), no});
    const auto minid = std::to_string(push->keep_after_ms) + "-0";
    // Every worklist the append changes.
    std::vector<std::string> changed = push->holders_before;
    changed.insert(changed.end(), push->holders_after.begin(), push->holders_after.end());
    const std::string worklists = join_list(changed);
    // The node that wrote it has told its own unit actors already.
    const std::string writer = fence ? fence->substr(0, fence->find('|')) : std::string();
    for (const auto& n : push->notices) {
      const std::string units = join_list(n.units);
      args.insert(args.end(), {"xfeed", prefix_ + ":push:feed", minid, n.step, units, push->summary,
                               worklists, writer});
      for (const auto& u : n.units)
        args.insert(args.end(), {"xunit", prefix_ + ":push:u:" + u, minid, n.step, n.data});
    }
    for (const auto& h : push->hashes)
      args.insert(args.end(), {"hset", prefix_ + ":" + h.key, h.field, h.value});
    for (const auto& o : push->ops)
      args.insert(args.end(), o.begin(), o.end());
  }
  if (timers)
    timer_ops(timers_key(partition_of(no)), no,
              before.assignment ? before.assignment->cooperating : std::vector<std::string>{},
              *timers, args);
  return {std::move(args)};
}

// The events of `no` in an LRANGE reply, each decoded by `as` (the actor's
// load needs only the events, the timeline also the people). Issue 14: no
// events in Redis, and a number not newer than the newest archived one
// (`newest`, a GET reply; null without an archive): the archive answers (an
// error there is an error here, never "no such ticket"). New numbers
// (intakes) never ask it.
template <class T, class Decode>
std::vector<T> store::events_of(const std::string& no, const redisReply* list,
                                const redisReply* newest, Decode as) {
  check(list, "LRANGE");
  std::vector<T> out;
  out.reserve(list->elements);
  for (std::size_t i = 0; i < list->elements; ++i)
    out.push_back(as(std::string_view(list->element[i]->str, list->element[i]->len)));
  if (out.empty() && archive_ && newest && newest->type == REDIS_REPLY_STRING
      && no.substr(0, 8) <= reply_string(newest))
    for (const auto& e : archive_->events(no))
      out.push_back(as(std::string_view(e)));
  return out;
}

std::vector<reply_ptr> store::read_events(connection& c, const std::vector<std::string>& nos,
                                          bool newest) {
  std::vector<std::vector<std::string>> cmds;
  cmds.reserve(nos.size() + 1);
  for (const auto& no : nos)
    cmds.push_back({"LRANGE", key("t", no), "0", "-1"});
  if (newest && archive_)
    cmds.push_back({"GET", prefix_ + ":archive:newest"});
  if (cmds.empty())
    return {};
  return c.pipeline(cmds);
}

template <class T, class Decode>
std::vector<T> store::load_as(const std::string& no, Decode as) {
  auto c = pool_.acquire();
  auto reps = read_events(*c, {no}, true);
  return events_of<T>(no, reps[0].get(), archive_ ? reps[1].get() : nullptr, as);
}

std::vector<store::load_result> store::load_batch(connection& c,
                                                  const std::vector<std::string>& nos) {
  std::vector<load_result> out(nos.size());
  if (nos.empty())
    return out;
  auto reps = read_events(c, nos, true);
  const redisReply* newest = archive_ ? reps.back().get() : nullptr;
  for (std::size_t i = 0; i < nos.size(); ++i) {
    try {
      out[i].events = events_of<r::event>(nos[i], reps[i].get(), newest,
                                          [](std::string_view b) { return decode(b); });
    } catch (const std::exception& e) {
      out[i].error = e.what();
    }
  }
  return out;
}

std::vector<r::event> store::load(const std::string& no) {
  return load_as<r::event>(no, [](std::string_view b) { return decode(b); });
}

std::vector<recorded_event> store::load_recorded(const std::string& no) {
  return load_as<recorded_event>(no, [](std::string_view b) { return decode_recorded(b); });
}

void store::each_ticket_until(
    routing::civil_date last_day,
    const std::function<void(const std::string&, const std::vector<routing::event>&)>& f) {
  const std::string last_no = routing::compact_date(last_day);
  std::vector<std::string> nos;
  for (auto& no : all_tickets())
    if (no.compare(0, 8, last_no) <= 0)
      nos.push_back(std::move(no));
  constexpr std::size_t chunk = 500;
  std::vector<routing::event> events;
  for (std::size_t from = 0; from < nos.size(); from += chunk) {
    const std::vector<std::string> part(
        nos.begin() + static_cast<long>(from),
        nos.begin() + static_cast<long>(std::min(nos.size(), from + chunk)));
    const auto raw = raw_events(part);
    for (std::size_t i = 0; i < part.size(); ++i) {
      if (raw[i].empty())
        continue; // archived meanwhile
      events.clear();
      for (const auto& e : raw[i])
        events.push_back(decode(e));
      f(part[i], events);
    }
  }
}

std::vector<std::vector<std::string>> store::raw_events(const std::vector<std::string>& nos) {
  std::vector<std::vector<std::string>> out;
  if (nos.empty())
    return out;
  auto c = pool_.acquire();
  for (auto& rep : read_events(*c, nos, false)) {
    check(rep.get(), "LRANGE");
    std::vector<std::string> events;
    for (std::size_t i = 0; i < rep->elements; ++i)
      events.push_back(reply_string(rep->element[i]));
    out.push_back(std::move(events));
  }
  return out;
}

int store::forget_archived(const std::string& no, std::size_t events, const std::string& fence) {
  const auto p = partition_of(no);
  std::vector<std::string> args{"EVALSHA",
                                "",
                                "5",
                                key("t", no),
                                lease_key(p),
                                prefix_ + ":tickets",
                                closed_key(p),
                                prefix_ + ":archive:newest",
                                fence,
                                std::to_string(events),
                                no,
                                no.substr(0, 8)};
  auto rep = evalsha(forget_script, forget_sha_, args);
  check(rep.get(), "forget archived");
  return static_cast<int>(reply_integer(rep.get()));
}

std::vector<std::string> store::coordination_queue() {
  return sorted_members(prefix_ + ":coordination");
}

std::map<std::string, long long> store::return_counts() {
  auto c = pool_.acquire();
  auto rep = c->command({"HGETALL", prefix_ + ":returns"});
  check(rep.get(), "HGETALL");
  std::map<std::string, long long> out;
  for (std::size_t i = 0; i + 1 < rep->elements; i += 2)
    out[reply_string(rep->element[i])] = reply_integer(rep->element[i + 1]);
  return out;
}

std::vector<r::evidence> store::lessons(const std::string& category) {
  auto c = pool_.acquire();
  auto rep = c->command({"HGETALL", key("learn", category)});
  check(rep.get(), "HGETALL");
  std::vector<r::evidence> out;
  out.reserve(rep->elements / 2);
  for (std::size_t i = 0; i + 1 < rep->elements; i += 2) {
    try {
      out.push_back(
          decode_evidence(std::string_view(rep->element[i + 1]->str, rep->element[i + 1]->len)));
    } catch (const std::runtime_error&) {
      // Advice only: a damaged entry must not stop the office's queue.
    }
  }
  return out;
}

bool store::ping() noexcept {
  try {
    // A write, not a PING: a Redis that answers but refuses writes
    // (NOREPLICAS, MISCONF after a failed AOF write, OOM) cannot persist.
    auto c = pool_.acquire();
    auto rep = c->command({"SET", prefix_ + ":health", "ok", "PX", "60000"});
    return rep->type == REDIS_REPLY_STATUS;
  } catch (const std::exception&) {
    return false;
  }
}

bool store::worklists_built() {
  return get(prefix_ + ":schema:worklists").has_value();
}

std::vector<std::string> store::all_tickets() {
  return sorted_members(prefix_ + ":tickets");
}

void store::fill_worklists(const std::string& no, const std::vector<std::string>& units,
                           const std::string& summary) {
  if (units.empty())
    return;
  std::vector<std::vector<std::string>> cmds;
  for (const auto& u : units)
    cmds.push_back({"HSETNX", key("wl", u), no, summary});
  auto c = pool_.acquire();
  for (auto& rep : c->pipeline(cmds))
    check(rep.get(), "HSETNX");
}

void store::mark_worklists_built() {
  auto c = pool_.acquire();
  auto rep = c->command({"SET", prefix_ + ":schema:worklists", "1"});
  check(rep.get(), "SET");
}

std::vector<r::ticket_summary> store::worklist(const std::string& unit_id) {
  auto c = pool_.acquire();
  auto rep = c->command({"HGETALL", key("wl", unit_id)});
  check(rep.get(), "HGETALL");
  std::vector<r::ticket_summary> out;
  for (std::size_t i = 0; i + 1 < rep->elements; i += 2) {
    const auto* v = rep->element[i + 1];
    out.push_back(decode_summary(std::string_view(v->str, v->len)));
  }
  return out;
}

std::vector<std::string> store::inbox(const std::string& unit_id) {
  std::vector<std::string> out;
  for (const auto& t : worklist(unit_id))
    out.push_back(t.no);
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace hotline::redis
