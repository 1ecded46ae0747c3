#include "adapters/auth/accounts.hpp"

#include <algorithm>
#include <map>

#include "adapters/auth/keys.hpp"
#include "adapters/auth/script.hpp"

namespace hotline::auth {

namespace {

/// Creates the account unless the username is taken: one atomic step, so
/// two admins adding the same name at once cannot both succeed.
lua_script add_script(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
redis.call('SADD', KEYS[2], string.sub(KEYS[1], #KEYS[3] + 1))
return 1
)lua");

/// KEYS: user, user-sessions. ARGV: session key prefix, end sessions
/// ("1"/"0"), then field/value pairs. gen changes so that a login checked
/// against the old record cannot create a session after this.
lua_script update_script(R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('HINCRBY', KEYS[1], 'gen', 1)
if ARGV[2] == '1' then
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    redis.call('DEL', ARGV[1] .. id)
  end
  redis.call('DEL', KEYS[2])
end
return 1
)lua");

const char* const account_fields[]
    = {"name", "unit", "office", "roles", "disabled", "created", "updated"};

std::int64_t to_int(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}

/// An account from the HMGET of account_fields; nullopt if it does not exist.
std::optional<account> parse_account(std::string username, const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != std::size(account_fields)
      || r->element[0]->type != REDIS_REPLY_STRING)
    return std::nullopt;
  const auto field = [&](std::size_t i) { return redis::reply_string(r->element[i]); };
  account a;
  a.username = std::move(username);
  a.display_name = field(0);
  a.unit_id = field(1);
  a.office = field(2) == "1";
  a.roles = routing::split_roles(field(3)).value_or(routing::role_set{});
  a.disabled = field(4) == "1";
  a.created_at = to_int(field(5));
  a.updated_at = to_int(field(6));
  return a;
}

void need_username(std::string_view username) {
  if (!routing::valid_username(username))
    throw account_refused(account_errc::invalid_username, "username",
                          "a username has 3-64 characters of a-z 0-9 . _ -");
}

[[noreturn]] void not_found(std::string_view username) {
  throw account_refused(account_errc::not_found, "username",
                        "no account '" + std::string(username) + "'");
}

} // namespace

std::string_view to_string(account_errc c) {
  switch (c) {
  case account_errc::invalid_username:
    return "invalid_username";
  case account_errc::invalid_display_name:
    return "invalid_display_name";
  case account_errc::invalid_password:
    return "invalid_password";
  case account_errc::invalid_role:
    return "invalid_role";
  case account_errc::unknown_unit:
    return "unknown_unit";
  case account_errc::exists:
    return "exists";
  case account_errc::not_found:
    return "not_found";
  }
  return "unknown";
}

std::optional<std::string> display_name_problem(std::string_view name) {
  const auto n = utf8_length(name);
  if (!n)
    return "the display name is not valid UTF-8";
  if (*n < 1 || *n > 32)
    return "a display name has 1-32 characters";
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto b = static_cast<unsigned char>(name[i]);
    // C0 and DEL are single bytes; C1 (U+0080-U+009F) is encoded C2 80-9F.
    const bool c1 = b == 0xc2 && i + 1 < name.size()
                    && static_cast<unsigned char>(name[i + 1]) >= 0x80
                    && static_cast<unsigned char>(name[i + 1]) <= 0x9f;
    if (b < 0x20 || b == 0x7f || c1)
      return "a display name may not hold control characters";
  }
  return std::nullopt;
}

accounts::accounts(redis::pool& pool, password_options passwords, std::string prefix)
    : pool_(pool), passwords_(passwords), prefix_(std::move(prefix)) {}

account accounts::add(const new_account& a, const routing::directory& dir, std::int64_t now) {
  need_username(a.username);
  if (auto problem = display_name_problem(a.display_name))
    throw account_refused(account_errc::invalid_display_name, "display_name", *problem);
  const bool office = a.unit_id == dir.office_id();
  if (!office && dir.find_unit(a.unit_id) == nullptr)
    throw account_refused(account_errc::unknown_unit, "unit",
                          "no unit '" + a.unit_id + "' in the directory");
  if (auto e = routing::check_account_roles(office, a.roles))
    throw account_refused(account_errc::invalid_role, e->field, e->message);
  if (auto problem = password_problem(a.password))
    throw account_refused(account_errc::invalid_password, "password", *problem);

  account out;
  out.username = a.username;
  out.display_name = a.display_name;
  out.unit_id = a.unit_id;
  out.office = office;
  out.roles = a.roles;
  out.created_at = out.updated_at = now;
  const std::string stamp = std::to_string(now);
  const std::string hash = hash_password(a.password, passwords_);
  auto c = pool_.acquire();
  auto r = add_script.run(
      *c, {keys::user(prefix_, a.username), keys::users(prefix_), keys::user(prefix_, "")},
      {"name", a.display_name, "unit", a.unit_id, "office", office ? "1" : "0", "roles",
       routing::join_roles(a.roles), "hash", hash, "disabled", "0", "created", stamp, "updated",
       stamp, "gen", "1"},
      "add account");
  if (redis::reply_integer(r.get()) != 1)
    throw account_refused(account_errc::exists, "username",
                          "an account '" + a.username + "' exists already");
  return out;
}

std::optional<account> accounts::get(std::string_view username) {
  if (!routing::valid_username(username))
    return std::nullopt;
  std::vector<std::string> cmd{"HMGET", keys::user(prefix_, username)};
  cmd.insert(cmd.end(), std::begin(account_fields), std::end(account_fields));
  auto c = pool_.acquire();
  auto r = c->command(cmd);
  redis::check(r.get(), "HMGET account");
  return parse_account(std::string(username), r.get());
}

std::vector<account> accounts::list() {
  auto c = pool_.acquire();
  auto names = c->command({"SMEMBERS", keys::users(prefix_)});
  redis::check(names.get(), "SMEMBERS accounts");
  std::vector<std::string> usernames;
  for (std::size_t i = 0; i < names->elements; ++i)
    usernames.push_back(redis::reply_string(names->element[i]));
  std::sort(usernames.begin(), usernames.end());
  std::vector<std::vector<std::string>> cmds;
  for (const auto& u : usernames) {
    std::vector<std::string> cmd{"HMGET", keys::user(prefix_, u)};
    cmd.insert(cmd.end(), std::begin(account_fields), std::end(account_fields));
    cmds.push_back(std::move(cmd));
  }
  std::vector<account> out;
  if (cmds.empty())
    return out;
  auto replies = c->pipeline(cmds);
  for (std::size_t i = 0; i < replies.size(); ++i) {
    redis::check(replies[i].get(), "HMGET account");
    if (auto a = parse_account(usernames[i], replies[i].get()))
      out.push_back(std::move(*a));
  }
  return out;
}

bool accounts::update(std::string_view username, const std::vector<std::string>& fields,
                      bool end_sessions, std::int64_t now) {
  if (!routing::valid_username(username))
    return false;
  std::vector<std::string> args{keys::session_prefix(prefix_), end_sessions ? "1" : "0"};
  args.insert(args.end(), fields.begin(), fields.end());
  args.insert(args.end(), {"updated", std::to_string(now)});
  auto c = pool_.acquire();
  auto r = update_script.run(
      *c, {keys::user(prefix_, username), keys::user_sessions(prefix_, username)}, args,
      "update account");
  return redis::reply_integer(r.get()) == 1;
}

void accounts::disable(std::string_view username, std::int64_t now) {
  if (!update(username, {"disabled", "1"}, true, now))
    not_found(username);
}

void accounts::enable(std::string_view username, std::int64_t now) {
  if (!update(username, {"disabled", "0"}, false, now))
    not_found(username);
}

void accounts::set_password(std::string_view username, std::string_view password,
                            std::int64_t now) {
  if (auto problem = password_problem(password))
    throw account_refused(account_errc::invalid_password, "password", *problem);
  if (!update(username, {"hash", hash_password(password, passwords_)}, true, now))
    not_found(username);
}

void accounts::set_roles(std::string_view username, routing::role_set roles, std::int64_t now) {
  const auto current = get(username);
  if (!current)
    not_found(username);
  if (auto e = routing::check_account_roles(current->office, roles))
    throw account_refused(account_errc::invalid_role, e->field, e->message);
  if (!update(username, {"roles", routing::join_roles(roles)}, true, now))
    not_found(username);
}

} // namespace hotline::auth
