// Health, metrics, the cluster view and the test clock.
#include <sstream>

#include "adapters/http/event_hub.hpp"
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/input.hpp"
#include "adapters/http/views.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
using nlohmann::json;

void healthz(const call_ptr& c) {
  with_storage(c, [c] {
    // Healthy means able to persist: Redis must accept a write.
    if (!c->ctx.svc.store.ping())
      throw api_error{503, "unavailable", "storage does not accept writes", ""};
    if (!c->ctx.rt.alive())
      throw api_error{503, "unavailable", "the office actor does not answer", ""};
    c->reply(200, {{"status", "ok"}, {"storage", "ok"}, {"actors", "ok"}});
  });
}

void metrics(const call_ptr& c) {
  auto& ctx = c->ctx;
  std::ostringstream out;
  out << "# HELP hotline_http_requests_total HTTP requests by route and status.\n"
         "# TYPE hotline_http_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lock(ctx.metrics_mtx);
    for (const auto& [key, n] : ctx.requests)
      out << "hotline_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second
          << "\"} " << n << "\n";
  }
  out << "# HELP hotline_live_ticket_actors Ticket actors in memory (not passivated).\n"
         "# TYPE hotline_live_ticket_actors gauge\n"
      << "hotline_live_ticket_actors " << ctx.rt.live_tickets() << "\n";
  out << "# HELP hotline_partitions_owned Partitions this node owns (issue 4).\n"
         "# TYPE hotline_partitions_owned gauge\n"
      << "hotline_partitions_owned " << ctx.svc.own.owned().size() << "\n";
  out << "# HELP hotline_forwarded_total Requests this node sent to a partition's owner.\n"
         "# TYPE hotline_forwarded_total counter\n"
      << "hotline_forwarded_total " << ctx.cluster.forwarder->forwarded() << "\n";
  out << "# HELP hotline_forwarded_served_total Forwarded requests this node ran as owner.\n"
         "# TYPE hotline_forwarded_served_total counter\n"
      << "hotline_forwarded_served_total " << ctx.cluster.forwarder->served() << "\n";
  out << "# HELP hotline_shed_total Requests refused with 503 because the node was at capacity.\n"
         "# TYPE hotline_shed_total counter\n"
      << "hotline_shed_total " << ctx.shed.load() << "\n";
  out << "# HELP hotline_inflight Client requests being served now.\n"
         "# TYPE hotline_inflight gauge\n"
      << "hotline_inflight " << ctx.inflight.load() << "\n";
  out << "# HELP hotline_units Handling units in the directory.\n"
         "# TYPE hotline_units gauge\n"
      << "hotline_units " << ctx.svc.config.directory.units().size() << "\n";
  if (ctx.push.hub)
    out << "# HELP hotline_event_streams Server-Sent Event streams open on this node.\n"
           "# TYPE hotline_event_streams gauge\n"
        << "hotline_event_streams " << ctx.push.hub->streams() << "\n";
  if (const auto* wh = ctx.webhooks.engine) {
    const auto st = wh->stats();
    out << "# HELP hotline_webhook_deliveries_total Webhook deliveries by outcome (issue 10): "
           "answered 2xx, failed tries, events parked as dead letters.\n"
           "# TYPE hotline_webhook_deliveries_total counter\n"
        << "hotline_webhook_deliveries_total{outcome=\"delivered\"} " << st.delivered << "\n"
        << "hotline_webhook_deliveries_total{outcome=\"failed\"} " << st.failed << "\n"
        << "hotline_webhook_deliveries_total{outcome=\"parked\"} " << st.parked << "\n";
  }
  response res;
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  res.body = out.str();
  c->reply(std::move(res));
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
    c->reply(200, {{"now", r::format_instant(clock->now())}, {"fired_timers", fired}});
  });
}

} // namespace hotline::http::handlers
