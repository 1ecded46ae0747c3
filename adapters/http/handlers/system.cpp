// Health, the cluster view and the test clock (metrics: metrics.cpp).
#include "adapters/http/event_hub.hpp"
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/input.hpp"
#include "adapters/http/views.hpp"
#include "adapters/monitor/detector.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
using nlohmann::json;

void healthz(const call_ptr& c) {
  with_storage(c, [c] {
    // Healthy means able to persist: Redis must accept a write.
    if (!c->ctx.svc.store.ping())
      throw api_error{503, "unavailable", "storage does not accept writes", ""};
    // Issue 16 item 1: the office's answer comes as a message; no thread waits.
    c->ctx.rt.alive(c->guard([c](bool ok) {
      if (!ok)
        throw api_error{503, "unavailable", "the office actor does not answer", ""};
      c->reply(200, {{"status", "ok"}, {"storage", "ok"}, {"actors", "ok"}});
    }));
  });
}

void cluster_view(const call_ptr& c) {
  with_storage(c, [c] {
    cluster::cluster_view v;
    try {
      v = c->ctx.cluster.node->view();
    } catch (const std::exception&) {
      throw api_error{503, "unavailable", "storage is unavailable; retry", ""};
    }
    c->reply(200, cluster_json(v));
  });
}

// POST /api/v1/test/clock — only under --test-clock: moves time forward and
// fires every timer that falls due on the way, in order, at its own time
// (M-SV-1).
void move_test_clock(const call_ptr& c) {
  auto body = parse_body(c->req);
  const auto t = instant_field(body, "now");
  auto* clock = c->ctx.test_clock;
  if (t < clock->now())
    throw api_error{422, "invalid_field", "the clock only moves forward", "now"};
  with_storage(c, [c, t, clock] {
    const auto fired = c->ctx.rt.fire_due_timers(t, clock);
    clock->set(t);
    // M-KB-2: review reminders follow the test clock too.
    if (c->ctx.knowledge && c->ctx.push.feed)
      c->ctx.knowledge->remind(r::shanghai_date(t), c->ctx.svc.config.directory.office_id(),
                               *c->ctx.push.feed,
                               actors::system_clock().now() - c->ctx.svc.push_retention.count());
    // Issue 14 item 4 (M-D-1): the warnings are looked for at the new time
    // (under the test clock only then, so a test sees exactly what it made).
    json raised = json::array();
    if (c->ctx.monitor)
      for (const auto& w : c->ctx.monitor->detect(clock->now()))
        raised.push_back(monitor::to_json(w, c->ctx.svc.config.directory));
    c->reply(200, {{"now", r::format_instant(clock->now())},
                   {"fired_timers", fired},
                   {"warnings_raised", raised}});
  });
}

} // namespace hotline::http::handlers
