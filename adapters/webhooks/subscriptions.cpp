#include "adapters/webhooks/subscriptions.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "adapters/crypto/crypto.hpp"

namespace hotline::webhooks {

namespace {

using nlohmann::json;

// Compares two stream ids "ms-seq" as numbers (by length, then as text:
// Redis writes them without leading zeros), so that 10-0 is after 9-0.
constexpr const char* newer_fn = R"lua(
local function cmp(x, y)
  if #x ~= #y then return #x < #y and -1 or 1 end
  if x == y then return 0 end
  return x < y and -1 or 1
end
local function newer(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b or '', '^(%d+)-(%d+)$')
  if not am then return false end
  if not bm then return true end
  local c = cmp(am, bm)
  if c ~= 0 then return c > 0 end
  return cmp(as, bs) > 0
end
)lua";

// KEYS[1] subscription, KEYS[2] ids, KEYS[3] feed; ARGV id, url, sealed
// secret, events, units, created at, by. The cursor starts at the feed's
// newest entry, read in the same step: nothing written after the creation
// is missed, nothing before it is sent.
constexpr const char* create_script = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
local c = '0-0'
if last[1] then c = last[1][1] end
redis.call('HSET', KEYS[1], 'url', ARGV[2], 'sec', ARGV[3], 'ev', ARGV[4], 'un', ARGV[5],
           'c', c, 'r', 0, 'at', ARGV[6], 'by', ARGV[7])
redis.call('SADD', KEYS[2], ARGV[1])
return c
)lua";

// KEYS[1] subscription, KEYS[2] ids, KEYS[3] dead, KEYS[4] replay; ARGV[1] id.
constexpr const char* remove_script = R"lua(
local n = redis.call('SREM', KEYS[2], ARGV[1]) + redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[3], KEYS[4])
if n > 0 then return 1 end
return 0
)lua";

// KEYS[1] subscription, KEYS[2] lease; ARGV[1] event id, ARGV[2] fence.
// -2 fenced, -1 gone, 1 done (moved, or already at or beyond).
const std::string advance_script = std::string(newer_fn) + R"lua(
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return -2 end
local c = redis.call('HGET', KEYS[1], 'c')
if not c then return -1 end
if newer(ARGV[1], c) then redis.call('HSET', KEYS[1], 'c', ARGV[1]) end
return 1
)lua";

// KEYS[1] subscription, KEYS[2] dead, KEYS[3] replay, KEYS[4] lease;
// ARGV[1] event id, ARGV[2] dead letter, ARGV[3] fence, ARGV[4] "1" when
// it came from the replay queue.
const std::string park_script = std::string(newer_fn) + R"lua(
if redis.call('GET', KEYS[4]) ~= ARGV[3] then return -2 end
local c = redis.call('HGET', KEYS[1], 'c')
if not c then return -1 end
if ARGV[4] == '1' then
  if redis.call('HDEL', KEYS[3], ARGV[1]) == 0 then return 1 end
  redis.call('HINCRBY', KEYS[1], 'r', -1)
elseif newer(ARGV[1], c) then
  redis.call('HSET', KEYS[1], 'c', ARGV[1])
else
  return 1
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
)lua";

// KEYS[1] subscription, KEYS[2] replay, KEYS[3] lease; ARGV[1] event id,
// ARGV[2] fence.
constexpr const char* replayed_script = R"lua(
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return -2 end
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HDEL', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'r', -1)
end
return 1
)lua";

// KEYS[1] subscription, KEYS[2] dead, KEYS[3] replay; ARGV: the ids (none:
// every dead letter). Returns -1 for an unknown subscription, {0, id} for
// an id that is no dead letter (nothing moved), {1, ids…} when queued.
constexpr const char* replay_script = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local ids = ARGV
if #ids == 0 then
  ids = {}
  local all = redis.call('HGETALL', KEYS[2])
  for i = 1, #all, 2 do ids[#ids + 1] = all[i] end
end
local values = {}
for i, id in ipairs(ids) do
  local v = redis.call('HGET', KEYS[2], id)
  if not v then return {0, id} end
  values[i] = v
end
local out = {1}
for i, id in ipairs(ids) do
  redis.call('HSET', KEYS[3], id, values[i])
  redis.call('HDEL', KEYS[2], id)
  out[#out + 1] = id
end
redis.call('HINCRBY', KEYS[1], 'r', #ids)
return out
)lua";

std::map<std::string, std::string> hash_of(const redisReply* r) {
  std::map<std::string, std::string> out;
  if (!r || r->type != REDIS_REPLY_ARRAY)
    return out;
  for (std::size_t i = 0; i + 1 < r->elements; i += 2)
    out[redis::reply_string(r->element[i])] = redis::reply_string(r->element[i + 1]);
  return out;
}

long long to_ll(const std::string& s) {
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}

std::optional<subscription> from_hash(const std::string& id,
                                      const std::map<std::string, std::string>& h) {
  auto url = h.find("url");
  if (url == h.end())
    return std::nullopt;
  subscription s;
  s.id = id;
  s.url = url->second;
  auto field = [&](const char* name) {
    auto i = h.find(name);
    return i == h.end() ? std::string() : i->second;
  };
  s.events = redis::split_list(field("ev"));
  s.units = redis::split_list(field("un"));
  s.cursor = field("c");
  s.pending_replays = to_ll(field("r"));
  s.created_at = to_ll(field("at"));
  s.created_by = field("by");
  s.sealed_secret = field("sec");
  return s;
}

std::vector<dead_letter> letters_of(const redisReply* r) {
  std::vector<dead_letter> out;
  for (const auto& [id, text] : hash_of(r))
    if (auto d = dead_letter::from_json(text))
      out.push_back(std::move(*d));
  std::sort(out.begin(), out.end(), [](const dead_letter& a, const dead_letter& b) {
    return redis::stream_before(a.id, b.id);
  });
  return out;
}

} // namespace

bool subscription::wants(const redis::push_entry& e) const {
  // Issue 14: the office's early warnings are no ticket step; only a
  // subscription that names "warning" gets them.
  if (events.empty() ? e.step == "warning"
                     : std::find(events.begin(), events.end(), e.step) == events.end())
    return false;
  if (units.empty())
    return true;
  for (const auto& u : e.units)
    if (std::find(units.begin(), units.end(), u) != units.end())
      return true;
  return false;
}

std::string dead_letter::to_json() const {
  return json{{"id", id},
              {"event", step},
              {"body", body},
              {"attempts", attempts},
              {"last_error", last_error},
              {"parked_at", parked_at}}
      .dump();
}

std::optional<dead_letter> dead_letter::from_json(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return std::nullopt;
  dead_letter d;
  d.id = j.value("id", "");
  d.step = j.value("event", "");
  d.body = j.value("body", "");
  d.attempts = j.value("attempts", 0);
  d.last_error = j.value("last_error", "");
  d.parked_at = j.value("parked_at", std::int64_t{0});
  if (d.id.empty())
    return std::nullopt;
  return d;
}

bool valid_subscription_id(const std::string& id) {
  if (id.size() != 19 || id.compare(0, 3, "wh_") != 0)
    return false;
  return std::all_of(id.begin() + 3, id.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

store::store(redis::pool& p, std::string key, std::string prefix, cluster::partition_id partitions)
    : pool_(p), key_(std::move(key)), prefix_(std::move(prefix)), partitions_(partitions) {
  if (key_.size() != crypto::key_size)
    throw std::invalid_argument("webhooks: the secrets key must be 32 bytes");
}

cluster::partition_id store::partition_of(const std::string& id) const {
  return cluster::partition_of_key(id, partitions_);
}

std::string store::lease_key(const std::string& id) const {
  return prefix_ + ":lease:" + std::to_string(partition_of(id));
}

subscription store::create(const new_subscription& s, std::int64_t now) {
  for (int tries = 0;; ++tries) {
    const std::string id = "wh_" + crypto::random_hex(8);
    const auto sealed = crypto::seal(key_, s.secret, "webhook:" + id);
    auto c = pool_.acquire();
    auto rep = c->command({"EVAL", create_script, "3", subscription_key(id), ids_key(), feed_key(),
                           id, s.url, sealed, redis::join_list(s.events), redis::join_list(s.units),
                           std::to_string(now), s.created_by});
    redis::check(rep.get(), "webhook create");
    if (rep->type == REDIS_REPLY_NIL && tries < 3)
      continue; // an id drawn twice: draw again
    if (rep->type == REDIS_REPLY_NIL)
      throw redis::redis_error("webhooks: no fresh subscription id");
    subscription out;
    out.id = id;
    out.url = s.url;
    out.events = s.events;
    out.units = s.units;
    out.cursor = redis::reply_string(rep.get());
    out.created_at = now;
    out.created_by = s.created_by;
    out.sealed_secret = sealed;
    return out;
  }
}

std::vector<std::string> store::ids() {
  auto c = pool_.acquire();
  auto rep = c->command({"SMEMBERS", ids_key()});
  redis::check(rep.get(), "SMEMBERS");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < rep->elements; ++i)
    out.push_back(redis::reply_string(rep->element[i]));
  return out;
}

std::vector<subscription> store::load(const std::vector<std::string>& ids) {
  std::vector<subscription> out;
  if (ids.empty())
    return out;
  std::vector<std::vector<std::string>> cmds;
  for (const auto& id : ids)
    cmds.push_back({"HGETALL", subscription_key(id)});
  auto c = pool_.acquire();
  auto reps = c->pipeline(cmds);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    redis::check(reps[i].get(), "HGETALL");
    if (auto s = from_hash(ids[i], hash_of(reps[i].get())))
      out.push_back(std::move(*s));
  }
  return out;
}

std::vector<subscription> store::list() {
  auto out = load(ids());
  std::sort(out.begin(), out.end(), [](const subscription& a, const subscription& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
  return out;
}

std::optional<subscription> store::get(const std::string& id) {
  auto one = load({id});
  if (one.empty())
    return std::nullopt;
  return std::move(one.front());
}

bool store::remove(const std::string& id) {
  auto c = pool_.acquire();
  auto rep = c->command({"EVAL", remove_script, "4", subscription_key(id), ids_key(), dead_key(id),
                         replay_key(id), id});
  redis::check(rep.get(), "webhook remove");
  return redis::reply_integer(rep.get()) == 1;
}

std::optional<std::string> store::secret(const subscription& s) const {
  return crypto::open(key_, s.sealed_secret, "webhook:" + s.id);
}

std::optional<std::vector<dead_letter>> store::dead_letters(const std::string& id) {
  auto c = pool_.acquire();
  auto reps = c->pipeline({{"EXISTS", subscription_key(id)}, {"HGETALL", dead_key(id)}});
  redis::check(reps[0].get(), "EXISTS");
  redis::check(reps[1].get(), "HGETALL");
  if (redis::reply_integer(reps[0].get()) == 0)
    return std::nullopt;
  return letters_of(reps[1].get());
}

std::vector<dead_letter> store::replays(const std::string& id) {
  auto c = pool_.acquire();
  auto rep = c->command({"HGETALL", replay_key(id)});
  redis::check(rep.get(), "HGETALL");
  return letters_of(rep.get());
}

std::optional<store::replay_result> store::replay(const std::string& id,
                                                  const std::vector<std::string>& ids) {
  std::vector<std::string> args{"EVAL",       replay_script, "3", subscription_key(id),
                                dead_key(id), replay_key(id)};
  std::set<std::string> seen;
  for (const auto& x : ids)
    if (seen.insert(x).second)
      args.push_back(x);
  auto c = pool_.acquire();
  auto rep = c->command(args);
  redis::check(rep.get(), "webhook replay");
  if (rep->type == REDIS_REPLY_INTEGER)
    return std::nullopt;
  replay_result out;
  if (rep->type != REDIS_REPLY_ARRAY || rep->elements == 0)
    throw redis::redis_error("webhooks: unexpected replay reply");
  if (redis::reply_integer(rep->element[0]) == 0) {
    out.missing = redis::reply_string(rep->element[1]);
    return out;
  }
  for (std::size_t i = 1; i < rep->elements; ++i)
    out.queued.push_back(redis::reply_string(rep->element[i]));
  std::sort(out.queued.begin(), out.queued.end(), redis::stream_before);
  return out;
}

write_outcome store::outcome_of(long long code, const char* what) {
  if (code == -2)
    return write_outcome::fenced;
  if (code == -1)
    return write_outcome::gone;
  if (code == 1)
    return write_outcome::done;
  throw redis::redis_error(std::string("webhooks: unexpected reply to ") + what);
}

write_outcome store::advance(const std::string& id, const std::string& event_id,
                             const std::string& fence) {
  auto c = pool_.acquire();
  auto rep = c->command(
      {"EVAL", advance_script, "2", subscription_key(id), lease_key(id), event_id, fence});
  redis::check(rep.get(), "webhook advance");
  return outcome_of(redis::reply_integer(rep.get()), "advance");
}

write_outcome store::park(const std::string& id, const dead_letter& d, bool from_replay,
                          const std::string& fence) {
  auto c = pool_.acquire();
  auto rep
      = c->command({"EVAL", park_script, "4", subscription_key(id), dead_key(id), replay_key(id),
                    lease_key(id), d.id, d.to_json(), fence, from_replay ? "1" : "0"});
  redis::check(rep.get(), "webhook park");
  return outcome_of(redis::reply_integer(rep.get()), "park");
}

write_outcome store::replayed(const std::string& id, const std::string& event_id,
                              const std::string& fence) {
  auto c = pool_.acquire();
  auto rep = c->command({"EVAL", replayed_script, "3", subscription_key(id), replay_key(id),
                         lease_key(id), event_id, fence});
  redis::check(rep.get(), "webhook replayed");
  return outcome_of(redis::reply_integer(rep.get()), "replayed");
}

} // namespace hotline::webhooks
