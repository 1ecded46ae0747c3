#include "routing/ticket.hpp"

#include <algorithm>

#include "routing/names.hpp"

#include <array>

namespace hotline::routing {

namespace {

constexpr name_table<channel, 5> channels{{{channel::phone, "phone"},
                                           {channel::web, "web"},
                                           {channel::app, "app"},
                                           {channel::wechat, "wechat"},
                                           {channel::integrator, "integrator"}}};
constexpr name_table<channel, 5> channels_zh{{{channel::phone, "电话"},
                                              {channel::web, "网站"},
                                              {channel::app, "移动端"},
                                              {channel::wechat, "微信"},
                                              {channel::integrator, "系统对接"}}};

constexpr name_table<satisfaction, 3> satisfactions{
    {{satisfaction::satisfied, "satisfied"},
     {satisfaction::basically_satisfied, "basically_satisfied"},
     {satisfaction::not_satisfied, "not_satisfied"}}};

constexpr name_table<ticket_status, 8> statuses{{{ticket_status::none, "none"},
                                                 {ticket_status::registered, "registered"},
                                                 {ticket_status::coordinating, "coordinating"},
                                                 {ticket_status::dispatched, "dispatched"},
                                                 {ticket_status::accepted, "accepted"},
                                                 {ticket_status::replied, "replied"},
                                                 {ticket_status::called_back, "called_back"},
                                                 {ticket_status::closed, "closed"}}};

constexpr name_table<ticket_status, 8> statuses_zh{{{ticket_status::none, "无"},
                                                    {ticket_status::registered, "已登记"},
                                                    {ticket_status::coordinating, "协调中"},
                                                    {ticket_status::dispatched, "已派单"},
                                                    {ticket_status::accepted, "已签收"},
                                                    {ticket_status::replied, "已答复"},
                                                    {ticket_status::called_back, "已回访待重办"},
                                                    {ticket_status::closed, "已办结"}}};

bool assigned_to(const ticket_state& s, const std::string& unit_id) {
  return s.assignment && s.assignment->unit_id == unit_id;
}

workflow_error conflict(ticket_status s, std::string_view what) {
  return {"conflict",
          std::string("cannot ") + std::string(what) + " a ticket that is "
              + std::string(to_string(s)),
          "status"};
}

constexpr name_table<escalation_level, 4> escalation_levels{
    {{escalation_level::reminder, "reminder"},
     {escalation_level::supervision, "supervision"},
     {escalation_level::notice, "notice"},
     {escalation_level::office, "office"}}};

constexpr name_table<escalation_level, 4> escalation_levels_zh{
    {{escalation_level::reminder, "催办"},
     {escalation_level::supervision, "督办"},
     {escalation_level::notice, "通报"},
     {escalation_level::office, "热线督办"}}};

} // namespace

std::string_view to_string(escalation_level l) {
  return name_of(escalation_levels, l);
}
std::optional<escalation_level> parse_escalation_level(std::string_view s) {
  return parse_of(escalation_levels, s);
}
std::string_view label_zh(escalation_level l) {
  return name_of(escalation_levels_zh, l);
}

std::string_view to_string(channel c) {
  return name_of(channels, c);
}
std::string_view label_zh(channel c) {
  return name_of(channels_zh, c);
}
std::optional<channel> parse_channel(std::string_view s) {
  return parse_of(channels, s);
}
std::string_view to_string(satisfaction s) {
  return name_of(satisfactions, s);
}
std::optional<satisfaction> parse_satisfaction(std::string_view s) {
  return parse_of(satisfactions, s);
}
std::string_view to_string(ticket_status s) {
  return name_of(statuses, s);
}
std::string_view label_zh(ticket_status s) {
  return name_of(statuses_zh, s);
}

std::optional<ticket_status> parse_status(std::string_view s) {
  return parse_of(statuses, s);
}

std::string_view event_type(const event& e) {
  return std::visit(
      overloaded{
          [](const registered&) { return "registered"; },
          [](const dispatched&) { return "dispatched"; },
          [](const coordination_requested&) { return "coordination_requested"; },
          [](const accepted&) { return "accepted"; }, [](const replied&) { return "replied"; },
          [](const called_back&) { return "called_back"; }, [](const closed&) { return "closed"; },
          [](const reopened&) { return "reopened"; },
          [](const extension_requested&) { return "extension_requested"; },
          [](const extension_decided&) { return "extension_decided"; },
          [](const disposed&) { return "disposed"; }, [](const returned&) { return "returned"; },
          [](const opinion_submitted&) { return "opinion_submitted"; },
          [](const escalated&) { return "escalated"; },
          [](const handler_named&) { return "handler_named"; },
          [](const handler_reported&) { return "handler_reported"; },
          [](const repeat_linked&) { return "repeat_linked"; },
          [](const follow_up_added&) { return "follow_up_added"; }},
      e);
}

instant event_time(const event& e) {
  return std::visit([](const auto& x) { return x.at; }, e);
}

ticket_state apply(ticket_state s, const event& e) {
  std::visit(overloaded{
                 [&](const registered& x) {
                   s.intake = x;
                   s.status = ticket_status::registered;
                 },
                 [&](const dispatched& x) {
                   // A (new) assignment: whatever the previous unit did is history.
                   s.assignment = x;
                   s.accepted_at.reset();
                   s.answer.reset();
                   s.opinions.clear();
                   s.extension_request.reset();
                   s.extension_decision.reset();
                   s.extension_pending = false;
                   s.handler.reset();
                   s.handler_report.reset();
                   s.status = ticket_status::dispatched;
                 },
                 [&](const returned& x) {
                   s.returns.push_back(x);
                   s.assignment.reset();
                   s.accepted_at.reset();
                   s.extension_pending = false;
                   s.handler.reset();
                   s.handler_report.reset();
                   s.coordination_reasons = {{"M-RT-4", "退单：" + x.reason}};
                   s.status = ticket_status::coordinating;
                 },
                 [&](const opinion_submitted& x) { s.opinions[x.unit_id] = x.text; },
                 [&](const escalated& x) { s.escalations.push_back(x); },
                 [&](const handler_named& x) {
                   s.handler = x;
                   s.handler_report.reset();
                 },
                 [&](const handler_reported& x) { s.handler_report = x; },
                 [&](const repeat_linked& x) { s.repeats.push_back(x); },
                 [&](const follow_up_added& x) { s.follow_ups.push_back(x); },
                 [&](const coordination_requested& x) {
                   s.coordination_reasons = x.reasons;
                   s.status = ticket_status::coordinating;
                 },
                 [&](const accepted& x) {
                   s.accepted_at = x.at;
                   s.status = ticket_status::accepted;
                 },
                 [&](const replied& x) {
                   s.answer = x;
                   s.extension_pending = false; // answered: a pending request is moot
                   s.status = ticket_status::replied;
                 },
                 [&](const called_back& x) {
                   s.callback = x;
                   s.status = ticket_status::called_back;
                 },
                 [&](const closed& x) {
                   s.closed_at = x.at;
                   s.status = ticket_status::closed;
                 },
                 [&](const reopened& x) {
                   // 重办: the same unit starts again with a fresh deadline.
                   s.reopen_count = x.count;
                   s.assignment->at = x.at;
                   s.assignment->limit_days = x.limit_days;
                   s.assignment->due = x.due;
                   s.assignment->provisional = x.provisional;
                   s.assignment->deadline_rule = "M-SV-2";
                   s.accepted_at.reset();
                   s.answer.reset();
                   s.extension_request.reset();
                   s.extension_decision.reset();
                   s.extension_pending = false;
                   s.status = ticket_status::dispatched;
                 },
                 [&](const disposed& x) { s.disposal = x; },
                 [&](const extension_requested& x) {
                   s.extension_request = x;
                   s.extension_decision.reset();
                   s.extension_pending = true;
                 },
                 [&](const extension_decided& x) {
                   s.extension_decision = x;
                   s.extension_pending = false;
                   if (x.approved) {
                     // M-DL-5: only approval moves the deadline.
                     s.assignment->due = x.new_due;
                     s.assignment->limit_days = 0;
                     s.assignment->provisional = false;
                     s.assignment->deadline_rule = "M-DL-5";
                   }
                 },
             },
             e);
  ++s.version;
  return s;
}

ticket_state fold(const std::vector<event>& events) {
  ticket_state s;
  for (const auto& e : events)
    s = apply(std::move(s), e);
  return s;
}

dispatched make_dispatch(const assignment& a, demand_kind kind, instant at,
                         std::optional<instant> given, const policy& p) {
  dispatched d;
  d.at = at;
  d.unit_id = a.unit_id;
  d.supervisor_id = a.supervisor_id;
  d.reasons = a.reasons;
  d.sure = a.sure;
  if (given) {
    // M-DL-3: a deadline set at assignment is followed as given.
    d.due = *given;
    d.deadline_rule = "M-DL-3";
    return d;
  }
  const bool consultation = kind == demand_kind::consultation;
  d.limit_days = consultation ? p.consultation_days : p.other_days;
  d.deadline_rule = consultation ? "M-DL-1" : "M-DL-2";
  const deadline dl = p.cal->add_working_days(at, d.limit_days);
  d.due = dl.due;
  d.provisional = dl.provisional;
  return d;
}

deadline current_deadline(const dispatched& d, const calendar& cal) {
  if (d.provisional && d.limit_days > 0)
    return cal.add_working_days(d.at, d.limit_days);
  deadline out;
  out.due = d.due;
  out.last_day = shanghai_date(d.due - 1);
  out.provisional = d.provisional;
  return out;
}

std::vector<timer> timers_for(const ticket_state& s, const policy& p) {
  std::vector<timer> out;
  if (!s.assignment
      || (s.status != ticket_status::dispatched && s.status != ticket_status::accepted))
    return out;
  const instant due = current_deadline(*s.assignment, *p.cal).due;
  auto fired = [&](escalation_level l, instant about, const std::string& unit) {
    for (const auto& e : s.escalations)
      if (e.level == l && e.due == about && e.unit == unit)
        return true;
    return false;
  };
  auto want = [&](timer t, instant about) {
    // A reminder that would come before the dispatch itself is pointless.
    if (t.level == escalation_level::reminder && t.at <= s.assignment->at)
      return;
    if (!fired(t.level, about, t.unit))
      out.push_back(std::move(t));
  };
  want({escalation_level::reminder, due - p.reminder_before_ms, ""}, due);
  want({escalation_level::supervision, due, ""}, due);
  want({escalation_level::notice, due + p.notice_after_ms, ""}, due);
  // M-DL-4: a cooperating unit that has not given its opinion is reminded
  // and escalated against its own sub-deadline, not the lead.
  const instant sub_due = opinion_deadline(s, p);
  for (const auto& c : s.assignment->cooperating) {
    if (s.opinions.count(c))
      continue;
    want({escalation_level::reminder, sub_due - p.reminder_before_ms, c}, sub_due);
    want({escalation_level::supervision, sub_due, c}, sub_due);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const timer& a, const timer& b) { return a.at < b.at; });
  return out;
}

instant opinion_deadline(const ticket_state& s, const policy& p) {
  const auto& a = *s.assignment;
  const instant due = current_deadline(a, *p.cal).due;
  // Walk back `opinion_days_before` working days from the lead's last day.
  civil_date day = shanghai_date(due - 1);
  int counted = 0;
  while (counted < p.opinion_days_before) {
    day = add_days(day, -1);
    if (p.cal->is_working_day(day))
      ++counted;
  }
  const instant sub = shanghai_midnight(add_days(day, 1));
  // Cooperating units get at least one working day; otherwise the lead's.
  const instant earliest = p.cal->add_working_days(a.at, 1).due;
  return sub >= earliest ? sub : due;
}

decision decide(const ticket_state& s, const command& c, instant now, const policy& p) {
  return std::visit(
      overloaded{
          [&](const register_demand& r) -> decision {
            if (s.status != ticket_status::none)
              return workflow_error{"conflict", "ticket already registered", "ticket_no"};
            if (r.deadline && *r.deadline <= now)
              return workflow_error{"invalid", "deadline must be in the future", "deadline"};
            std::vector<event> out;
            registered intake = r.intake;
            intake.at = now;
            intake.given_deadline = r.deadline;
            out.emplace_back(std::move(intake));
            // M-C-1: disposed of at once; M-S-3: a refusal says on what basis
            // and where to turn. The loop closes at once.
            if (r.how && r.how->kind != disposal_kind::ticket) {
              const auto& how = *r.how;
              disposed d;
              d.at = now;
              d.kind = how.kind;
              if (how.kind == disposal_kind::direct_answer) {
                if (how.answer.empty())
                  return workflow_error{"invalid", "a direct answer needs its text",
                                        "disposal.answer"};
                d.answer = how.answer;
                d.article_id = how.article_id;
                d.article_version = how.article_version;
              } else if (how.kind == disposal_kind::refusal) {
                if (!how.refusal)
                  return workflow_error{"invalid", "a refusal needs its rule",
                                        "disposal.refusal_rule"};
                d.refusal_code = how.refusal->code;
                d.basis = how.refusal->basis;
                d.rule = how.refusal->rule;
                d.referral_name = how.refusal->referral_name;
                d.referral_contact = how.refusal->referral_contact;
              } else {
                if (how.target.empty())
                  return workflow_error{"invalid", "a transfer needs its target",
                                        "disposal.target"};
                d.target = how.target;
              }
              out.emplace_back(std::move(d));
              out.emplace_back(closed{now, how.kind == disposal_kind::refusal ? "M-S-3" : "M-C-1"});
              return out;
            }
            if (auto* a = std::get_if<assignment>(&r.route))
              out.emplace_back(make_dispatch(*a, r.intake.kind, now, r.deadline, p));
            else
              out.emplace_back(
                  coordination_requested{now, std::get<needs_coordination>(r.route).reasons});
            return out;
          },
          [&](const accept_ticket& a) -> decision {
            // Whose ticket it is comes first: another unit learns nothing of
            // its status.
            if (!assigned_to(s, a.unit_id))
              return workflow_error{"forbidden", "ticket is assigned to another unit", "unit_id"};
            if (s.status != ticket_status::dispatched)
              return conflict(s.status, "accept");
            return std::vector<event>{accepted{now, a.unit_id}};
          },
          [&](const reply_ticket& r) -> decision {
            if (!assigned_to(s, r.unit_id))
              return workflow_error{"forbidden", "ticket is assigned to another unit", "unit_id"};
            if (s.status != ticket_status::accepted)
              return conflict(s.status, "reply to");
            // M-DL-4: the lead answers once it has every cooperating opinion.
            std::string missing;
            for (const auto& c : s.assignment->cooperating)
              if (!s.opinions.count(c))
                missing += (missing.empty() ? "" : ", ") + c;
            if (!missing.empty())
              return workflow_error{
                  "conflict", "waiting for the opinions of " + missing + " (M-DL-4)", "opinions"};
            if (r.text.empty())
              return workflow_error{"invalid", "reply text must not be empty", "text"};
            return std::vector<event>{replied{now, r.unit_id, r.text}};
          },
          [&](const record_callback& cb) -> decision {
            if (s.status != ticket_status::replied)
              return conflict(s.status, "call back");
            std::vector<event> out{called_back{now, cb.result, cb.resolved}};
            // M-SV-2: a satisfied (or basically satisfied) caller whose matter is
            // resolved closes the loop; otherwise the same unit handles it again
            // with a fresh deadline, up to reopen_limit times, and after that the
            // office coordinates.
            if (cb.resolved && cb.result != satisfaction::not_satisfied) {
              out.emplace_back(closed{now, "M-SV-2"});
            } else if (s.reopen_count < p.reopen_limit) {
              const int days = s.assignment->limit_days > 0 ? s.assignment->limit_days
                               : s.intake->kind == demand_kind::consultation ? p.consultation_days
                                                                             : p.other_days;
              const deadline dl = p.cal->add_working_days(now, days);
              out.emplace_back(reopened{now, s.reopen_count + 1, days, dl.due, dl.provisional});
            } else {
              out.emplace_back(coordination_requested{
                  now,
                  {{"M-SV-2", "回访不满意或未解决，重办已达" + std::to_string(p.reopen_limit)
                                  + "次上限，转热线协调"}}});
            }
            return out;
          },
          [&](const request_extension& r) -> decision {
            if (!assigned_to(s, r.unit_id))
              return workflow_error{"forbidden", "ticket is assigned to another unit", "unit_id"};
            if (s.status != ticket_status::dispatched && s.status != ticket_status::accepted)
              return conflict(s.status, "extend");
            const instant due = current_deadline(*s.assignment, *p.cal).due;
            // M-DL-5: the request comes before the deadline, never after.
            if (now >= due)
              return workflow_error{"deadline_passed",
                                    "an extension must be requested before the deadline",
                                    "deadline"};
            if (s.extension_pending)
              return workflow_error{"conflict", "an extension request is already pending",
                                    "extension"};
            if (r.new_due <= due)
              return workflow_error{
                  "invalid", "the new deadline must be later than the current one", "new_deadline"};
            if (r.reason.empty())
              return workflow_error{"invalid", "reasons are required (M-DL-5)", "reason"};
            return std::vector<event>{
                extension_requested{now, r.unit_id, r.reason, r.progress, r.new_due}};
          },
          [&](const return_ticket& r) -> decision {
            if (!assigned_to(s, r.unit_id))
              return workflow_error{"forbidden", "ticket is assigned to another unit", "unit_id"};
            if (s.status != ticket_status::dispatched && s.status != ticket_status::accepted)
              return conflict(s.status, "return");
            if (r.reason.empty())
              return workflow_error{"invalid", "a return needs its reasons (M-RT-4)", "reason"};
            // A ticket sent back for re-handling (M-SV-2) was already handled
            // by this unit: the window of its first dispatch is long gone.
            if (s.reopen_count > 0)
              return workflow_error{"return_window_passed", "a reopened ticket cannot be returned",
                                    "ticket_no"};
            // M-RT-4: within the window after dispatch, counted in working days.
            const instant window_end
                = p.cal->add_working_days(s.assignment->at, p.return_window_days).due;
            if (now >= window_end)
              return workflow_error{"return_window_passed",
                                    "the return window of " + std::to_string(p.return_window_days)
                                        + " working days after dispatch has passed",
                                    "ticket_no"};
            return std::vector<event>{returned{now, r.unit_id, r.reason}};
          },
          [&](const designate& d) -> decision {
            if (s.status != ticket_status::coordinating)
              return conflict(s.status, "designate units for");
            if (d.lead.unit_id.empty())
              return workflow_error{"invalid", "a lead unit is required", "lead_unit_id"};
            for (std::size_t i = 0; i < d.cooperating.size(); ++i) {
              if (d.cooperating[i] == d.lead.unit_id)
                return workflow_error{"invalid", "the lead unit cannot also cooperate",
                                      "cooperating_unit_ids"};
              for (std::size_t j = 0; j < i; ++j)
                if (d.cooperating[j] == d.cooperating[i])
                  return workflow_error{"invalid", "a cooperating unit is named twice",
                                        "cooperating_unit_ids"};
            }
            // M-DL-3: a deadline the office gave at intake still holds.
            std::optional<instant> given = s.intake->given_deadline;
            if (given && *given <= now)
              given.reset();
            dispatched out = make_dispatch(d.lead, s.intake->kind, now, given, p);
            out.cooperating = d.cooperating;
            return std::vector<event>{std::move(out)};
          },
          [&](const submit_opinion& o) -> decision {
            // M-D-3: membership before status, so a stranger learns nothing
            // of the ticket's state (403, never 409).
            const bool cooperating = s.assignment
                                     && std::find(s.assignment->cooperating.begin(),
                                                  s.assignment->cooperating.end(), o.unit_id)
                                            != s.assignment->cooperating.end();
            if (!cooperating)
              return workflow_error{"forbidden", "not a cooperating unit of this ticket",
                                    "unit_id"};
            if (s.status != ticket_status::dispatched && s.status != ticket_status::accepted)
              return conflict(s.status, "give an opinion on");
            if (s.opinions.count(o.unit_id))
              return workflow_error{"conflict", "this unit already gave its opinion", "unit_id"};
            if (o.text.empty())
              return workflow_error{"invalid", "the opinion must not be empty", "text"};
            return std::vector<event>{opinion_submitted{now, o.unit_id, o.text}};
          },
          [&](const fire_timer& f) -> decision {
            // M-SV-1: fires only if the ticket still wants this timer now: not
            // once answered, not twice for the same deadline.
            for (const auto& t : timers_for(s, p)) {
              if (t.level != f.level || t.unit != f.unit || t.at > now)
                continue;
              const auto& a = *s.assignment;
              // The late unit: the lead, or a silent cooperating unit.
              const std::string late = f.unit.empty() ? a.unit_id : f.unit;
              std::vector<std::string> notified{late};
              if (f.level != escalation_level::reminder) {
                if (f.unit.empty()) {
                  notified.push_back(a.supervisor_id);
                  if (a.supervisor_id != p.office_id)
                    notified.push_back(p.office_id);
                } else {
                  notified.push_back(a.unit_id); // the lead waits for it
                  notified.push_back(p.office_id);
                }
              }
              const instant about
                  = f.unit.empty() ? current_deadline(a, *p.cal).due : opinion_deadline(s, p);
              return std::vector<event>{escalated{now, f.level, about, notified, "", f.unit}};
            }
            return std::vector<event>{};
          },
          [&](const name_handler& n) -> decision {
            if (!assigned_to(s, n.unit_id))
              return workflow_error{"forbidden", "ticket is assigned to another unit", "unit_id"};
            if (s.status != ticket_status::accepted)
              return conflict(s.status, "name a concrete handler for");
            if (s.handler && !s.handler_report)
              return workflow_error{"conflict", "a concrete handler is already at work",
                                    "handler_unit_id"};
            if (n.instruction.empty())
              return workflow_error{"invalid", "tell the handler what to do", "instruction"};
            return std::vector<event>{handler_named{now, n.unit_id, n.handler_id, n.instruction}};
          },
          [&](const report_handling& r) -> decision {
            if (!s.handler || s.handler->handler_id != r.handler_id)
              return workflow_error{"forbidden", "not the concrete handler of this ticket",
                                    "unit_id"};
            if (s.status != ticket_status::accepted)
              return conflict(s.status, "report on");
            if (s.handler_report)
              return workflow_error{"conflict", "the handler already reported", "unit_id"};
            if (r.text.empty())
              return workflow_error{"invalid", "the report must not be empty", "text"};
            return std::vector<event>{handler_reported{now, r.handler_id, r.text}};
          },
          [&](const add_follow_up& f) -> decision {
            if (!s.open() || s.status == ticket_status::none)
              return conflict(s.status, "follow up");
            if (f.text.empty())
              return workflow_error{"invalid", "a follow-up needs its text", "description"};
            return std::vector<event>{follow_up_added{now, f.via, f.text}};
          },
          [&](const link_repeat& l) -> decision {
            if (!s.open())
              return conflict(s.status, "link a repeat to");
            return std::vector<event>{repeat_linked{now, l.via, l.content, l.fingerprint}};
          },
          [&](const escalate& e) -> decision {
            if (!s.open() || s.status == ticket_status::none)
              return conflict(s.status, "escalate");
            if (e.reason.empty())
              return workflow_error{"invalid", "an escalation needs its reason", "reason"};
            std::vector<std::string> notified;
            if (s.assignment) {
              notified.push_back(s.assignment->unit_id);
              notified.push_back(s.assignment->supervisor_id);
            }
            const instant due = s.assignment ? current_deadline(*s.assignment, *p.cal).due : 0;
            return std::vector<event>{
                escalated{now, escalation_level::office, due, notified, e.reason, ""}};
          },
          [&](const decide_extension& d) -> decision {
            // M-D-3: who decides is checked before the status (403, never 409).
            if (!s.assignment || d.approver != s.assignment->supervisor_id)
              return workflow_error{"forbidden",
                                    "only the unit one level up decides an extension (M-DL-5)",
                                    "approver"};
            if (s.status != ticket_status::dispatched && s.status != ticket_status::accepted)
              return conflict(s.status, "decide an extension of");
            if (!s.extension_pending)
              return workflow_error{"conflict", "no extension request is pending", "extension"};
            return std::vector<event>{extension_decided{now, d.approver, d.approve, d.note,
                                                        s.extension_request->new_due}};
          },
      },
      c);
}

} // namespace hotline::routing
