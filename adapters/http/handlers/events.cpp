// Server-Sent Events (issue 10): a unit's or the office's steps, pushed.
#include "adapters/http/event_hub.hpp"
#include "adapters/http/handlers/common.hpp"

#include <spdlog/spdlog.h>

namespace hotline::http::handlers {

namespace {

// How many missed events one read of a unit's stream brings.
constexpr std::size_t replay_batch = 500;

void stream_events(const call_ptr& c, const std::string& unit_id) {
  auto& push = c->ctx.push;
  if (!push.hub || !push.feed)
    throw api_error{503, "unavailable", "events are not served by this node", ""};
  // EventSource sends the id of the last event it saw when it reconnects.
  std::string after = c->req.header("last-event-id");
  if (after.empty() && c->req.query.count("last_event_id"))
    after = c->req.query.at("last_event_id");
  if (!after.empty() && !redis::stream_id::parse(after))
    throw api_error{400, "invalid_field", "must be the id of an event this stream sent",
                    "Last-Event-ID"};
  response head;
  head.status = 200;
  head.content_type = "text/event-stream; charset=utf-8";
  head.headers.emplace_back("X-Accel-Buffering", "no"); // nginx: do not buffer
  auto writer = c->stream(std::move(head));
  if (!writer)
    return;
  c->slot.reset(); // an open stream is not a request in flight
  // The client retries after 3 s if the connection drops.
  writer->write("retry: 3000\n: " + unit_id + "\n\n");
  auto sub = push.hub->subscribe(unit_id, writer, after);
  if (after.empty())
    return sub->replayed(); // live from now
  // Missed events from Redis, off the io thread; live ones wait meanwhile.
  c->ctx.blocking([c, sub, unit_id, after] {
    std::string from = after;
    try {
      for (;;) {
        auto batch = c->ctx.push.feed->unit_after(unit_id, from, replay_batch);
        for (const auto& e : batch)
          sub->send(e);
        if (batch.size() < replay_batch || sub->closed())
          break;
        from = batch.back().id;
      }
    } catch (const std::exception& e) {
      spdlog::error("events: replay for {}: {}", unit_id, e.what());
      sub->comment("replay failed; reconnect with Last-Event-ID");
    }
    sub->replayed();
  });
}

} // namespace

// GET /api/v1/units/{unit_id}/events — the unit's own staff, or the office.
void unit_events(const call_ptr& c) {
  const auto unit_id = c->param("unit_id");
  if (!c->office() && c->who->unit_id != unit_id)
    throw api_error{403, "forbidden", "a unit hears only its own events", "unit_id"};
  if (!c->ctx.svc.config.directory.find_unit(unit_id))
    throw api_error{404, "not_found", "no unit " + unit_id, "unit_id"};
  stream_events(c, unit_id);
}

// GET /api/v1/office/events — coordination needs, callbacks due,
// escalations and public notices (M-RT-2, M-SV-1, M-SV-2).
void office_events(const call_ptr& c) {
  stream_events(c, c->ctx.svc.config.directory.office_id());
}

} // namespace hotline::http::handlers
