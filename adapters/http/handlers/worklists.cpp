// Worklists: a unit's inbox, the office's coordination queue and returns.
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/views.hpp"
#include "routing/civil_time.hpp"
#include "routing/proposal.hpp"

#include <algorithm>

namespace hotline::http::handlers {

namespace r = hotline::routing;
using nlohmann::json;

namespace {

// A unit's own staff, or the office, may read what concerns the unit.
void need_unit_scope(const call_ptr& c, const std::string& unit_id, const char* what) {
  if (!c->office() && c->who->unit_id != unit_id)
    throw api_error{403, "forbidden", std::string("a unit sees only its own ") + what, "unit_id"};
  if (!c->ctx.svc.config.directory.find_unit(unit_id))
    throw api_error{404, "not_found", "no unit " + unit_id, "unit_id"};
}

json summary_view(const actors::services& svc, const r::ticket_summary& t, r::worklist_role role,
                  r::instant now) {
  const auto* cat = svc.config.directory.find_category(t.category);
  json v{{"ticket_no", t.no},
         {"status", r::to_string(t.status)},
         {"status_label", r::label_zh(t.status)},
         {"role", r::to_string(role)},
         {"role_label", r::label_zh(role)},
         {"category", {{"code", t.category}, {"name", cat ? cat->name : t.category}}},
         {"updated_at", r::format_instant(t.updated)},
         {"deadline", t.due ? json(r::format_instant(t.due)) : json(nullptr)},
         {"deadline_date", t.due ? json(r::deadline_date(t.due)) : json(nullptr)},
         {"overdue", r::overdue(t, now)},
         {"due_today", r::due_today(t, now)},
         {"supervision", t.escalation ? json(r::to_string(*t.escalation)) : json(nullptr)},
         {"extension_pending", !t.approver.empty()}};
  if (!t.lead.empty())
    v["lead"] = unit_json(svc, t.lead);
  if (!t.cooperating.empty()) {
    json coop = json::array();
    for (const auto& u : t.cooperating) {
      auto j = unit_json(svc, u);
      j["opinion_given"] = std::find(t.opinions_given.begin(), t.opinions_given.end(), u)
                           != t.opinions_given.end();
      coop.push_back(j);
    }
    v["cooperating"] = coop;
    v["opinion_deadline"] = t.opinion_due ? json(r::format_instant(t.opinion_due)) : json(nullptr);
  }
  return v;
}

json counts_json(const r::worklist_counts& c) {
  return {{"open", c.open},
          {"overdue", c.overdue},
          {"due_today", c.due_today},
          {"supervised", c.supervised},
          {"awaiting_decision", c.awaiting_decision},
          {"by_status", c.by_status},
          {"by_role", c.by_role}};
}

} // namespace

// GET /api/v1/units/{unit_id}/inbox?status=&cursor=&limit= — the unit's
// own staff, or the office; served from the unit actor's projection.
void inbox(const call_ptr& c) {
  const auto unit_id = c->param("unit_id");
  need_unit_scope(c, unit_id, "inbox");
  const auto& q = c->req.query;
  actors::inbox_query query;
  const std::string status = q.count("status") ? q.at("status") : "";
  auto filter = r::parse_worklist_filter(status);
  if (!filter)
    throw api_error{422, "invalid_field",
                    "must be a ticket status or one of overdue, due_today, supervised, "
                    "awaiting_decision",
                    "status"};
  query.filter = *filter;
  if (q.count("cursor")) {
    query.cursor = q.at("cursor");
    if (!r::valid_worklist_cursor(query.cursor))
      throw api_error{422, "invalid_field", "must be a next_cursor this endpoint gave", "cursor"};
  }
  if (q.count("limit")) {
    const auto& l = q.at("limit");
    if (l.empty() || l.size() > 3 || l.find_first_not_of("0123456789") != std::string::npos
        || std::stoul(l) < 1 || std::stoul(l) > 500)
      throw api_error{422, "invalid_field", "must be a number from 1 to 500", "limit"};
    query.limit = std::stoul(l);
  }
  c->ctx.rt.inbox(unit_id, query, c->guard([c, unit_id](actors::inbox_reply box) {
    if (box.error)
      throw from_failure(*box.error);
    const auto now = c->ctx.svc.clk.now();
    json items = json::array();
    for (std::size_t i = 0; i < box.page.items.size(); ++i)
      items.push_back(summary_view(c->ctx.svc, box.page.items[i], box.page.roles[i], now));
    c->reply(200, {{"unit_id", unit_id},
                   {"unit_name", unit_name(c->ctx.svc, unit_id)},
                   {"counts", counts_json(box.counts)},
                   {"tickets", items},
                   {"next_cursor",
                    box.page.next_cursor.empty() ? json(nullptr) : json(box.page.next_cursor)}});
  }));
}

namespace {

void answer_overview(const call_ptr& c, const std::string& unit_id) {
  c->ctx.rt.overview(unit_id, true, c->guard([c](actors::overview_reply o) {
    if (o.error)
      throw from_failure(*o.error);
    json subs = json::array();
    r::worklist_counts total;
    for (const auto& [id, n] : o.subordinates) {
      auto j = unit_json(c->ctx.svc, id);
      j["open"] = n.open;
      j["overdue"] = n.overdue;
      j["supervised"] = n.supervised;
      j["due_today"] = n.due_today;
      subs.push_back(j);
      total.open += n.open;
      total.overdue += n.overdue;
      total.supervised += n.supervised;
      total.due_today += n.due_today;
    }
    c->reply(200, {{"unit", unit_json(c->ctx.svc, o.unit_id)},
                   {"own", counts_json(o.own)},
                   {"subordinates", subs},
                   {"subordinates_total",
                    {{"open", total.open},
                     {"overdue", total.overdue},
                     {"supervised", total.supervised},
                     {"due_today", total.due_today}}}});
  }));
}

} // namespace

// GET /api/v1/units/{unit_id}/overview — a unit's counts and, for a
// district government, its townships' and departments' (issue 10).
void unit_overview(const call_ptr& c) {
  const auto unit_id = c->param("unit_id");
  need_unit_scope(c, unit_id, "overview");
  answer_overview(c, unit_id);
}

// GET /api/v1/office/overview — the office's worklist (coordination,
// callbacks, notices, escalations) and the units it supervises.
void office_overview(const call_ptr& c) {
  answer_overview(c, c->ctx.svc.config.directory.office_id());
}

namespace {

// Issue 11: the unit the office chose most often for each waiting ticket's
// neighbours (routing/proposal.hpp); null where it has chosen none. Advice
// only: the office designates (M-RT-2).
void add_proposals(const call_ptr& c, std::vector<json>& views,
                   const std::vector<std::optional<r::evidence>>& facts) {
  std::map<std::string, std::vector<r::evidence>> lessons; // by category, read once each
  for (std::size_t i = 0; i < views.size(); ++i) {
    if (views[i].is_null())
      continue;
    views[i]["proposal"] = nullptr;
    if (!facts[i])
      continue;
    auto known = lessons.find(facts[i]->category);
    if (known == lessons.end())
      known
          = lessons.emplace(facts[i]->category, c->ctx.svc.store.lessons(facts[i]->category)).first;
    const auto& dir = c->ctx.svc.config.directory;
    if (auto p = r::propose(*facts[i], known->second, dir))
      views[i]["proposal"]
          = {{"unit_id", p->unit_id}, {"unit_name", unit_name(c->ctx.svc, p->unit_id)},
             {"support", p->support}, {"examples", p->examples},
             {"basis", p->basis},     {"reason", p->reason}};
  }
}

} // namespace

// GET /api/v1/coordination — the office's queue (M-RT-2, M-RT-4, M-SV-2),
// each ticket with the office's learned proposal (issue 11).
void coordination_queue(const call_ptr& c) {
  with_storage(c, [c] {
    const auto nos = c->ctx.svc.store.coordination_queue();
    // Every ticket asked at once; the answer goes when the last one is in.
    struct gather {
      std::mutex mtx;
      std::vector<json> views;
      std::vector<std::optional<r::evidence>> facts;
      std::size_t left;
    };
    auto g = std::make_shared<gather>();
    g->views.resize(nos.size());
    g->facts.resize(nos.size());
    g->left = nos.size();
    if (nos.empty())
      return c->reply(200, {{"tickets", json::array()}});
    for (std::size_t i = 0; i < nos.size(); ++i)
      c->ctx.rt.get(nos[i], c->guard([c, g, i](actors::ticket_reply t) {
        json view = t.error ? json(nullptr) : ticket_view(c->ctx.svc, t, true);
        std::optional<r::evidence> facts;
        if (!t.error && t.state.intake && t.state.status == r::ticket_status::coordinating) {
          const auto& in = *t.state.intake;
          facts = r::facts_of(t.ticket_no, in, c->ctx.svc.router.locate({in.address, in.coords}));
        }
        std::lock_guard<std::mutex> lock(g->mtx);
        g->views[i] = std::move(view);
        g->facts[i] = std::move(facts);
        if (--g->left > 0)
          return;
        // The lessons are read from Redis: not on the actor's thread.
        with_storage(c, [c, g] {
          add_proposals(c, g->views, g->facts);
          json items = json::array();
          for (auto& v : g->views)
            if (!v.is_null())
              items.push_back(std::move(v));
          c->reply(200, {{"tickets", items}});
        });
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
