#include "adapters/http/handlers/common.hpp"

#include <algorithm>

#include "adapters/redis/connection.hpp"

namespace hotline::http::handlers {

actors::ticket_reply must(const call_ptr& c, actors::ticket_reply t) {
  if (t.error && t.error->code == "moved") {
    if (!c->partition && !t.ticket_no.empty())
      c->partition = c->ctx.svc.store.partition_of(t.ticket_no);
    if (c->partition)
      throw partition_moved{*c->partition};
    throw api_error{503, "unavailable", "the ticket moved to another node; retry", ""};
  }
  if (t.error)
    throw from_failure(*t.error);
  return t;
}

void need_involved(const call_ptr& c, const actors::ticket_reply& t) {
  const auto& who = *c->who;
  if (who.office)
    return;
  const auto& a = t.state.assignment;
  const bool involved = (a
                         && (a->unit_id == who.unit_id || a->supervisor_id == who.unit_id
                             || std::find(a->cooperating.begin(), a->cooperating.end(), who.unit_id)
                                    != a->cooperating.end()))
                        || (t.state.handler && t.state.handler->handler_id == who.unit_id);
  if (!involved)
    throw api_error{403, "forbidden", "the ticket is not this unit's", "ticket_no"};
}

const std::string& acting_unit(const call_ptr& c) {
  if (!c->who || c->who->office)
    throw api_error{403, "forbidden", "only a handling unit's staff act in a unit's name",
                    "authorization"};
  return c->who->unit_id;
}

knowledge::service& kbase(const call_ptr& c) {
  if (!c->ctx.knowledge)
    throw api_error{503, "unavailable", "the knowledge base is not available on this node", ""};
  return *c->ctx.knowledge;
}

void with_storage(const call_ptr& c, std::function<void()> f) {
  c->ctx.blocking([c, f = std::move(f)] {
    c->run([&] {
      try {
        f();
      } catch (const redis::redis_error&) {
        throw api_error{503, "unavailable", "storage is unavailable; retry", ""};
      }
    });
  });
}

redis::audit_entry audit_entry_of(const call_ptr& c, std::string action) {
  redis::audit_entry e;
  e.action = std::move(action);
  e.user = c->who->user;
  e.display_name = c->who->display_name;
  e.unit_id = c->who->unit_id;
  e.client = c->req.remote_ip;
  return e;
}

std::string audit(const call_ptr& c, const std::string& action, const std::string& subject) {
  auto e = audit_entry_of(c, action);
  e.subject = subject;
  return redis::audit_log(c->ctx.pool).append(e);
}

} // namespace hotline::http::handlers
