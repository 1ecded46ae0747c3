#include "adapters/cluster/coordination.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace hotline::cluster {

namespace {

using redis::check;
using redis::reply_integer;
using redis::reply_string;

// KEYS: (lease, fence) pairs; ARGV[1] node, ARGV[2] ttl ms, ARGV[3..]
// partitions. Takes each free lease with a new token (SET NX semantics),
// and each lease held under this node's own id by an earlier incarnation
// (a node restarted after a crash): its new token fences the old one out.
constexpr const char* acquire_script = R"lua(
local out = {}
local mine = ARGV[1] .. '|'
for i = 1, #KEYS, 2 do
  local v = redis.call('GET', KEYS[i])
  if not v or string.sub(v, 1, #mine) == mine then
    local token = redis.call('INCR', KEYS[i + 1])
    redis.call('SET', KEYS[i], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
    out[#out + 1] = tonumber(ARGV[2 + (i + 1) / 2])
    out[#out + 1] = token
  end
end
return out
)lua";

// KEYS: leases; ARGV[1] ttl ms, ARGV[2..] expected values. Returns the
// 1-based indexes of the leases that are no longer ours.
constexpr const char* renew_script = R"lua(
local lost = {}
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i + 1] then
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
  else
    lost[#lost + 1] = i
  end
end
return lost
)lua";

constexpr const char* release_script = R"lua(
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i] then redis.call('DEL', KEYS[i]) end
end
return 0
)lua";

// KEYS[1] members, KEYS[2] version; ARGV[1] node, ARGV[2] address.
constexpr const char* heartbeat_script = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local row = redis.call('HGET', KEYS[1], ARGV[1])
local r = row and cjson.decode(row) or nil
if not r or r.status ~= 'alive' or r.address ~= ARGV[2] then
  r = {address = ARGV[2], status = 'alive', started = now,
       version = redis.call('INCR', KEYS[2])}
end
r.heartbeat = now
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
return now
)lua";

// KEYS[1] members, KEYS[2] version; ARGV[1] node, ARGV[2] stale-before ms,
// ARGV[3] status to set (dead | left), ARGV[4] "1" to ignore staleness.
constexpr const char* status_script = R"lua(
local row = redis.call('HGET', KEYS[1], ARGV[1])
if not row then return 0 end
local r = cjson.decode(row)
if r.status == 'alive' and (ARGV[4] == '1' or r.heartbeat < tonumber(ARGV[2])) then
  r.status = ARGV[3]
  r.version = redis.call('INCR', KEYS[2])
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
  return 1
end
if r.status ~= 'alive' and r.heartbeat < tonumber(ARGV[2]) - 3600000 then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
)lua";

redis::reply_ptr eval(redis::pool& pool, const char* script, std::vector<std::string> keys,
                      const std::vector<std::string>& argv, const char* what) {
  std::vector<std::string> args{"EVAL", script, std::to_string(keys.size())};
  args.insert(args.end(), std::make_move_iterator(keys.begin()),
              std::make_move_iterator(keys.end()));
  args.insert(args.end(), argv.begin(), argv.end());
  auto c = pool.acquire();
  auto rep = c->command(args);
  check(rep.get(), what);
  return rep;
}

} // namespace

coordination::coordination(redis::pool& p, std::string prefix, partition_id partitions,
                           std::chrono::milliseconds lease_ttl)
    : pool_(p), prefix_(std::move(prefix)), partitions_(partitions), ttl_(lease_ttl) {}

std::string coordination::lease_key(partition_id p) const {
  return prefix_ + ":lease:" + std::to_string(p);
}

std::string coordination::fence_key(partition_id p) const {
  return prefix_ + ":fence:" + std::to_string(p);
}

void coordination::check_partitions() {
  const std::string key = prefix_ + ":cluster:partitions";
  auto c = pool_.acquire();
  auto set = c->command({"SET", key, std::to_string(partitions_), "NX"});
  check(set.get(), "SET NX");
  auto get = c->command({"GET", key});
  check(get.get(), "GET");
  const auto have = reply_string(get.get());
  if (have != std::to_string(partitions_))
    throw std::runtime_error("this Redis holds a cluster of " + have
                             + " partitions; --partitions must be " + have
                             + " (it is fixed for a deployment)");
}

held coordination::acquire(const std::string& node, const std::vector<partition_id>& wanted) {
  held out;
  if (wanted.empty())
    return out;
  std::vector<std::string> keys, argv{node, std::to_string(ttl_.count())};
  for (auto p : wanted) {
    keys.push_back(lease_key(p));
    keys.push_back(fence_key(p));
    argv.push_back(std::to_string(p));
  }
  auto rep = eval(pool_, acquire_script, std::move(keys), argv, "acquire leases");
  for (std::size_t i = 0; i + 1 < rep->elements; i += 2)
    out.emplace_back(static_cast<partition_id>(reply_integer(rep->element[i])),
                     static_cast<std::uint64_t>(reply_integer(rep->element[i + 1])));
  return out;
}

std::vector<partition_id> coordination::renew(const std::string& node, const held& leases) {
  std::vector<partition_id> lost;
  if (leases.empty())
    return lost;
  std::vector<std::string> keys, argv{std::to_string(ttl_.count())};
  for (const auto& [p, token] : leases) {
    keys.push_back(lease_key(p));
    argv.push_back(node + "|" + std::to_string(token));
  }
  auto rep = eval(pool_, renew_script, std::move(keys), argv, "renew leases");
  for (std::size_t i = 0; i < rep->elements; ++i)
    lost.push_back(leases.at(static_cast<std::size_t>(reply_integer(rep->element[i])) - 1).first);
  return lost;
}

void coordination::release(const std::string& node, const held& leases) {
  if (leases.empty())
    return;
  std::vector<std::string> keys, argv;
  for (const auto& [p, token] : leases) {
    keys.push_back(lease_key(p));
    argv.push_back(node + "|" + std::to_string(token));
  }
  eval(pool_, release_script, std::move(keys), argv, "release leases");
}

std::vector<lease_info> coordination::leases(bool with_ttl) {
  std::vector<std::vector<std::string>> cmds;
  std::vector<std::string> mget{"MGET"};
  for (partition_id p = 0; p < partitions_; ++p) {
    mget.push_back(lease_key(p));
    if (with_ttl)
      cmds.push_back({"PTTL", lease_key(p)});
  }
  cmds.insert(cmds.begin(), mget);
  auto c = pool_.acquire();
  auto reps = c->pipeline(cmds);
  for (const auto& r : reps)
    check(r.get(), "read leases");
  std::vector<lease_info> out(partitions_);
  for (partition_id p = 0; p < partitions_; ++p) {
    auto& l = out[p];
    l.partition = p;
    const auto* v = reps[0]->element[p];
    if (v->type == REDIS_REPLY_STRING) {
      const std::string value = reply_string(v);
      const auto bar = value.rfind('|');
      l.node = value.substr(0, bar);
      l.token = bar == std::string::npos ? 0 : std::stoull(value.substr(bar + 1));
    }
    if (with_ttl)
      l.ttl_ms = reply_integer(reps[p + 1].get());
  }
  return out;
}

long long coordination::heartbeat(const std::string& node, const std::string& address) {
  auto rep = eval(pool_, heartbeat_script, {prefix_ + ":members", prefix_ + ":members:version"},
                  {node, address}, "heartbeat");
  return reply_integer(rep.get());
}

bool coordination::declare_dead(const std::string& node, long long stale_before) {
  auto rep = eval(pool_, status_script, {prefix_ + ":members", prefix_ + ":members:version"},
                  {node, std::to_string(stale_before), "dead", "0"}, "declare dead");
  return reply_integer(rep.get()) == 1;
}

void coordination::leave(const std::string& node) {
  eval(pool_, status_script, {prefix_ + ":members", prefix_ + ":members:version"},
       {node, "0", "left", "1"}, "leave");
}

std::vector<member> coordination::members() {
  auto c = pool_.acquire();
  auto rep = c->command({"HGETALL", prefix_ + ":members"});
  check(rep.get(), "HGETALL members");
  std::vector<member> out;
  for (std::size_t i = 0; i + 1 < rep->elements; i += 2) {
    member m;
    m.node_id = reply_string(rep->element[i]);
    const auto row = nlohmann::json::parse(reply_string(rep->element[i + 1]), nullptr, false);
    if (!row.is_object())
      continue;
    m.address = row.value("address", "");
    m.status = row.value("status", "");
    m.started_ms = row.value("started", 0LL);
    m.heartbeat_ms = row.value("heartbeat", 0LL);
    m.version = row.value("version", 0LL);
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const member& a, const member& b) { return a.node_id < b.node_id; });
  return out;
}

long long coordination::now_ms() {
  auto c = pool_.acquire();
  auto rep = c->command({"TIME"});
  check(rep.get(), "TIME");
  return std::stoll(reply_string(rep->element[0])) * 1000
         + std::stoll(reply_string(rep->element[1])) / 1000;
}

long long coordination::version() {
  auto c = pool_.acquire();
  auto rep = c->command({"GET", prefix_ + ":members:version"});
  check(rep.get(), "GET members version");
  return rep->type == REDIS_REPLY_NIL ? 0 : std::stoll(reply_string(rep.get()));
}

void own_every_partition(redis::pool& pool, ownership& own, std::chrono::milliseconds ttl) {
  coordination coord(pool, "hl", own.partitions(), ttl);
  std::vector<partition_id> all;
  for (partition_id p = 0; p < own.partitions(); ++p)
    all.push_back(p);
  for (const auto& [p, token] : coord.acquire(own.node_id(), all))
    own.grant(p, token);
  own.valid_until(std::chrono::steady_clock::now() + ttl);
}

} // namespace hotline::cluster
