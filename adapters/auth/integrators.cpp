#include "adapters/auth/integrators.hpp"

#include <algorithm>

#include "adapters/auth/accounts.hpp"
#include "adapters/auth/script.hpp"
#include "adapters/crypto/crypto.hpp"

namespace hotline::auth {

namespace {

/// Creates the integrator and its key index unless the name is taken: one
/// atomic step. KEYS: integrator, integrators, key index. ARGV: name, then
/// field/value pairs.
lua_script add_script(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
return 1
)lua");

const char* const fields_read[]
    = {"name", "display", "scopes", "fields", "rate", "disabled", "created"};

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto part = text.substr(0, comma);
    if (!part.empty())
      out.emplace_back(part);
    if (comma == std::string_view::npos)
      break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

template <class T, class F>
std::string join(const std::vector<T>& xs, F name) {
  std::string out;
  for (const auto& x : xs)
    out += (out.empty() ? "" : ",") + std::string(name(x));
  return out;
}

std::int64_t to_int(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}

std::optional<integrator> parse(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != std::size(fields_read)
      || r->element[0]->type != REDIS_REPLY_STRING)
    return std::nullopt;
  const auto field = [&](std::size_t i) { return redis::reply_string(r->element[i]); };
  integrator out;
  out.name = field(0);
  out.display = field(1);
  for (const auto& s : split(field(2)))
    if (auto x = parse_integrator_scope(s))
      out.scopes.push_back(*x);
  out.fields = split(field(3));
  out.rate_per_minute = static_cast<int>(to_int(field(4)));
  out.disabled = field(5) == "1";
  out.created_at = to_int(field(6));
  return out;
}

std::vector<std::string> hmget(const std::string& key) {
  std::vector<std::string> cmd{"HMGET", key};
  cmd.insert(cmd.end(), std::begin(fields_read), std::end(fields_read));
  return cmd;
}

} // namespace

std::string_view to_string(integrator_scope s) {
  switch (s) {
  case integrator_scope::intake:
    return "intake";
  case integrator_scope::read:
    return "read";
  case integrator_scope::updates:
    return "updates";
  }
  return "?";
}

std::optional<integrator_scope> parse_integrator_scope(std::string_view s) {
  for (auto x : {integrator_scope::intake, integrator_scope::read, integrator_scope::updates})
    if (to_string(x) == s)
      return x;
  return std::nullopt;
}

const std::vector<std::string_view>& known_integrator_fields() {
  // status_notes: the unit's answer; agency: the handling unit; expected:
  // the deadline; description, address, location, media_url: what was filed.
  static const std::vector<std::string_view> all{"status_notes", "agency",        "expected",
                                                 "description",  "address",       "location",
                                                 "media_url",    "caller_contact"};
  return all;
}

const std::vector<std::string>& default_integrator_fields() {
  static const std::vector<std::string> d{"status_notes", "agency",  "expected",
                                          "description",  "address", "location"};
  return d;
}

bool integrator::may(integrator_scope s) const {
  return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
}

bool integrator::receives(std::string_view field) const {
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

std::optional<std::string> integrator_name_problem(std::string_view name) {
  const bool shape = name.size() >= 2 && name.size() <= 32 && name.front() >= 'a'
                     && name.front() <= 'z' && std::all_of(name.begin(), name.end(), [](char c) {
                          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                        });
  if (!shape)
    return "an integrator's name has 2-32 characters of a-z 0-9 -, starting with a letter";
  return std::nullopt;
}

integrators::integrators(redis::pool& pool, std::string prefix)
    : pool_(pool), prefix_(std::move(prefix)) {}

std::string integrators::add(integrator who, std::int64_t now) {
  if (auto problem = integrator_name_problem(who.name))
    throw integrator_refused("name", *problem);
  if (who.display.empty())
    who.display = who.name;
  if (auto problem = display_name_problem(who.display))
    throw integrator_refused("display", *problem);
  if (who.scopes.empty())
    throw integrator_refused("scope", "give at least one scope: intake, read, updates");
  for (const auto& f : who.fields)
    if (std::find(known_integrator_fields().begin(), known_integrator_fields().end(), f)
        == known_integrator_fields().end())
      throw integrator_refused("field", "unknown field '" + f
                                            + "' (status_notes, agency, expected, description, "
                                              "address, location, media_url, caller_contact)");
  if (who.rate_per_minute < 1 || who.rate_per_minute > 60000)
    throw integrator_refused("rate", "the rate is 1-60000 requests per minute");
  const std::string key = "ik1." + crypto::random_hex(32);
  const std::string hash = crypto::sha256_hex(key);
  const std::string stamp = std::to_string(now);
  auto c = pool_.acquire();
  auto r = add_script.run(*c,
                          {prefix_ + ":integrator:" + who.name, prefix_ + ":integrators",
                           prefix_ + ":integrator-key:" + hash},
                          {who.name, "name", who.name, "display", who.display, "scopes",
                           join(who.scopes, [](auto s) { return to_string(s); }), "fields",
                           join(who.fields, [](const auto& f) { return f; }), "rate",
                           std::to_string(who.rate_per_minute), "key", hash, "disabled", "0",
                           "created", stamp, "updated", stamp},
                          "add integrator");
  if (redis::reply_integer(r.get()) != 1)
    throw integrator_refused("name", "an integrator '" + who.name + "' exists already");
  return key;
}

std::optional<integrator> integrators::by_key(std::string_view api_key) {
  if (api_key.size() != 68 || api_key.rfind("ik1.", 0) != 0)
    return std::nullopt;
  auto c = pool_.acquire();
  auto name = c->command({"GET", prefix_ + ":integrator-key:" + crypto::sha256_hex(api_key)});
  redis::check(name.get(), "GET integrator key");
  if (name->type != REDIS_REPLY_STRING)
    return std::nullopt;
  auto r = c->command(hmget(prefix_ + ":integrator:" + redis::reply_string(name.get())));
  redis::check(r.get(), "HMGET integrator");
  auto who = parse(r.get());
  if (!who || who->disabled)
    return std::nullopt;
  return who;
}

std::optional<integrator> integrators::get(std::string_view name) {
  if (integrator_name_problem(name))
    return std::nullopt;
  auto c = pool_.acquire();
  auto r = c->command(hmget(prefix_ + ":integrator:" + std::string(name)));
  redis::check(r.get(), "HMGET integrator");
  return parse(r.get());
}

std::vector<integrator> integrators::list() {
  auto c = pool_.acquire();
  auto names = c->command({"SMEMBERS", prefix_ + ":integrators"});
  redis::check(names.get(), "SMEMBERS integrators");
  std::vector<std::string> sorted;
  for (std::size_t i = 0; i < names->elements; ++i)
    sorted.push_back(redis::reply_string(names->element[i]));
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::vector<std::string>> cmds;
  for (const auto& n : sorted)
    cmds.push_back(hmget(prefix_ + ":integrator:" + n));
  std::vector<integrator> out;
  if (cmds.empty())
    return out;
  for (auto& r : c->pipeline(cmds)) {
    redis::check(r.get(), "HMGET integrator");
    if (auto who = parse(r.get()))
      out.push_back(std::move(*who));
  }
  return out;
}

void integrators::disable(std::string_view name, std::int64_t now) {
  if (!get(name))
    throw integrator_refused("name", "no integrator '" + std::string(name) + "'");
  auto c = pool_.acquire();
  auto r = c->command({"HSET", prefix_ + ":integrator:" + std::string(name), "disabled", "1",
                       "updated", std::to_string(now)});
  redis::check(r.get(), "HSET integrator");
}

void integrators::record_request(const std::string& no, std::int64_t at) {
  auto c = pool_.acquire();
  auto r = c->command({"ZADD", prefix_ + ":o311:requests", std::to_string(at), no});
  redis::check(r.get(), "ZADD open311 request");
}

std::vector<std::string> integrators::requests_between(std::int64_t from, std::int64_t to,
                                                       std::size_t offset, std::size_t limit) {
  auto c = pool_.acquire();
  auto r = c->command({"ZRANGEBYSCORE", prefix_ + ":o311:requests", std::to_string(from),
                       std::to_string(to), "LIMIT", std::to_string(offset), std::to_string(limit)});
  redis::check(r.get(), "ZRANGEBYSCORE open311 requests");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < r->elements; ++i)
    out.push_back(redis::reply_string(r->element[i]));
  return out;
}

bool integrators::is_request(const std::string& no) {
  auto c = pool_.acquire();
  auto r = c->command({"ZSCORE", prefix_ + ":o311:requests", no});
  redis::check(r.get(), "ZSCORE open311 request");
  return r->type == REDIS_REPLY_STRING;
}

} // namespace hotline::auth
