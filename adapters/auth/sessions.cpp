#include "adapters/auth/sessions.hpp"

#include <sodium.h>

#include <algorithm>
#include <iterator>
#include <stdexcept>

#include "adapters/auth/accounts.hpp"
#include "adapters/auth/keys.hpp"
#include "adapters/auth/script.hpp"
#include "adapters/crypto/crypto.hpp"

namespace hotline::auth {

namespace {

constexpr std::string_view token_prefix = "s1.";
constexpr std::size_t token_bytes = 32;

/// Lua numbers are doubles: exact for ms since the epoch, but tostring()
/// would print large ones with an exponent. `fmt` prints them whole.
constexpr const char* lua_prelude = R"lua(
local function fmt(x) return string.format('%.0f', x) end
)lua";

/// Counts a login attempt against the account and the client address, or
/// refuses it when either has reached its limit; on success also returns
/// the account. Counting before the password is checked (and giving the
/// attempt back on success) means parallel guesses cannot overrun a limit.
/// KEYS: account counter, address counter, user. ARGV: now, account limit,
/// account window, address limit, address window, count the account (1/0).
/// Returns {1, wait_ms} when limited, else {0, name, unit, office, roles,
/// hash, disabled, gen} (false fields for an unknown user).
lua_script attempt_script(std::string(lua_prelude) + R"lua(
local now = tonumber(ARGV[1])
local function state(key, window)
  local v = redis.call('HMGET', key, 'count', 'until')
  local c, u = tonumber(v[1]), tonumber(v[2])
  if not c or not u or now >= u then return 0, now + window end
  return c, u
end
local wait = 0
local ac, au
if ARGV[6] == '1' then
  ac, au = state(KEYS[1], tonumber(ARGV[3]))
  if ac >= tonumber(ARGV[2]) then wait = au - now end
end
local ic, iu = state(KEYS[2], tonumber(ARGV[5]))
if ic >= tonumber(ARGV[4]) and iu - now > wait then wait = iu - now end
if wait > 0 then return {1, fmt(wait)} end
local function bump(key, c, u)
  redis.call('HSET', key, 'count', fmt(c + 1), 'until', fmt(u))
  redis.call('PEXPIRE', key, fmt(u - now))
end
if ARGV[6] == '1' then bump(KEYS[1], ac, au) end
bump(KEYS[2], ic, iu)
local a = redis.call('HMGET', KEYS[3], 'name', 'unit', 'office', 'roles', 'hash', 'disabled', 'gen')
return {0, a[1], a[2], a[3], a[4], a[5], a[6], a[7]}
)lua");

/// Creates the session if the account is still what login checked (same
/// gen, enabled): a disable racing a login cannot leave a session behind.
/// Also prunes ids of sessions that expired, clears the account's failures
/// and gives the attempt back to the address.
/// KEYS: user, user-sessions, session, account counter, address counter.
/// ARGV: gen, now, idle_until, abs_until, session id, username, name, unit,
/// office, roles, new hash or '', absolute_ms, session key prefix.
lua_script create_script(std::string(lua_prelude) + R"lua(
local u = redis.call('HMGET', KEYS[1], 'gen', 'disabled')
if u[1] ~= ARGV[1] or u[2] ~= '0' then return 0 end
local now = tonumber(ARGV[2])
redis.call('HSET', KEYS[3], 'user', ARGV[6], 'name', ARGV[7], 'unit', ARGV[8],
           'office', ARGV[9], 'roles', ARGV[10], 'created', ARGV[2], 'touched', ARGV[2],
           'idle_until', ARGV[3], 'abs_until', ARGV[4])
redis.call('PEXPIRE', KEYS[3], fmt(tonumber(ARGV[3]) - now))
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[13] .. id) == 0 then redis.call('SREM', KEYS[2], id) end
end
redis.call('SADD', KEYS[2], ARGV[5])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[12]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[12])
end
if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'hash', ARGV[11]) end
redis.call('DEL', KEYS[4])
local c = tonumber(redis.call('HGET', KEYS[5], 'count'))
if c and c > 0 then redis.call('HINCRBY', KEYS[5], 'count', -1) end
return 1
)lua");

/// Reads a session, refuses (and removes) an expired one, and slides the
/// idle expiry when the last slide is touch_interval old.
/// KEYS: session. ARGV: now, idle_ms, touch_ms, user-sessions key prefix,
/// session id. Returns {user, name, unit, office, roles, expires_at} or nil.
lua_script verify_script(std::string(lua_prelude) + R"lua(
local v = redis.call('HMGET', KEYS[1], 'user', 'name', 'unit', 'office', 'roles',
                     'idle_until', 'abs_until', 'touched')
if not v[1] then return nil end
local now = tonumber(ARGV[1])
local idle, abs, touched = tonumber(v[6]), tonumber(v[7]), tonumber(v[8])
if not idle or not abs or not touched or now >= idle or now >= abs then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', ARGV[4] .. v[1], ARGV[5])
  return nil
end
if now - touched >= tonumber(ARGV[3]) then
  idle = math.min(now + tonumber(ARGV[2]), abs)
  redis.call('HSET', KEYS[1], 'idle_until', fmt(idle), 'touched', fmt(now))
  redis.call('PEXPIRE', KEYS[1], fmt(idle - now))
end
return {v[1], v[2], v[3], v[4], v[5], fmt(math.min(idle, abs))}
)lua");

/// KEYS: session. ARGV: user-sessions key prefix, session id.
lua_script logout_script(R"lua(
local user = redis.call('HGET', KEYS[1], 'user')
redis.call('DEL', KEYS[1])
if user then redis.call('SREM', ARGV[1] .. user, ARGV[2]) end
return 1
)lua");

std::string element(const redisReply* r, std::size_t i) {
  return i < r->elements && r->element[i]->type == REDIS_REPLY_STRING
             ? redis::reply_string(r->element[i])
             : std::string();
}

/// The counter key of a client address; one that is empty or too long to
/// be an address (the HTTP layer should never pass one) is counted under a
/// hash, so no caller can make keys of arbitrary size.
std::string address_key(std::string_view prefix, std::string_view ip) {
  if (ip.empty())
    return keys::failed_logins_of_ip(prefix, "unknown");
  if (ip.size() > 64)
    return keys::failed_logins_of_ip(prefix, "sha256-" + crypto::sha256_hex(ip));
  return keys::failed_logins_of_ip(prefix, ip);
}

} // namespace

std::string_view to_string(login_error e) {
  return e == login_error::rate_limited ? "rate_limited" : "invalid_credentials";
}

sessions::sessions(redis::pool& pool, session_options opts, std::string prefix)
    : pool_(pool), opts_(opts), prefix_(std::move(prefix)),
      dummy_hash_(hash_password(generate_password(), opts_.passwords)) {}

std::optional<std::string> sessions::session_id(std::string_view token) {
  if (token.size() != token_prefix.size() + 43
      || token.substr(0, token_prefix.size()) != token_prefix)
    return std::nullopt;
  const auto raw = crypto::base64url_decode(token.substr(token_prefix.size()));
  if (!raw || raw->size() != token_bytes)
    return std::nullopt;
  return crypto::sha256_hex(token);
}

login_outcome sessions::login(std::string_view username, std::string_view password,
                              std::string_view client_ip, std::int64_t now) {
  login_outcome out;
  const bool known_shape = routing::valid_username(username);
  const std::string user_key = keys::user(prefix_, known_shape ? username : "");
  const std::string account_counter
      = keys::failed_logins_of_user(prefix_, known_shape ? username : "");
  const std::string address_counter = address_key(prefix_, client_ip);

  auto c = pool_.acquire();
  auto r = attempt_script.run(*c, {account_counter, address_counter, user_key},
                              {std::to_string(now), std::to_string(opts_.max_failures_per_account),
                               std::to_string(opts_.account_window_ms),
                               std::to_string(opts_.max_failures_per_ip),
                               std::to_string(opts_.ip_window_ms), known_shape ? "1" : "0"},
                              "login attempt");
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 2)
    throw redis::redis_error("auth: login attempt: unexpected reply");
  if (redis::reply_integer(r->element[0]) == 1) {
    const std::int64_t wait_ms = std::stoll(element(r.get(), 1));
    out.error = login_error::rate_limited;
    out.retry_after_s = std::max<std::int64_t>(1, (wait_ms + 999) / 1000);
    return out;
  }
  const std::string name = element(r.get(), 1), unit = element(r.get(), 2),
                    office = element(r.get(), 3), roles_text = element(r.get(), 4),
                    hash = element(r.get(), 5), disabled = element(r.get(), 6),
                    gen = element(r.get(), 7);
  const bool exists = !hash.empty() && !gen.empty();
  // One Argon2id run on every path, so the time does not tell whether the
  // username exists or the account is disabled.
  const bool password_ok = verify_password(exists ? hash : dummy_hash_, password);
  const auto roles = routing::split_roles(roles_text);
  if (!exists || !password_ok || disabled != "0" || !roles)
    return out;

  routing::principal who;
  who.user = std::string(username);
  who.display_name = name;
  who.unit_id = unit;
  who.office = office == "1";
  who.roles = *roles;
  std::string raw(token_bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string token = std::string(token_prefix) + crypto::base64url_encode(raw);
  sodium_memzero(raw.data(), raw.size());
  who.session = crypto::sha256_hex(token);
  const std::int64_t abs_until = now + opts_.absolute_ms;
  const std::int64_t idle_until = std::min(now + opts_.idle_ms, abs_until);
  const std::string new_hash
      = needs_rehash(hash, opts_.passwords) ? hash_password(password, opts_.passwords) : "";

  auto created = create_script.run(
      *c,
      {user_key, keys::user_sessions(prefix_, username), keys::session(prefix_, who.session),
       account_counter, address_counter},
      {gen, std::to_string(now), std::to_string(idle_until), std::to_string(abs_until), who.session,
       who.user, name, unit, office, roles_text, new_hash, std::to_string(opts_.absolute_ms),
       keys::session_prefix(prefix_)},
      "create session");
  if (redis::reply_integer(created.get()) != 1)
    return out; // disabled or changed while we checked the password
  out.session = session_grant{std::move(token), idle_until, std::move(who)};
  return out;
}

std::optional<verified_session> sessions::check(std::string_view token, std::int64_t now) {
  const auto id = session_id(token);
  if (!id)
    return std::nullopt;
  auto c = pool_.acquire();
  auto r = verify_script.run(*c, {keys::session(prefix_, *id)},
                             {std::to_string(now), std::to_string(opts_.idle_ms),
                              std::to_string(opts_.touch_interval_ms),
                              keys::user_sessions(prefix_, ""), *id},
                             "verify session");
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 6)
    return std::nullopt;
  const auto roles = routing::split_roles(element(r.get(), 4));
  if (!roles)
    return std::nullopt;
  verified_session s;
  s.who.user = element(r.get(), 0);
  s.who.display_name = element(r.get(), 1);
  s.who.unit_id = element(r.get(), 2);
  s.who.office = element(r.get(), 3) == "1";
  s.who.roles = *roles;
  s.who.session = *id;
  s.expires_at = std::stoll(element(r.get(), 5));
  return s;
}

std::optional<routing::principal> sessions::verify(std::string_view token, std::int64_t now) {
  auto s = check(token, now);
  if (!s)
    return std::nullopt;
  return std::move(s->who);
}

void sessions::logout(std::string_view token) {
  const auto id = session_id(token);
  if (!id)
    return;
  auto c = pool_.acquire();
  logout_script.run(*c, {keys::session(prefix_, *id)}, {keys::user_sessions(prefix_, ""), *id},
                    "logout");
}

session_cache::session_cache(sessions& s, std::int64_t max_age_ms, std::size_t max_entries)
    : sessions_(s), max_age_ms_(max_age_ms), max_entries_(max_entries) {}

// A clock that went back counts as stale: the bound must hold anyway.
bool session_cache::holds(const std::string& id, std::int64_t now) const {
  const auto it = entries_.find(id);
  return it != entries_.end() && now >= it->second.checked_at
         && now - it->second.checked_at < max_age_ms_ && now < it->second.s.expires_at;
}

bool session_cache::fresh(std::string_view token, std::int64_t now) {
  const auto id = sessions::session_id(token);
  if (!id)
    return true; // refused at once, without Redis
  std::lock_guard<std::mutex> lock(mtx_);
  return holds(*id, now);
}

std::optional<routing::principal> session_cache::verify(std::string_view token, std::int64_t now) {
  const auto id = sessions::session_id(token);
  if (!id)
    return std::nullopt;
  {
    std::lock_guard<std::mutex> lock(mtx_);
    if (holds(*id, now))
      return entries_.at(*id).s.who;
  }
  // Redis is asked outside the lock: one slow round trip must not hold up
  // every other request of the node.
  auto fresh = sessions_.check(token, now);
  std::lock_guard<std::mutex> lock(mtx_);
  if (!fresh) {
    entries_.erase(*id);
    return std::nullopt;
  }
  if (entries_.size() >= max_entries_) {
    for (auto it = entries_.begin(); it != entries_.end();)
      it = now - it->second.checked_at >= max_age_ms_ ? entries_.erase(it) : std::next(it);
    if (entries_.size() >= max_entries_)
      entries_.clear();
  }
  entries_[*id] = entry{*fresh, now};
  return fresh->who;
}

void session_cache::forget(std::string_view token) {
  if (const auto id = sessions::session_id(token)) {
    std::lock_guard<std::mutex> lock(mtx_);
    entries_.erase(*id);
  }
}

} // namespace hotline::auth
