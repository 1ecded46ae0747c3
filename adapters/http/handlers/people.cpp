// People (M-U-1): signing in and out, and the accounts an admin manages.
// Changes of accounts are written to the audit log (M-D-3).
#include "actors/services.hpp"
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/input.hpp"
#include "adapters/http/views.hpp"
#include "adapters/redis/audit_log.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
using nlohmann::json;

namespace {

std::int64_t now_ms() {
  return actors::system_clock().now();
}

json roles_json(r::role_set roles) {
  json out = json::array();
  for (auto x : roles.list())
    out.push_back(r::to_string(x));
  return out;
}

json principal_json(const call_ptr& c, const r::principal& p) {
  return {{"username", p.user},   {"display_name", p.display_name},
          {"unit_id", p.unit_id}, {"unit_name", unit_name(c->ctx.svc, p.unit_id)},
          {"office", p.office},   {"roles", roles_json(p.roles)}};
}

json account_json(const call_ptr& c, const auth::account& a) {
  return {{"username", a.username},
          {"display_name", a.display_name},
          {"unit_id", a.unit_id},
          {"unit_name", unit_name(c->ctx.svc, a.unit_id)},
          {"office", a.office},
          {"roles", roles_json(a.roles)},
          {"disabled", a.disabled},
          {"created_at", r::format_instant(a.created_at)},
          {"updated_at", r::format_instant(a.updated_at)}};
}

api_error from_refusal(const auth::account_refused& e) {
  const int status = e.code() == auth::account_errc::exists      ? 409
                     : e.code() == auth::account_errc::not_found ? 404
                                                                 : 422;
  return {status, std::string(auth::to_string(e.code())), e.what(), e.field()};
}

} // namespace

// POST /api/v1/session {"username","password"} → 201 {"token","expires_at","user"}.
void login(const call_ptr& c) {
  auto body = parse_body(c->req);
  const auto username = text_field(body, "username", "username", 1, 64);
  const auto password = text_field(body, "password", "password", 1, 1024);
  // Argon2id takes a tenth of a second: never on an io thread.
  with_storage(c, [c, username, password] {
    auto out = c->ctx.auth.sessions->login(username, password, c->req.remote_ip, now_ms());
    if (!out) {
      if (out.error == auth::login_error::rate_limited)
        throw api_error{429, "rate_limited", "too many failed logins; retry later", "",
                        static_cast<int>(out.retry_after_s)};
      throw api_error{401, "invalid_credentials", "wrong username or password", "password"};
    }
    const auto& s = *out.session;
    c->reply(201, {{"token", s.token},
                   {"expires_at", r::format_instant(s.expires_at)},
                   {"user", principal_json(c, s.who)}});
  });
}

// DELETE /api/v1/session — ends the caller's own session.
void logout(const call_ptr& c) {
  if (c->who->session.empty())
    throw api_error{422, "not_a_session",
                    "an automation token cannot be ended; it expires (hotline token --ttl)",
                    "authorization"};
  // Authenticated, so the header is "Bearer <token>".
  const std::string token = c->req.authorization.substr(std::string_view("Bearer ").size());
  with_storage(c, [c, token] {
    c->ctx.auth.sessions->logout(token);
    c->ctx.auth.cache->forget(token);
    response out;
    out.status = 204;
    out.content_type.clear();
    c->reply(std::move(out));
  });
}

// GET /api/v1/session — who am I.
void whoami(const call_ptr& c) {
  c->reply(200, {{"user", principal_json(c, *c->who)},
                 {"kind", c->who->session.empty() ? "token" : "session"}});
}

// GET /api/v1/users
void list_users(const call_ptr& c) {
  with_storage(c, [c] {
    json list = json::array();
    for (const auto& a : c->ctx.auth.accounts->list())
      list.push_back(account_json(c, a));
    c->reply(200, {{"users", list}});
  });
}

// POST /api/v1/users {"username","display_name","unit_id","roles","password"}
// → 201; the password is never shown again (nor stored but as Argon2id).
void add_user(const call_ptr& c) {
  auto body = parse_body(c->req);
  auth::new_account a;
  a.username = text_field(body, "username", "username", 1, 64);
  a.display_name = text_field(body, "display_name", "display_name", 1, 32);
  a.unit_id = text_field(body, "unit_id", "unit_id", 1, 64);
  if (a.unit_id == "office")
    a.unit_id = c->ctx.svc.config.directory.office_id();
  a.password = text_field(body, "password", "password", 1, 1024);
  const auto& roles = require(body, "roles", "roles");
  if (!roles.is_array() || roles.empty())
    throw api_error{422, "invalid_field", "must be a non-empty array of role names", "roles"};
  for (const auto& x : roles) {
    auto parsed = x.is_string() ? r::parse_role(x.get<std::string>()) : std::nullopt;
    if (!parsed)
      throw api_error{422, "invalid_field",
                      "roles are operator, supervisor, liaison, handler, auditor, admin", "roles"};
    a.roles.add(*parsed);
  }
  with_storage(c, [c, a] {
    try {
      auto made = c->ctx.auth.accounts->add(a, c->ctx.svc.config.directory, now_ms());
      audit(c, "user_add", made.username);
      c->reply(201, {{"user", account_json(c, made)}});
    } catch (const auth::account_refused& e) {
      throw from_refusal(e);
    }
  });
}

namespace {
void set_enabled(const call_ptr& c, bool enabled) {
  const auto username = c->param("username");
  with_storage(c, [c, username, enabled] {
    try {
      if (enabled)
        c->ctx.auth.accounts->enable(username, now_ms());
      else
        c->ctx.auth.accounts->disable(username, now_ms());
    } catch (const auth::account_refused& e) {
      throw from_refusal(e);
    }
    audit(c, enabled ? "user_enable" : "user_disable", username);
    auto a = c->ctx.auth.accounts->get(username);
    if (!a)
      throw api_error{404, "not_found", "no account " + username, "username"};
    c->reply(200, {{"user", account_json(c, *a)}});
  });
}
} // namespace

// POST /api/v1/users/{username}/disable — refuses logins and ends every
// session at once, on every node within a second.
void disable_user(const call_ptr& c) {
  set_enabled(c, false);
}

void enable_user(const call_ptr& c) {
  set_enabled(c, true);
}

} // namespace hotline::http::handlers
