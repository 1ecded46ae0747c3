// Worklists: a unit's inbox, the office's coordination queue and returns.
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/views.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
using nlohmann::json;

// GET /api/v1/units/{unit_id}/inbox — the unit's own staff, or the office.
void inbox(const call_ptr& c) {
  const auto unit_id = c->param("unit_id");
  if (!c->office() && c->who->unit_id != unit_id)
    throw api_error{403, "forbidden", "a unit sees only its own inbox", "unit_id"};
  c->ctx.rt.inbox(unit_id, c->guard([c, unit_id](actors::inbox_reply box) {
    if (box.error)
      throw from_failure(*box.error);
    json items = json::array();
    for (const auto& t : box.tickets)
      items.push_back(ticket_view(c->ctx.svc, t, true));
    c->reply(
        200,
        {{"unit_id", unit_id}, {"unit_name", unit_name(c->ctx.svc, unit_id)}, {"tickets", items}});
  }));
}

// GET /api/v1/coordination — the office's queue (M-RT-2, M-RT-4, M-SV-2).
void coordination_queue(const call_ptr& c) {
  with_storage(c, [c] {
    const auto nos = c->ctx.svc.store.coordination_queue();
    // Every ticket asked at once; the answer goes when the last one is in.
    struct gather {
      std::mutex mtx;
      std::vector<json> views;
      std::size_t left;
    };
    auto g = std::make_shared<gather>();
    g->views.resize(nos.size());
    g->left = nos.size();
    if (nos.empty())
      return c->reply(200, {{"tickets", json::array()}});
    for (std::size_t i = 0; i < nos.size(); ++i)
      c->ctx.rt.get(nos[i], c->guard([c, g, i](actors::ticket_reply t) {
        json view = t.error ? json(nullptr) : ticket_view(c->ctx.svc, t, true);
        std::lock_guard<std::mutex> lock(g->mtx);
        g->views[i] = std::move(view);
        if (--g->left > 0)
          return;
        json items = json::array();
        for (auto& v : g->views)
          if (!v.is_null())
            items.push_back(std::move(v));
        c->reply(200, {{"tickets", items}});
      }));
  });
}

// GET /api/v1/returns — tickets returned per unit (M-RT-4, evaluation).
void returns(const call_ptr& c) {
  with_storage(c, [c] {
    json counts = json::array();
    for (const auto& [unit, n] : c->ctx.svc.store.return_counts())
      counts.push_back(
          {{"unit_id", unit}, {"unit_name", unit_name(c->ctx.svc, unit)}, {"returns", n}});
    c->reply(200, {{"returns", counts}});
  });
}

} // namespace hotline::http::handlers
