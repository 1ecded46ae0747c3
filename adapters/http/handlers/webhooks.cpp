// Webhooks (issue 10): integrators' systems subscribe to the steps of
// tickets; the office lists and removes subscriptions and replays what
// could not be delivered. The secret is sealed at rest and never shown
// again. Every change is written to the audit log (M-D-3).
#include <set>

#include "actors/services.hpp"
#include "adapters/http/handlers/common.hpp"
#include "routing/notice.hpp"
#include "adapters/http/input.hpp"
#include "adapters/redis/audit_log.hpp"
#include "adapters/webhooks/delivery.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
namespace wh = hotline::webhooks;
using nlohmann::json;

namespace {

constexpr std::size_t min_secret_bytes = 16;
constexpr std::size_t max_secret_bytes = 1024;
constexpr std::size_t max_list = 256;

wh::store& subscriptions(const call_ptr& c) {
  if (!c->ctx.webhooks.store)
    throw api_error{503, "unavailable", "webhooks are not served by this node", ""};
  return *c->ctx.webhooks.store;
}

/// The subscription id of the path; 404 if it cannot be one.
std::string webhook_id(const call_ptr& c) {
  const auto& id = c->param("webhook_id");
  if (!wh::valid_subscription_id(id))
    throw api_error{404, "not_found", "no such webhook", "webhook_id"};
  return id;
}

[[noreturn]] void unknown_webhook() {
  throw api_error{404, "not_found", "no such webhook", "webhook_id"};
}

json view(const wh::subscription& s) {
  return {{"id", s.id},
          {"url", s.url},
          {"events", s.events},
          {"units", s.units},
          {"created_at", r::format_instant(s.created_at)},
          {"created_by", s.created_by},
          {"cursor", s.cursor},
          {"pending_replays", s.pending_replays}};
}

json letter_view(const wh::dead_letter& d) {
  auto data = json::parse(d.body, nullptr, false);
  return {{"id", d.id},
          {"event", d.step},
          {"attempts", d.attempts},
          {"last_error", d.last_error},
          {"parked_at", r::format_instant(d.parked_at)},
          {"data", data.is_discarded() ? json(d.body) : data}};
}

/// An optional array of distinct strings, each checked by `ok`; errors
/// name the element ("events[2]").
std::vector<std::string> name_list(const json& body, const std::string& key,
                                   const std::function<bool(const std::string&)>& ok,
                                   const std::string& what) {
  auto i = body.find(key);
  if (i == body.end() || i->is_null())
    return {};
  if (!i->is_array())
    throw api_error{422, "invalid_field", "must be an array of " + what, key};
  if (i->size() > max_list)
    throw api_error{422, "invalid_field", "at most " + std::to_string(max_list) + " entries", key};
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::size_t n = 0; n < i->size(); ++n) {
    const auto& x = (*i)[n];
    const auto path = key + "[" + std::to_string(n) + "]";
    if (!x.is_string() || !ok(x.get<std::string>()))
      throw api_error{422, "invalid_field", "must be one of " + what, path};
    if (seen.insert(x.get<std::string>()).second)
      out.push_back(x.get<std::string>());
  }
  return out;
}

} // namespace

// POST /api/v1/webhooks {"url","secret","events":[…],"units":[…]} → 201
// with the subscription (never its secret). Only later steps are sent.
void add_webhook(const call_ptr& c) {
  auto& subs = subscriptions(c);
  auto body = parse_body(c->req);
  for (const auto& [key, value] : body.items())
    if (key != "url" && key != "secret" && key != "events" && key != "units")
      throw api_error{422, "invalid_field", "unknown field; give url, secret, events, units", key};
  wh::new_subscription s;
  s.url = text_field(body, "url", "url", 1, 2048);
  std::string why;
  if (!wh::parse_url(s.url, &why))
    throw api_error{422, "invalid_field", "the URL " + why, "url"};
  const auto& secret = require(body, "secret", "secret");
  if (!secret.is_string())
    throw api_error{422, "invalid_field", "must be a string", "secret"};
  s.secret = secret.get<std::string>();
  if (s.secret.size() < min_secret_bytes || s.secret.size() > max_secret_bytes)
    throw api_error{422, "invalid_field",
                    "must be 16 to 1024 bytes; use a random value of 32 bytes or more", "secret"};
  const auto& steps = r::notice_steps();
  s.events = name_list(
      body, "events",
      [&](const std::string& x) {
        // Issue 14: the office's early warnings, asked for by name only.
        return x == "warning" || std::find(steps.begin(), steps.end(), x) != steps.end();
      },
      "the step names (docs/API.md, Webhooks) or warning; [] for every step");
  const auto& dir = c->ctx.svc.config.directory;
  s.units = name_list(
      body, "units", [&](const std::string& x) { return dir.find_unit(x) != nullptr; },
      "the unit ids of GET /api/v1/units; [] for every unit");
  s.created_by = c->who->user;
  with_storage(c, [c, s, &subs] {
    auto made = subs.create(s, actors::system_clock().now());
    audit(c, "webhook_add", made.id);
    c->reply(201, view(made));
  });
}

// GET /api/v1/webhooks
void list_webhooks(const call_ptr& c) {
  auto& subs = subscriptions(c);
  with_storage(c, [c, &subs] {
    json list = json::array();
    for (const auto& s : subs.list())
      list.push_back(view(s));
    c->reply(200, {{"webhooks", list}});
  });
}

// GET /api/v1/webhooks/{webhook_id}
void get_webhook(const call_ptr& c) {
  auto& subs = subscriptions(c);
  const auto id = webhook_id(c);
  with_storage(c, [c, id, &subs] {
    auto s = subs.get(id);
    if (!s)
      unknown_webhook();
    c->reply(200, view(*s));
  });
}

// DELETE /api/v1/webhooks/{webhook_id} → 204; deliveries stop, dead letters go.
void remove_webhook(const call_ptr& c) {
  auto& subs = subscriptions(c);
  const auto id = webhook_id(c);
  with_storage(c, [c, id, &subs] {
    if (!subs.remove(id))
      unknown_webhook();
    audit(c, "webhook_remove", id);
    response out;
    out.status = 204;
    out.content_type.clear();
    c->reply(std::move(out));
  });
}

// GET /api/v1/webhooks/{webhook_id}/dead-letters
void webhook_dead_letters(const call_ptr& c) {
  auto& subs = subscriptions(c);
  const auto id = webhook_id(c);
  with_storage(c, [c, id, &subs] {
    auto letters = subs.dead_letters(id);
    if (!letters)
      unknown_webhook();
    json list = json::array();
    for (const auto& d : *letters)
      list.push_back(letter_view(d));
    c->reply(200, {{"dead_letters", list}});
  });
}

// POST /api/v1/webhooks/{webhook_id}/dead-letters/replay [{"ids":[…]}] →
// 202 {"queued":[…]}: those dead letters (all without ids) are sent again,
// before the subscription's next events.
void replay_webhook(const call_ptr& c) {
  auto& subs = subscriptions(c);
  const auto id = webhook_id(c);
  auto body = parse_optional_body(c->req);
  for (const auto& [key, value] : body.items())
    if (key != "ids")
      throw api_error{422, "invalid_field", "unknown field; give ids, or nothing for all", key};
  const auto ids = name_list(
      body, "ids", [](const std::string& x) { return redis::stream_id::parse(x).has_value(); },
      "event ids (\"ms-seq\")");
  const auto asked = body.value("ids", json::array());
  with_storage(c, [c, id, ids, asked, &subs] {
    auto out = subs.replay(id, ids);
    if (!out)
      unknown_webhook();
    if (!out->missing.empty()) {
      std::size_t at = 0;
      while (at < asked.size() && asked[at] != out->missing)
        ++at;
      throw api_error{422, "invalid_field", "no dead letter with this id; nothing was queued",
                      "ids[" + std::to_string(at) + "]"};
    }
    audit(c, "webhook_replay", id);
    if (auto* e = c->ctx.webhooks.engine)
      e->notify();
    c->reply(202, {{"queued", out->queued}});
  });
}

} // namespace hotline::http::handlers
