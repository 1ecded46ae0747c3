// How the knowledge base is used and what it lacks (issue 13; M-KB-3,
// M-C-1): the questions answered without an article, grouped; the office's
// maintenance requests to the competent units (pushed to them); and per
// unit, the knowledge-base part of its evaluation (M-E-1).
#include <chrono>
#include <set>

#include "adapters/http/handlers/common.hpp"
#include "adapters/http/handlers/handlers.hpp"
#include "adapters/http/input.hpp"
#include "adapters/http/views.hpp"
#include "adapters/knowledge/service.hpp"
#include "adapters/redis/feed.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
namespace kb = hotline::routing::kb;
using nlohmann::json;

namespace {

// `period` of the query, "YYYY-MM"; this Shanghai month when absent.
std::string period_of(const call_ptr& c) {
  const auto& q = c->req.query;
  if (!q.count("period"))
    return r::format_date(r::shanghai_date(c->ctx.svc.clk.now())).substr(0, 7);
  const auto& p = q.at("period");
  if (p.size() != 7 || p[4] != '-' || !r::parse_date(p + "-01"))
    throw api_error{422, "invalid_field", "must be a month YYYY-MM", "period"};
  return p;
}

bool in_period(r::instant at, const std::string& period) {
  return r::format_date(r::shanghai_date(at)).compare(0, 7, period) == 0;
}

json category_json(const actors::services& svc, const std::string& code) {
  const auto* c = svc.config.directory.find_category(code);
  return {{"code", code}, {"name", c ? c->name : code}};
}

// The units competent for a category wherever the demand is: its fixed
// units (city departments, enterprises), for the office to choose from.
json competent_units(const actors::services& svc, const std::string& code) {
  json out = json::array();
  if (const auto* c = svc.config.directory.find_category(code))
    for (const auto& comp : c->competent)
      if (!comp.unit_id.empty())
        out.push_back(unit_json(svc, comp.unit_id));
  return out;
}

} // namespace

// GET /api/v1/kb/gaps?period=YYYY-MM — consultations answered without an
// article, alike ones grouped: questions the knowledge base lacks (M-KB-3).
void kb_gaps(const call_ptr& c) {
  const auto period = period_of(c);
  with_storage(c, [c, period] {
    auto& st = kbase(c).stored();
    const auto gaps = kb::find_gaps(st.unanswered(period));
    std::map<std::string, json> requested; // gap id → its request
    for (const auto& [id, body] : st.requests()) {
      auto j = json::parse(body, nullptr, false);
      if (j.is_object() && j.contains("gap_id"))
        requested[j["gap_id"]] = j;
    }
    json out = json::array();
    for (const auto& g : gaps) {
      json sample = nullptr;
      const auto events = c->ctx.svc.store.load(g.tickets.front());
      const auto s = r::fold(events);
      if (s.intake)
        sample = s.intake->content;
      const auto req = requested.find(g.id);
      out.push_back({{"id", g.id},
                     {"category", category_json(c->ctx.svc, g.category)},
                     {"count", g.tickets.size()},
                     {"tickets", g.tickets},
                     {"sample", sample},
                     {"common_terms", g.terms},
                     {"competent_units", competent_units(c->ctx.svc, g.category)},
                     {"request", req == requested.end() ? json(nullptr) : req->second}});
    }
    c->reply(200, {{"period", period}, {"gaps", out}});
  });
}

// POST /api/v1/kb/requests — the office asks the competent unit to write
// or update an article for a gap; the unit is told at once (push).
void kb_request(const call_ptr& c) {
  auto body = parse_body(c->req);
  const auto unit = text_field(body, "unit_id", "unit_id", 1, 64);
  const auto* u = c->ctx.svc.config.directory.find_unit(unit);
  if (!u || u->kind == r::unit_kind::office)
    throw api_error{422, "unknown_unit", "no handling unit '" + unit + "'", "unit_id"};
  const auto gap_id = text_field(body, "gap_id", "gap_id", 0, 200, false);
  const auto category = text_field(body, "category", "category", 1, 64);
  if (!c->ctx.svc.config.directory.find_category(category))
    throw api_error{422, "unknown_category", "unknown category '" + category + "'", "category"};
  const auto note = text_field(body, "note", "note", 1, 2000);
  std::vector<std::string> tickets;
  if (auto t = body.find("tickets"); t != body.end() && !t->is_null()) {
    if (!t->is_array() || t->size() > 100)
      throw api_error{422, "invalid_field", "must be an array of at most 100 ticket numbers",
                      "tickets"};
    for (const auto& no : *t) {
      if (!no.is_string())
        throw api_error{422, "invalid_field", "must be ticket numbers", "tickets"};
      tickets.push_back(checked_ticket_no(no.get<std::string>()));
    }
  }
  with_storage(c, [c, unit, gap_id, category, note, tickets] {
    auto& st = kbase(c).stored();
    const auto now = c->ctx.svc.clk.now();
    json req{{"id", st.next_request_id()},
             {"unit", unit_json(c->ctx.svc, unit)},
             {"gap_id", gap_id},
             {"category", category_json(c->ctx.svc, category)},
             {"tickets", tickets},
             {"note", note},
             {"status", "open"},
             {"requested_at", r::format_instant(now)},
             {"requested_by", c->person().name},
             {"article_id", nullptr},
             {"closed_at", nullptr}};
    st.put_request(req["id"], req.dump());
    // M-D-2: the unit hears it like a ticket's step (SSE, webhooks).
    if (c->ctx.push.feed) {
      const auto keep
          = std::chrono::duration_cast<std::chrono::milliseconds>(
                (std::chrono::system_clock::now() - c->ctx.svc.push_retention).time_since_epoch())
                .count();
      json data{{"event", "kb_maintenance_requested"}, {"request", req}};
      c->ctx.push.feed->publish("kb_maintenance_requested", {unit}, data.dump(), keep);
    }
    c->reply(201, req);
  });
}

// GET /api/v1/kb/requests — the office: every request; a unit: its own.
void kb_requests(const call_ptr& c) {
  with_storage(c, [c] {
    json out = json::array();
    for (const auto& [id, body] : kbase(c).stored().requests()) {
      auto j = json::parse(body, nullptr, false);
      if (!j.is_object())
        continue;
      if (!c->office() && j["unit"]["unit_id"] != c->who->unit_id)
        continue;
      out.push_back(j);
    }
    c->reply(200, {{"requests", out}});
  });
}

// POST /api/v1/kb/requests/{id}/close — the unit names the article that
// answers the request (it must be the unit's own, and exist).
void kb_close_request(const call_ptr& c) {
  const auto unit = acting_unit(c);
  const auto id = c->param("id");
  auto body = parse_body(c->req);
  const auto article = text_field(body, "article_id", "article_id", 1, 64);
  with_storage(c, [c, unit, id, article] {
    auto& st = kbase(c).stored();
    const auto all = st.requests();
    const auto found = all.find(id);
    if (found == all.end())
      throw api_error{404, "not_found", "no request " + id, "id"};
    auto req = json::parse(found->second);
    if (req["unit"]["unit_id"] != unit)
      throw api_error{403, "forbidden", "the request was sent to another unit", "unit_id"};
    if (req["status"] == "closed")
      throw api_error{409, "conflict", "the request is closed already", "id"};
    const auto a = kbase(c).get(article);
    if (!a || a->owner != unit)
      throw api_error{422, "invalid_field", "no article '" + article + "' of this unit",
                      "article_id"};
    req["status"] = "closed";
    req["article_id"] = article;
    req["closed_at"] = r::format_instant(c->ctx.svc.clk.now());
    st.put_request(id, req.dump());
    c->reply(200, req);
  });
}

// GET /api/v1/kb/stats?period=YYYY-MM — per unit: articles owned and
// published, reviews overdue, versions returned in review, how its articles
// were shown, opened and cited, requests assigned and closed (M-KB-3;
// the knowledge-base part of M-E-1). A unit sees its own line.
void kb_stats(const call_ptr& c) {
  const auto period = period_of(c);
  with_storage(c, [c, period] {
    auto& kbs = kbase(c);
    const auto today = r::shanghai_date(c->ctx.svc.clk.now());
    const auto use = kbs.usage(period);
    const auto cites = kbs.stored().citations(period);
    struct line {
      long long owned = 0, published = 0, overdue = 0, returned = 0, shown = 0, opened = 0,
                cited = 0, requests = 0, closed = 0;
    };
    std::map<std::string, line> units;
    json articles = json::array();
    for (const auto& a : kbs.all()) {
      auto& l = units[a.owner];
      if (!a.is_retired) {
        ++l.owned;
        l.published += a.published ? 1 : 0;
        l.overdue += kb::review_overdue(a, today) ? 1 : 0;
      }
      for (const auto& v : a.versions)
        for (const auto& rv : v.reviews)
          l.returned += !rv.approved && in_period(rv.at, period) ? 1 : 0;
      auto count = [&](const char* what) {
        const auto i = use.find(a.id + "|" + what);
        return i == use.end() ? 0LL : i->second;
      };
      const auto cite = cites.find(a.id);
      const auto shown = count("shown"), opened = count("opened"),
                 cited = cite == cites.end() ? 0LL : cite->second;
      l.shown += shown;
      l.opened += opened;
      l.cited += cited;
      if (shown || opened || cited)
        articles.push_back({{"id", a.id},
                            {"title", a.latest().c.title},
                            {"owner", a.owner},
                            {"shown", shown},
                            {"opened", opened},
                            {"cited", cited}});
    }
    for (const auto& [id, body] : kbs.stored().requests()) {
      const auto j = json::parse(body, nullptr, false);
      if (!j.is_object())
        continue;
      auto& l = units[j["unit"]["unit_id"].get<std::string>()];
      ++l.requests;
      l.closed += j["status"] == "closed" ? 1 : 0;
    }
    json out = json::array();
    for (const auto& [unit, l] : units) {
      if (!c->office() && unit != c->who->unit_id)
        continue;
      json one = unit_json(c->ctx.svc, unit);
      one.update({{"articles", l.owned},
                  {"published", l.published},
                  {"overdue_reviews", l.overdue},
                  {"returned_in_review", l.returned},
                  {"shown", l.shown},
                  {"opened", l.opened},
                  {"citations", l.cited},
                  {"requests_assigned", l.requests},
                  {"requests_closed", l.closed}});
      out.push_back(one);
    }
    json body{{"period", period}, {"units", out}};
    if (c->office())
      body["articles"] = articles;
    c->reply(200, body);
  });
}

} // namespace hotline::http::handlers
