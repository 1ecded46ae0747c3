// GET /metrics — Prometheus text format 0.0.4 for the operators of the
// system (issue 14 item 4). This node's own figures (requests and their
// latency per route, Redis and PostgreSQL round trips, actors, streams,
// webhooks) and the city's from Redis, the same on every node (open tickets
// by status and kind of unit, overdue, supervised, due timers, the archive's
// queue, the push feed, webhook backlog). Names: docs/MONITORING.md.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

#include "adapters/http/event_hub.hpp"
#include "adapters/http/handlers/common.hpp"
#include "adapters/monitor/histogram.hpp"
#include "adapters/monitor/overview.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;

namespace {

void family(std::ostream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

// A label value as the text format wants it (\\, \" and \n escaped).
std::string label(const std::string& v) {
  std::string out;
  for (char ch : v) {
    if (ch == '\\' || ch == '"')
      out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

// This process's figures: no Redis needed.
void node_figures(api_context& ctx, std::ostream& out) {
  family(out, "hotline_http_requests_total", "counter", "HTTP requests by route and status.");
  std::vector<std::pair<std::pair<std::string, std::string>, const monitor::histogram*>> timings;
  {
    std::lock_guard<std::mutex> lock(ctx.metrics_mtx);
    for (const auto& [key, n] : ctx.requests)
      out << "hotline_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second
          << "\"} " << n << "\n";
    for (const auto& [key, h] : ctx.latencies)
      timings.push_back({key, h.get()});
  }
  family(out, "hotline_http_request_duration_seconds", "histogram",
         "Time from a request's dispatch to its answer (or a stream's head), by method and "
         "route pattern.");
  for (const auto& [key, h] : timings)
    h->write(out, "hotline_http_request_duration_seconds",
             "method=\"" + label(key.first) + "\",route=\"" + label(key.second) + "\"");
  family(out, "hotline_redis_round_trip_seconds", "histogram",
         "Redis round trips of this process (one command or one pipeline).");
  monitor::redis_round_trips().write(out, "hotline_redis_round_trip_seconds", "");
  family(out, "hotline_postgres_round_trip_seconds", "histogram",
         "PostgreSQL statements of this process (the archive, issue 14).");
  monitor::postgres_round_trips().write(out, "hotline_postgres_round_trip_seconds", "");
  family(out, "hotline_live_ticket_actors", "gauge", "Ticket actors in memory (not passivated).");
  out << "hotline_live_ticket_actors " << ctx.rt.live_tickets() << "\n";
  family(out, "hotline_partitions_owned", "gauge", "Partitions this node owns (issue 4).");
  out << "hotline_partitions_owned " << ctx.svc.own.owned().size() << "\n";
  family(out, "hotline_forwarded_total", "counter",
         "Requests this node sent to a partition's owner.");
  out << "hotline_forwarded_total " << ctx.cluster.forwarder->forwarded() << "\n";
  family(out, "hotline_forwarded_served_total", "counter",
         "Forwarded requests this node ran as owner.");
  out << "hotline_forwarded_served_total " << ctx.cluster.forwarder->served() << "\n";
  family(out, "hotline_shed_total", "counter",
         "Requests refused with 503 because the node was at capacity.");
  out << "hotline_shed_total " << ctx.shed.load() << "\n";
  family(out, "hotline_inflight", "gauge", "Client requests being served now.");
  out << "hotline_inflight " << ctx.inflight.load() << "\n";
  family(out, "hotline_units", "gauge", "Handling units in the directory.");
  out << "hotline_units " << ctx.svc.config.directory.units().size() << "\n";
  if (ctx.push.hub) {
    family(out, "hotline_event_streams", "gauge", "Server-Sent Event streams open on this node.");
    out << "hotline_event_streams " << ctx.push.hub->streams() << "\n";
  }
  if (const auto* wh = ctx.webhooks.engine) {
    const auto st = wh->stats();
    family(out, "hotline_webhook_deliveries_total", "counter",
           "Webhook deliveries by outcome (issue 10): answered 2xx, failed tries, events parked "
           "as dead letters.");
    out << "hotline_webhook_deliveries_total{outcome=\"delivered\"} " << st.delivered << "\n"
        << "hotline_webhook_deliveries_total{outcome=\"failed\"} " << st.failed << "\n"
        << "hotline_webhook_deliveries_total{outcome=\"parked\"} " << st.parked << "\n";
  }
  if (ctx.monitor) {
    const auto st = ctx.monitor->counts();
    family(out, "hotline_warning_runs_total", "counter",
           "Runs of the early-warning detector on this node (M-D-1).");
    out << "hotline_warning_runs_total " << st.runs << "\n";
    family(out, "hotline_warnings_raised_total", "counter",
           "Warnings this node raised first (M-D-1; each is raised once in the cluster).");
    out << "hotline_warnings_raised_total " << st.raised << "\n";
  }
}

double stream_ms(const std::string& id) {
  return double(std::strtoull(id.c_str(), nullptr, 10));
}

// The city's figures, from Redis (the same on every node).
void city_figures(api_context& ctx, std::ostream& out) {
  const auto now = ctx.svc.clk.now();
  const auto& store = ctx.svc.store;
  const std::string& prefix = store.prefix();
  // A connection of its own with a short timeout: a scrape while Redis is
  // slow or paused answers at once with the node's figures and
  // hotline_storage_up 0, instead of waiting (and holding a pooled
  // connection) for as long as the requests do.
  auto c = std::make_unique<redis::connection>(ctx.pool.where(), std::chrono::milliseconds(250));
  const auto o = monitor::read_overview(*c, monitor::keys{prefix}, now, 0);
  family(out, "hotline_tickets_open", "gauge", "Open tickets by status (M-D-1).");
  for (const auto& [s, n] : o.by_status)
    out << "hotline_tickets_open{status=\"" << label(s) << "\"} " << n << "\n";
  family(out, "hotline_tickets_open_by_unit_kind", "gauge",
         "Open tickets by the kind of their lead unit.");
  for (const auto& [k, n] : o.by_unit_kind)
    out << "hotline_tickets_open_by_unit_kind{kind=\"" << label(k) << "\"} " << n << "\n";
  family(out, "hotline_tickets_overdue", "gauge", "Open tickets past their deadline (M-SV-1).");
  out << "hotline_tickets_overdue " << o.overdue << "\n";
  family(out, "hotline_tickets_due_today", "gauge", "Open tickets whose last day is today.");
  out << "hotline_tickets_due_today " << o.due_today << "\n";
  family(out, "hotline_tickets_supervised", "gauge", "Open tickets under 督办 or above (M-SV-1).");
  out << "hotline_tickets_supervised " << o.supervised << "\n";
  // Due timers not yet fired, the archive's queue: one pipeline over the
  // partitions.
  const auto parts = store.partitions();
  std::vector<std::vector<std::string>> cmds;
  for (cluster::partition_id p = 0; p < parts; ++p) {
    const auto timers = prefix + ":timers:" + std::to_string(p);
    cmds.push_back({"ZCOUNT", timers, "-inf", std::to_string(now)});
    cmds.push_back({"ZRANGEBYSCORE", timers, "-inf", "+inf", "WITHSCORES", "LIMIT", "0", "1"});
    cmds.push_back({"ZCOUNT", store.closed_key(p), "-inf", "+inf"});
    cmds.push_back(
        {"ZRANGEBYSCORE", store.closed_key(p), "-inf", "+inf", "WITHSCORES", "LIMIT", "0", "1"});
  }
  cmds.push_back({"XLEN", prefix + ":push:feed"});
  const auto reps = c->pipeline(cmds);
  long long backlog = 0, queued = 0;
  double oldest_due = 0, oldest_closed = 0;
  auto first_score = [](const redisReply* rep, double& oldest) {
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2) {
      const double s = std::stod(redis::reply_string(rep->element[1]));
      if (oldest == 0 || s < oldest)
        oldest = s;
    }
  };
  for (cluster::partition_id p = 0; p < parts; ++p) {
    for (std::size_t k = 0; k < 4; ++k)
      redis::check(reps[4 * p + k].get(), "metrics");
    backlog += reps[4 * p]->integer;
    first_score(reps[4 * p + 1].get(), oldest_due);
    queued += reps[4 * p + 2]->integer;
    first_score(reps[4 * p + 3].get(), oldest_closed);
  }
  family(out, "hotline_due_timers_backlog", "gauge",
         "Deadline timers due and not yet fired, all partitions (M-SV-1).");
  out << "hotline_due_timers_backlog " << backlog << "\n";
  family(out, "hotline_due_timers_lateness_seconds", "gauge",
         "How late the oldest due timer is (0 when none is due).");
  out << "hotline_due_timers_lateness_seconds "
      << (backlog > 0 && oldest_due > 0 ? std::max(0.0, (double(now) - oldest_due) / 1000) : 0.0)
      << "\n";
  family(out, "hotline_archive_queue_tickets", "gauge",
         "Closed tickets still in Redis, waiting for the archive (issue 14).");
  out << "hotline_archive_queue_tickets " << queued << "\n";
  family(out, "hotline_archive_oldest_closed_age_seconds", "gauge",
         "Age of the oldest closed ticket not yet archived; above --archive-after-hours it is "
         "the archive's lag.");
  out << "hotline_archive_oldest_closed_age_seconds "
      << (oldest_closed > 0 ? std::max(0.0, (double(now) - oldest_closed) / 1000) : 0.0) << "\n";
  redis::check(reps.back().get(), "XLEN");
  family(out, "hotline_push_feed_entries", "gauge",
         "Notices kept in the push feed (issue 10; trimmed after --push-retention-hours).");
  out << "hotline_push_feed_entries " << reps.back()->integer << "\n";
  if (ctx.webhooks.store) {
    // Webhook backlog: how far each subscription's cursor is behind the
    // feed's newest entry, and replays waiting.
    const auto subs = ctx.webhooks.store->list();
    auto last = c->command({"XREVRANGE", prefix + ":push:feed", "+", "-", "COUNT", "1"});
    redis::check(last.get(), "XREVRANGE");
    const double newest
        = last->elements ? stream_ms(redis::reply_string(last->element[0]->element[0])) : 0;
    double behind = 0;
    long long replays = 0;
    for (const auto& s : subs) {
      if (!s.cursor.empty() && newest > stream_ms(s.cursor))
        behind = std::max(behind, (newest - stream_ms(s.cursor)) / 1000);
      replays += s.pending_replays;
    }
    family(out, "hotline_webhook_subscriptions", "gauge", "Webhook subscriptions (issue 10).");
    out << "hotline_webhook_subscriptions " << subs.size() << "\n";
    family(out, "hotline_webhook_backlog_seconds", "gauge",
           "How far the slowest subscription's cursor is behind the feed's newest notice.");
    out << "hotline_webhook_backlog_seconds " << behind << "\n";
    family(out, "hotline_webhook_replays_pending", "gauge", "Dead letters queued for replay.");
    out << "hotline_webhook_replays_pending " << replays << "\n";
  }
}

} // namespace

void metrics(const call_ptr& c) {
  c->ctx.blocking([c] {
    std::ostringstream out;
    try {
      node_figures(c->ctx, out);
      std::ostringstream city;
      bool up = true;
      try {
        city_figures(c->ctx, city);
      } catch (const std::exception& e) {
        spdlog::error("metrics: storage: {}", e.what());
        up = false;
      }
      family(out, "hotline_storage_up", "gauge", "1 when Redis answered this scrape.");
      out << "hotline_storage_up " << (up ? 1 : 0) << "\n";
      if (up)
        out << city.str();
    } catch (const std::exception& e) {
      spdlog::error("metrics: {}", e.what());
      c->fail({500, "internal", "metrics failed", ""});
      return;
    }
    response res;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = out.str();
    c->reply(std::move(res));
  });
}

} // namespace hotline::http::handlers
