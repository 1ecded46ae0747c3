// The evaluation of handling units (issue 14, M-E-1; docs/EVALUATION.md):
// the figures of a month or a year per unit, with rank within its kind,
// and the tickets behind each figure. The office's supervisors and admins
// see every unit; a unit's staff see their own unit's line and tickets.
#include "adapters/evaluation/evaluator.hpp"
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/handlers/handlers.hpp"
#include "adapters/http/input.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
namespace ev = hotline::routing::evaluation;
using nlohmann::json;

namespace {

hotline::evaluation::evaluator& evaluator_of(const call_ptr& c) {
  if (!c->ctx.evaluation)
    throw api_error{503, "unavailable", "the evaluation is not available on this node", ""};
  return *c->ctx.evaluation;
}

const std::string* query(const call_ptr& c, const std::string& key, bool required) {
  const auto& q = c->req.query;
  const auto it = q.find(key);
  if (it == q.end()) {
    if (required)
      throw api_error{400, "missing_field", "required", key};
    return nullptr;
  }
  return &it->second;
}

ev::period period_of(const call_ptr& c) {
  const auto p = ev::parse_period(*query(c, "period", true));
  if (!p)
    throw api_error{422, "invalid_field", "must be a month YYYY-MM or a year YYYY", "period"};
  return *p;
}

// A handling unit of the directory, within the caller's scope: the office
// any, a unit's staff their own.
std::string unit_of(const call_ptr& c, bool required) {
  const auto* given = query(c, "unit", required);
  if (!given)
    return c->office() ? "" : c->who->unit_id;
  const auto* u = c->ctx.svc.config.directory.find_unit(*given);
  if (!u || u->kind == r::unit_kind::office)
    throw api_error{422, "unknown_unit", "no handling unit '" + *given + "'", "unit"};
  if (!c->office() && *given != c->who->unit_id)
    throw api_error{403, "forbidden", "a unit sees only its own evaluation", "unit"};
  return *given;
}

} // namespace

// GET /api/v1/evaluation?period=2026-11[&unit=…][&kind=…]
void get_evaluation(const call_ptr& c) {
  const auto p = period_of(c);
  hotline::evaluation::filter f;
  f.unit = unit_of(c, false);
  if (const auto* k = query(c, "kind", false)) {
    const auto kind = r::parse_unit_kind(*k);
    if (!kind || *kind == r::unit_kind::office)
      throw api_error{422, "invalid_field",
                      "must be district_government, township, district_department, "
                      "city_department or enterprise",
                      "kind"};
    f.kind = kind;
  }
  auto& e = evaluator_of(c);
  with_storage(c, [c, p, f, &e] {
    try {
      const auto report = e.evaluate(p, c->ctx.svc.clk.now());
      c->reply(200, hotline::evaluation::report_json(report, c->ctx.svc.config.directory, f));
    } catch (const archive::pg_error&) {
      throw api_error{503, "unavailable", "the archive is unavailable; retry", ""};
    }
  });
}

// GET /api/v1/evaluation/tickets?unit=&period=&figure=[&cursor=&limit=] —
// the tickets behind a count (those it counts) or a rate (those of its
// denominator, `numerator` naming the ones its numerator counts).
void get_evaluation_tickets(const call_ptr& c) {
  const auto p = period_of(c);
  const auto unit = unit_of(c, true);
  const auto& figure = *query(c, "figure", true);
  std::vector<ev::count> which, numerator;
  if (const auto n = ev::parse_count(figure)) {
    which = {*n};
  } else if (const auto parts = ev::parts_of(figure)) {
    which = parts->denominator;
    numerator = parts->numerator;
  } else {
    throw api_error{422, "invalid_field",
                    "must be a count (received, responded, …) or a rate (response_rate, …) of "
                    "the evaluation",
                    "figure"};
  }
  std::string after;
  if (const auto* cur = query(c, "cursor", false)) {
    try {
      after = checked_ticket_no(*cur);
    } catch (const api_error&) {
      throw api_error{422, "invalid_field", "must be a next_cursor this endpoint gave", "cursor"};
    }
  }
  std::size_t limit = 100;
  if (const auto* l = query(c, "limit", false)) {
    if (l->empty() || l->size() > 3 || l->find_first_not_of("0123456789") != std::string::npos
        || std::stoul(*l) < 1 || std::stoul(*l) > 500)
      throw api_error{422, "invalid_field", "must be a number from 1 to 500", "limit"};
    limit = std::stoul(*l);
  }
  auto& e = evaluator_of(c);
  with_storage(c, [c, p, unit, figure, which, numerator, after, limit, &e] {
    try {
      const auto now = c->ctx.svc.clk.now();
      const auto all = e.tickets(p, unit, which, now);
      auto from = std::upper_bound(all.begin(), all.end(), after);
      if (after.empty())
        from = all.begin();
      const auto to = all.end() - from > static_cast<long>(limit) ? from + static_cast<long>(limit)
                                                                  : all.end();
      const std::vector<std::string> page(from, to);
      json body{
          {"unit", unit},     {"period", p.text},
          {"figure", figure}, {"total", all.size()},
          {"tickets", page},  {"next_cursor", to == all.end() ? json(nullptr) : json(page.back())}};
      if (!numerator.empty()) {
        const auto counted = e.tickets(p, unit, numerator, now);
        json in = json::array();
        for (const auto& no : page)
          if (std::binary_search(counted.begin(), counted.end(), no))
            in.push_back(no);
        body["numerator"] = in;
      }
      c->reply(200, body);
    } catch (const archive::pg_error&) {
      throw api_error{503, "unavailable", "the archive is unavailable; retry", ""};
    }
  });
}

} // namespace hotline::http::handlers
