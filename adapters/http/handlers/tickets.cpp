// One ticket: the caller's and staff's views, the timeline, and every act
// on it. Membership (whose ticket) is checked before status everywhere:
// by need_involved here, and by `decide` for the acts (M-D-3: a stranger
// gets 403, never 409).
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/input.hpp"
#include "adapters/http/views.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
using nlohmann::json;

namespace {

const std::string& ticket_no(const call_ptr& c) {
  return checked_ticket_no(c->param("no"));
}

// Answers with the staff view of the ticket after a command.
actors::runtime::then<actors::ticket_reply> answer_view(const call_ptr& c) {
  return c->guard([c](actors::ticket_reply t) {
    c->reply(200, ticket_view(c->ctx.svc, must(c, std::move(t)), true));
  });
}

// An act on a ticket by the office or, in its own name, by a unit (the
// principal says which); the ticket actor decides.
void act(const call_ptr& c, const r::command& cmd) {
  const auto& no = ticket_no(c);
  const auto claim = command_claim(c->req);
  c->need_owner(c->ctx.svc.store.partition_of(no));
  if (c->office())
    c->ctx.rt.office_command(no, cmd, claim, c->person(), answer_view(c));
  else
    c->ctx.rt.unit_command(c->who->unit_id, no, cmd, claim, c->person(), answer_view(c));
}

void need_office(const call_ptr& c, const char* what) {
  if (!c->office())
    throw api_error{403, "forbidden", std::string("only the office ") + what, "authorization"};
}

} // namespace

void timeline(const call_ptr& c) {
  const auto no = ticket_no(c);
  c->ctx.rt.get(no, c->guard([c, no](actors::ticket_reply t) {
    t = must(c, std::move(t));
    need_involved(c, t);
    with_storage(c, [c, no, state = t.state] {
      c->reply(200, timeline_view(c->ctx.svc, no, state, c->ctx.svc.store.load_recorded(no)));
    });
  }));
}

void accept(const call_ptr& c) {
  const auto& unit = acting_unit(c);
  parse_optional_body(c->req); // optional, but JSON if given
  act(c, r::accept_ticket{unit});
}

void reply(const call_ptr& c) {
  const auto& unit = acting_unit(c);
  auto body = parse_body(c->req);
  act(c, r::reply_ticket{unit, text_field(body, "text", "text", 1, 4000)});
}

// M-RT-4: 退单 within the window.
void return_ticket(const call_ptr& c) {
  const auto& unit = acting_unit(c);
  auto body = parse_body(c->req);
  act(c, r::return_ticket{unit, text_field(body, "reason", "reason", 1, 1000)});
}

// M-DL-5: the assigned unit asks before its deadline, with reasons and the
// progress so far.
void request_extension(const call_ptr& c) {
  const auto& unit = acting_unit(c);
  auto body = parse_body(c->req);
  r::request_extension cmd;
  cmd.unit_id = unit;
  cmd.reason = text_field(body, "reason", "reason", 1, 1000);
  cmd.progress = text_field(body, "progress", "progress", 1, 2000);
  cmd.new_due = instant_field(body, "new_deadline");
  act(c, cmd);
}

// M-DL-5: the unit one level up (the office for city departments) decides.
void decide_extension(const call_ptr& c) {
  auto body = parse_body(c->req);
  const bool approve = bool_field(body, "approve");
  const auto note = text_field(body, "note", "note", 0, 1000, false);
  const auto approver = c->office() ? c->ctx.svc.config.directory.office_id() : acting_unit(c);
  act(c, r::decide_extension{approver, approve, note});
}

// M-DL-4: a cooperating unit's opinion.
void opinion(const call_ptr& c) {
  const auto& unit = acting_unit(c);
  auto body = parse_body(c->req);
  act(c, r::submit_opinion{unit, text_field(body, "text", "text", 1, 4000)});
}

// M-RT-3: the assigned unit names a concrete handler within its authority.
void name_handler(const call_ptr& c) {
  const auto& unit = acting_unit(c);
  auto body = parse_body(c->req);
  const auto handler = text_field(body, "handler_unit_id", "handler_unit_id", 1, 64);
  if (!c->ctx.svc.config.directory.may_name_handler(unit, handler))
    throw api_error{403, "forbidden",
                    "'" + handler + "' is not within this unit's authority (M-RT-3)",
                    "handler_unit_id"};
  act(c, r::name_handler{unit, handler, text_field(body, "instruction", "instruction", 1, 2000)});
}

// M-RT-3: the concrete handler reports back.
void handler_report(const call_ptr& c) {
  const auto& unit = acting_unit(c);
  auto body = parse_body(c->req);
  act(c, r::report_handling{unit, text_field(body, "text", "text", 1, 4000)});
}

// M-RT-2: the office names the lead unit and the cooperating units.
void designation(const call_ptr& c) {
  need_office(c, "designates units (M-RT-2)");
  auto body = parse_body(c->req);
  const auto& dir = c->ctx.svc.config.directory;
  auto known_unit = [&](const std::string& id, const std::string& field) -> const r::unit* {
    const r::unit* u = dir.find_unit(id);
    if (!u || u->kind == r::unit_kind::office)
      throw api_error{422, "unknown_unit", "no handling unit '" + id + "'", field};
    return u;
  };
  const auto lead_id = text_field(body, "lead_unit_id", "lead_unit_id", 1, 64);
  const r::unit* lead = known_unit(lead_id, "lead_unit_id");
  r::designate cmd;
  if (auto i = body.find("cooperating_unit_ids"); i != body.end() && !i->is_null()) {
    if (!i->is_array())
      throw api_error{422, "invalid_field", "must be an array of unit ids", "cooperating_unit_ids"};
    for (const auto& id : *i) {
      if (!id.is_string())
        throw api_error{422, "invalid_field", "must be an array of unit ids",
                        "cooperating_unit_ids"};
      known_unit(id.get<std::string>(), "cooperating_unit_ids");
      cmd.cooperating.push_back(id.get<std::string>());
    }
  }
  const auto why = text_field(body, "reason", "reason", 1, 1000);
  std::string names;
  for (const auto& x : cmd.cooperating)
    names += (names.empty() ? "" : "、") + unit_name(c->ctx.svc, x);
  cmd.lead.unit_id = lead->id;
  cmd.lead.supervisor_id = lead->supervisor;
  cmd.lead.sure = {r::confidence_level::high, "热线协调指定"};
  cmd.lead.reasons = {{"M-RT-2", "热线协调指定牵头单位" + lead->name
                                     + (names.empty() ? "" : "，协同单位" + names) + "：" + why}};
  act(c, cmd);
}

// M-SV-1: the office escalates at any time.
void escalate(const call_ptr& c) {
  need_office(c, "escalates (M-SV-1)");
  auto body = parse_body(c->req);
  act(c, r::escalate{text_field(body, "reason", "reason", 1, 1000)});
}

// M-SV-2: the callback's evaluation.
void callback(const call_ptr& c) {
  need_office(c, "records callbacks (M-SV-2)");
  auto body = parse_body(c->req);
  r::record_callback cb;
  cb.result = enum_field<r::satisfaction>(body, "satisfaction", r::parse_satisfaction,
                                          "satisfied, basically_satisfied, not_satisfied");
  cb.resolved = bool_field(body, "resolved");
  act(c, cb);
}

} // namespace hotline::http::handlers
