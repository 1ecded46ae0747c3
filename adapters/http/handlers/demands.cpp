// POST /api/v1/demands — M-R-1, M-C-1, M-RT-1, M-S-2; and, with an
// integrator's key in X-Api-Key, the 渝快办 profile of issue 12 (M-D-2).
#include <regex>

#include "actors/office.hpp"
#include "adapters/auth/integrators.hpp"
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/handlers/handlers.hpp"
#include "adapters/http/input.hpp"
#include "adapters/http/views.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
using nlohmann::json;

namespace {

/// Runs the intake and answers; `integrator`: list the ticket among the
/// integrator's requests (the Open311 index), once it is persisted.
void submit(const call_ptr& c, actors::intake_request demand, bool integrator) {
  c->need_owner(actors::intake_partition(c->ctx.svc, demand));
  c->ctx.rt.intake(demand, c->guard([c, integrator](actors::ticket_reply t) {
    t = must(c, std::move(t));
    if (t.linked) {
      // M-S-2: linked to the open ticket of the same caller and matter; only
      // staff get here, and they learn which ticket it was.
      c->reply(200, {{"linked_to_open_ticket", true},
                     {"rule", "M-S-2"},
                     {"ticket_no", t.ticket_no},
                     {"status", r::to_string(t.state.status)},
                     {"message", "同一来电人就同一事项已有在办工单，本次诉求已并入该工单"}});
      return;
    }
    auto out = json_response(201, intake_view(c->ctx.svc, t));
    if (!t.created)
      out.headers.emplace_back("Idempotent-Replayed", "true");
    if (!integrator)
      return c->reply(std::move(out));
    with_storage(c, [c, t, out] {
      // Like an Open311 POST: indexed after the intake is persisted; a
      // retry (same external_id) indexes again.
      auth::integrators(c->ctx.pool).record_request(t.ticket_no, t.state.intake->at);
      c->reply(out);
    });
  }));
}

/// The 渝快办 profile: the demand is the integrator's, as through Open311 —
/// channel integrator, given by integrator:{name}, its external_id kept in
/// the request id o311.{name}.{external_id} (auth/integrator_ids.hpp), an
/// unverified caller (M-S-2), its key's scope and rate.
void submit_as_integrator(const call_ptr& c, actors::intake_request demand, std::string key,
                          std::string external_id) {
  with_storage(c, [c, demand, key, external_id]() mutable {
    const auto who = auth::integrators(c->ctx.pool).by_key(key);
    if (!who)
      throw api_error{401, "unauthorized", "invalid or disabled API key", "X-Api-Key"};
    if (!who->may(auth::integrator_scope::intake))
      throw api_error{403, "forbidden", "this key lacks the 'intake' scope", "X-Api-Key"};
    if (auto wait = c->ctx.limits.integrators.take(who->name, who->rate_per_minute,
                                                   std::chrono::steady_clock::now()))
      throw api_error{429, "rate_limited", "too many requests for this key; slow down", "X-Api-Key",
                      *wait};
    if (demand.via != r::channel::integrator)
      throw api_error{422, "invalid_field", "an integrator files with channel integrator",
                      "channel"};
    demand.request_id
        = "o311." + who->name + "." + (external_id.empty() ? "~" + demand.request_id : external_id);
    demand.by = r::person{who->channel(), who->display};
    demand.verified = false;
    submit(c, std::move(demand), true);
  });
}

} // namespace

void post_demand(const call_ptr& c) {
  auto body = parse_body(c->req);
  const auto key = c->req.header("x-api-key");
  std::string external_id;
  if (auto i = body.find("external_id"); i != body.end() && !i->is_null()) {
    static const std::regex id("^[A-Za-z0-9._:-]{1,90}$");
    if (!i->is_string() || !std::regex_match(i->get<std::string>(), id))
      throw api_error{422, "invalid_field", "must be 1-90 characters of A-Z a-z 0-9 . _ : -",
                      "external_id"};
    if (key.empty())
      throw api_error{403, "forbidden", "only an integrator's key (X-Api-Key) gives an external_id",
                      "external_id"};
    external_id = i->get<std::string>();
    body.erase("external_id");
  }
  if (!key.empty() && c->who)
    throw api_error{400, "bad_request", "give a bearer token or an integrator's key, not both",
                    "X-Api-Key"};
  auto demand = parse_demand(body, c->ctx.svc.config);
  // The route admits anonymous callers and the office's operators and
  // supervisors; only staff dispose otherwise than as a ticket (M-C-1) or
  // give a deadline of their own (M-DL-3, the assigner's decision).
  if (demand.how && demand.how->kind != r::disposal_kind::ticket && !c->who)
    throw api_error{403, "forbidden",
                    "only the office disposes of a demand otherwise than as a ticket", "disposal"};
  if (demand.deadline && !c->who)
    throw api_error{403, "forbidden", "only the office sets a deadline at assignment (M-DL-3)",
                    "deadline"};
  // An integrator's intakes count against its key's rate, not its address.
  if (!key.empty())
    return submit_as_integrator(c, std::move(demand), key, external_id);
  if (!c->who && !c->forwarded) {
    if (auto wait = c->ctx.limits.intakes.take(c->req.remote_ip, std::chrono::steady_clock::now()))
      throw api_error{429, "rate_limited", "too many demands from this address; retry later", "",
                      *wait};
  }
  demand.by = c->person();
  // M-S-2: staff vouch for the caller they speak with; anonymous web and
  // app callers are unverified and never linked to another's ticket.
  demand.verified = c->who.has_value();
  // Issue 13: a direct answer that cites an article is checked first.
  if (demand.how && !demand.how->article_id.empty()) {
    c->need_owner(actors::intake_partition(c->ctx.svc, demand));
    return with_storage(c, [c, demand]() mutable {
      kb_check_citation(c, *demand.how);
      submit(c, std::move(demand), false);
    });
  }
  submit(c, std::move(demand), false);
}

} // namespace hotline::http::handlers

namespace hotline::http::handlers {

// POST /api/v1/routing/preview (issue 15): what an intake would do with the
// demand now — the unit and its reasons with rule ids (M-RT-1, M-RT-2), the
// deadline (M-DL-1..3) and an open ticket of the same caller and matter it
// would be linked to (M-S-2) — without writing anything. The same router
// and the same workflow decision as the intake, on an empty ticket.
void preview_routing(const call_ptr& c) {
  const auto body = parse_body(c->req);
  auto demand = parse_preview(body, c->ctx.svc.config);
  const auto& svc = c->ctx.svc;
  const auto now = svc.clk.now();
  if (demand.deadline && *demand.deadline <= now)
    throw api_error{422, "invalid_field", "deadline must be in the future", "deadline"};
  auto route = svc.router.route({demand.kind, demand.category, demand.where});
  if (auto* err = std::get_if<r::routing_error>(&route))
    throw api_error{422, err->code, err->message, err->field};
  r::register_demand cmd;
  cmd.intake.kind = demand.kind;
  cmd.intake.category = demand.category;
  cmd.intake.address = demand.where.address;
  cmd.intake.coords = demand.where.coords;
  cmd.deadline = demand.deadline;
  if (auto* a = std::get_if<r::assignment>(&route))
    cmd.route = *a;
  else
    cmd.route = std::get<r::needs_coordination>(route);
  const auto decided = r::decide(r::ticket_state{}, r::command{cmd}, now, svc.policy);
  if (auto* err = std::get_if<r::workflow_error>(&decided))
    throw api_error{422, "invalid_field", err->message, err->field};
  const auto state = r::fold(std::get<std::vector<r::event>>(decided));
  json v{{"status", r::to_string(state.status)}};
  placement_fields(svc, state, v);
  v["repeat_of"] = nullptr;
  if (demand.caller_phone.empty())
    return c->reply(200, v);
  const auto key = actors::repeat_key(svc, demand);
  with_storage(c, [c, v, key]() mutable {
    if (auto open = c->ctx.svc.store.open_repeat(key))
      v["repeat_of"] = {{"ticket_no", *open},
                        {"rule", "M-S-2"},
                        {"message", "同一来电人就同一事项已有在办工单，保存后将并入该工单"}};
    c->reply(200, v);
  });
}

} // namespace hotline::http::handlers
