#include "adapters/knowledge/store.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <stdexcept>

#include "routing/names.hpp"

namespace hotline::knowledge {

namespace r = hotline::routing;
namespace kb = hotline::routing::kb;
using nlohmann::json;

namespace {

json person_json(const r::person& p) {
  return {{"u", p.user}, {"un", p.name}};
}

r::person person_of(const json& j) {
  return {j.value("u", ""), j.value("un", "")};
}

json content_json(const kb::content& c) {
  return {
      {"title", c.title},       {"body", c.body},
      {"cats", c.categories},   {"kw", c.keywords},
      {"dist", c.districts},    {"rb", c.review_by ? r::format_date(*c.review_by) : std::string()},
      {"note", c.internal_note}};
}

kb::content content_of(const json& j) {
  kb::content c;
  c.title = j.value("title", "");
  c.body = j.value("body", "");
  c.categories = j.value("cats", std::vector<std::string>{});
  c.keywords = j.value("kw", std::vector<std::string>{});
  c.districts = j.value("dist", std::vector<std::string>{});
  c.review_by = r::parse_date(j.value("rb", ""));
  c.internal_note = j.value("note", "");
  return c;
}

// The append: KEYS = list, ids, rev, changed; ARGV = expected length, id,
// events… Returns the new rev, or 0 when the length differs.
constexpr const char* append_script = R"lua(
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return 0 end
for i = 3, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
redis.call('SADD', KEYS[2], ARGV[2])
local rev = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[4], rev, ARGV[2])
return rev
)lua";

} // namespace

std::string encode(const kb::event& e) {
  json j{{"t", std::string(kb::event_type(e))}};
  std::visit(r::overloaded{[&](const kb::drafted& x) {
                             j["at"] = x.at;
                             j["owner"] = x.owner;
                             j["c"] = content_json(x.c);
                             j["by"] = person_json(x.by);
                             j["seed"] = x.seeded;
                           },
                           [&](const kb::revised& x) {
                             j["at"] = x.at;
                             j["c"] = content_json(x.c);
                             j["by"] = person_json(x.by);
                           },
                           [&](const kb::submitted& x) {
                             j["at"] = x.at;
                             j["by"] = person_json(x.by);
                           },
                           [&](const kb::reviewed& x) {
                             j["at"] = x.at;
                             j["ok"] = x.approved;
                             j["comment"] = x.comment;
                             j["by"] = person_json(x.by);
                           },
                           [&](const kb::retired& x) {
                             j["at"] = x.at;
                             j["reason"] = x.reason;
                             j["by"] = person_json(x.by);
                           }},
             e);
  const auto bytes = json::to_msgpack(j);
  return std::string(bytes.begin(), bytes.end());
}

kb::event decode(std::string_view bytes) {
  json j;
  try {
    j = json::from_msgpack(bytes.begin(), bytes.end());
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("knowledge event is not MessagePack: ") + e.what());
  }
  if (!j.is_object())
    throw std::runtime_error("knowledge event is not a map");
  try {
    const auto t = j.value("t", "");
    const r::instant at = j.value("at", std::int64_t{0});
    const auto by = person_of(j.value("by", json::object()));
    if (t == "drafted")
      return kb::drafted{at, j.value("owner", ""), content_of(j.value("c", json::object())), by,
                         j.value("seed", false)};
    if (t == "revised")
      return kb::revised{at, content_of(j.value("c", json::object())), by};
    if (t == "submitted")
      return kb::submitted{at, by};
    if (t == "reviewed")
      return kb::reviewed{at, j.value("ok", false), j.value("comment", ""), by};
    if (t == "retired")
      return kb::retired{at, j.value("reason", ""), by};
    throw std::runtime_error("unknown knowledge event type '" + t + "'");
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("knowledge event has a field of the wrong type: ")
                             + e.what());
  }
}

store::store(redis::pool& p, std::string prefix) : pool_(p), prefix_(std::move(prefix)) {}

// "{prefix}-000001": the next number of counter `counter`.
std::string store::draw(const std::string& counter, const char* prefix) {
  auto c = pool_.acquire();
  auto rep = c->command({"INCR", key(counter)});
  redis::check(rep.get(), "INCR");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s-%06lld", prefix, redis::reply_integer(rep.get()));
  return buf;
}

std::string store::next_id() {
  return draw("seq", "kb");
}

namespace {

std::vector<kb::event> events_of(const redisReply* list) {
  std::vector<kb::event> out;
  out.reserve(list->elements);
  for (std::size_t i = 0; i < list->elements; ++i)
    out.push_back(decode(std::string_view(list->element[i]->str, list->element[i]->len)));
  return out;
}

} // namespace

std::vector<kb::event> store::load(const std::string& id) {
  auto c = pool_.acquire();
  auto rep = c->command({"LRANGE", key("a:" + id), "0", "-1"});
  redis::check(rep.get(), "LRANGE");
  return events_of(rep.get());
}

std::vector<std::vector<kb::event>> store::load_many(const std::vector<std::string>& ids) {
  std::vector<std::vector<kb::event>> out;
  out.reserve(ids.size());
  auto c = pool_.acquire();
  // In pipelined batches: one round trip per thousand articles, not one each.
  for (std::size_t from = 0; from < ids.size(); from += 1000) {
    std::vector<std::vector<std::string>> cmds;
    for (std::size_t i = from; i < ids.size() && i < from + 1000; ++i)
      cmds.push_back({"LRANGE", key("a:" + ids[i]), "0", "-1"});
    for (const auto& rep : c->pipeline(cmds)) {
      redis::check(rep.get(), "LRANGE");
      out.push_back(events_of(rep.get()));
    }
  }
  return out;
}

std::int64_t store::append(const std::string& id, std::uint64_t expected,
                           const std::vector<kb::event>& events) {
  std::vector<std::string> args{"EVAL",
                                append_script,
                                "4",
                                key("a:" + id),
                                key("ids"),
                                key("rev"),
                                key("changed"),
                                std::to_string(expected),
                                id};
  for (const auto& e : events)
    args.push_back(encode(e));
  auto c = pool_.acquire();
  auto rep = c->command(args);
  redis::check(rep.get(), "EVAL kb append");
  return redis::reply_integer(rep.get());
}

store::changes store::changes_after(std::int64_t rev) {
  auto c = pool_.acquire();
  auto reps = c->pipeline(
      {{"GET", key("rev")}, {"ZRANGEBYSCORE", key("changed"), "(" + std::to_string(rev), "+inf"}});
  redis::check(reps[0].get(), "GET");
  redis::check(reps[1].get(), "ZRANGEBYSCORE");
  changes out;
  out.rev
      = reps[0]->type == REDIS_REPLY_STRING ? std::stoll(redis::reply_string(reps[0].get())) : 0;
  for (std::size_t i = 0; i < reps[1]->elements; ++i)
    out.ids.push_back(redis::reply_string(reps[1]->element[i]));
  return out;
}

std::int64_t store::rev() {
  auto c = pool_.acquire();
  auto rep = c->command({"GET", key("rev")});
  redis::check(rep.get(), "GET");
  return rep->type == REDIS_REPLY_STRING ? std::stoll(redis::reply_string(rep.get())) : 0;
}

void store::count(const std::string& month,
                  const std::vector<std::pair<std::string, std::string>>& uses) {
  if (uses.empty())
    return;
  std::vector<std::vector<std::string>> cmds;
  for (const auto& [id, what] : uses)
    cmds.push_back({"HINCRBY", key("use:" + month), id + "|" + what, "1"});
  auto c = pool_.acquire();
  for (const auto& rep : c->pipeline(cmds))
    redis::check(rep.get(), "HINCRBY");
}

std::map<std::string, long long> store::usage(const std::string& month) {
  auto c = pool_.acquire();
  auto rep = c->command({"HGETALL", key("use:" + month)});
  redis::check(rep.get(), "HGETALL");
  std::map<std::string, long long> out;
  for (std::size_t i = 0; i + 1 < rep->elements; i += 2)
    out[redis::reply_string(rep->element[i])]
        = std::stoll(redis::reply_string(rep->element[i + 1]));
  return out;
}

std::vector<kb::unanswered> store::unanswered(const std::string& month) {
  auto c = pool_.acquire();
  auto rep = c->command({"HGETALL", prefix_ + ":kb:uncited:" + month});
  redis::check(rep.get(), "HGETALL");
  std::vector<kb::unanswered> out;
  for (std::size_t i = 0; i + 1 < rep->elements; i += 2) {
    const auto j = json::parse(redis::reply_string(rep->element[i + 1]), nullptr, false);
    if (!j.is_object())
      continue; // statistics: a damaged entry is skipped
    out.push_back({redis::reply_string(rep->element[i]), j.value("cat", ""),
                   j.value("terms", std::vector<std::string>{}), j.value("at", std::int64_t{0})});
  }
  return out;
}

std::map<std::string, long long> store::citations(const std::string& month) {
  auto c = pool_.acquire();
  auto rep = c->command({"HGETALL", prefix_ + ":kb:cited:" + month});
  redis::check(rep.get(), "HGETALL");
  std::map<std::string, long long> out;
  for (std::size_t i = 0; i + 1 < rep->elements; i += 2) {
    const auto v = redis::reply_string(rep->element[i + 1]);
    ++out[v.substr(0, v.rfind('|'))];
  }
  return out;
}

bool store::first_time(const std::string& what) {
  auto c = pool_.acquire();
  auto rep = c->command({"HSETNX", key("reminded"), what, "1"});
  redis::check(rep.get(), "HSETNX");
  return redis::reply_integer(rep.get()) == 1;
}

std::string store::next_request_id() {
  return draw("reqseq", "kr");
}

void store::put_request(const std::string& id, const std::string& body) {
  auto c = pool_.acquire();
  auto rep = c->command({"HSET", key("requests"), id, body});
  redis::check(rep.get(), "HSET");
}

std::map<std::string, std::string> store::requests() {
  auto c = pool_.acquire();
  auto rep = c->command({"HGETALL", key("requests")});
  redis::check(rep.get(), "HGETALL");
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i + 1 < rep->elements; i += 2)
    out[redis::reply_string(rep->element[i])] = redis::reply_string(rep->element[i + 1]);
  return out;
}

std::vector<routing::kb::article> store::articles() {
  const auto ids = all_ids();
  const auto events = load_many(ids);
  std::vector<routing::kb::article> out;
  out.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i)
    out.push_back(routing::kb::fold(ids[i], events[i]));
  return out;
}

std::vector<std::string> store::all_ids() {
  auto c = pool_.acquire();
  auto rep = c->command({"SMEMBERS", key("ids")});
  redis::check(rep.get(), "SMEMBERS");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < rep->elements; ++i)
    out.push_back(redis::reply_string(rep->element[i]));
  return out;
}

} // namespace hotline::knowledge
