// POST /api/v1/demands — M-R-1, M-C-1, M-RT-1, M-S-2.
#include "actors/office.hpp"
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/handlers/handlers.hpp"
#include "adapters/http/input.hpp"
#include "adapters/http/views.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
using nlohmann::json;

namespace {

void register_demand(const call_ptr& c, actors::intake_request demand) {
  c->ctx.rt.intake(demand, c->guard([c](actors::ticket_reply t) {
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
    c->reply(std::move(out));
  }));
}

} // namespace

void post_demand(const call_ptr& c) {
  auto demand = parse_demand(parse_body(c->req), c->ctx.svc.config);
  // The route admits anonymous callers and the office's operators and
  // supervisors; only staff dispose otherwise than as a ticket (M-C-1) or
  // give a deadline of their own (M-DL-3, the assigner's decision).
  if (demand.how && demand.how->kind != r::disposal_kind::ticket && !c->who)
    throw api_error{403, "forbidden",
                    "only the office disposes of a demand otherwise than as a ticket", "disposal"};
  if (demand.deadline && !c->who)
    throw api_error{403, "forbidden", "only the office sets a deadline at assignment (M-DL-3)",
                    "deadline"};
  if (!c->who && !c->forwarded) {
    if (auto wait = c->ctx.limits.intakes.take(c->req.remote_ip, std::chrono::steady_clock::now()))
      throw api_error{429, "rate_limited", "too many demands from this address; retry later", "",
                      *wait};
  }
  demand.by = c->person();
  // M-S-2: staff vouch for the caller they speak with; anonymous web and
  // app callers are unverified and never linked to another's ticket.
  demand.verified = c->who.has_value();
  c->need_owner(actors::intake_partition(c->ctx.svc, demand));
  // Issue 13: a direct answer that cites an article is checked first.
  if (demand.how && !demand.how->article_id.empty())
    return with_storage(c, [c, demand]() mutable {
      kb_check_citation(c, *demand.how);
      register_demand(c, std::move(demand));
    });
  register_demand(c, std::move(demand));
}

} // namespace hotline::http::handlers
