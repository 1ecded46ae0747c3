#include "routing/notice.hpp"

#include <algorithm>
#include <array>

#include "routing/civil_time.hpp"
#include "routing/names.hpp"

namespace hotline::routing {

namespace {

constexpr name_table<worklist_role, 8> roles{{{worklist_role::none, "none"},
                                              {worklist_role::lead, "lead"},
                                              {worklist_role::cooperating, "cooperating"},
                                              {worklist_role::handler, "handler"},
                                              {worklist_role::approver, "approver"},
                                              {worklist_role::supervising, "supervising"},
                                              {worklist_role::coordinating, "coordinating"},
                                              {worklist_role::callback, "callback"}}};

constexpr name_table<worklist_role, 8> roles_zh{{{worklist_role::none, "无"},
                                                 {worklist_role::lead, "承办"},
                                                 {worklist_role::cooperating, "协办"},
                                                 {worklist_role::handler, "具体承办"},
                                                 {worklist_role::approver, "审批延期"},
                                                 {worklist_role::supervising, "督办"},
                                                 {worklist_role::coordinating, "协调"},
                                                 {worklist_role::callback, "待回访"}}};

bool working_on(ticket_status s) {
  return s == ticket_status::dispatched || s == ticket_status::accepted
         || s == ticket_status::replied || s == ticket_status::called_back;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Adds each unit once, keeping the first position.
void add(std::vector<std::string>& out, const std::string& unit) {
  if (!unit.empty() && !contains(out, unit))
    out.push_back(unit);
}

std::string_view step_of(escalation_level l) {
  switch (l) {
  case escalation_level::reminder:
    return "reminder";
  case escalation_level::supervision:
    return "supervision";
  case escalation_level::notice:
    return "public_notice";
  case escalation_level::office:
    break;
  }
  return "office_escalation";
}

} // namespace

std::string_view to_string(worklist_role r) {
  return name_of(roles, r);
}

std::string_view label_zh(worklist_role r) {
  return name_of(roles_zh, r);
}

ticket_summary summarize(const std::string& no, const ticket_state& s, const policy& p) {
  ticket_summary t;
  t.no = no;
  t.version = s.version;
  t.status = s.status;
  if (s.intake)
    t.category = s.intake->category;
  t.updated = s.closed_at ? *s.closed_at : 0;
  for (const auto& e : s.escalations)
    t.updated = std::max(t.updated, e.at);
  if (!s.assignment)
    return t;
  const auto& a = *s.assignment;
  t.updated = std::max(t.updated, a.at);
  t.lead = a.unit_id;
  t.cooperating = a.cooperating;
  t.supervisor = a.supervisor_id;
  for (const auto& [unit, text] : s.opinions)
    t.opinions_given.push_back(unit);
  if (s.handler && !s.handler_report)
    t.handler = s.handler->handler_id;
  if (s.extension_pending)
    t.approver = a.supervisor_id;
  if (working_on(s.status)) {
    t.due = current_deadline(a, *p.cal).due;
    if (!a.cooperating.empty())
      t.opinion_due = opinion_deadline(s, p);
  }
  // M-SV-1: the supervision of the deadline in force (an office escalation
  // counts whatever its deadline) since the latest (re)assignment.
  for (const auto& e : s.escalations) {
    if (e.at < a.at || !e.unit.empty())
      continue;
    if (e.level != escalation_level::office && e.due != t.due)
      continue;
    if (!t.escalation || static_cast<int>(e.level) > static_cast<int>(*t.escalation))
      t.escalation = e.level;
  }
  return t;
}

worklist_role role_of(const ticket_summary& t, const std::string& unit, const policy& p) {
  if (unit.empty())
    return worklist_role::none;
  if (t.status == ticket_status::coordinating)
    return unit == p.office_id ? worklist_role::coordinating : worklist_role::none;
  if (!working_on(t.status))
    return worklist_role::none;
  if (unit == t.lead)
    return worklist_role::lead;
  if (contains(t.cooperating, unit))
    return worklist_role::cooperating;
  if (unit == t.handler)
    return worklist_role::handler;
  if (unit == t.approver)
    return worklist_role::approver;
  const bool supervised = t.escalation && *t.escalation != escalation_level::reminder;
  if (supervised && unit == t.supervisor)
    return worklist_role::supervising;
  // The office calls back every answer (M-SV-2) and follows what reached
  // it: public notices and its own escalations (M-SV-1).
  if (unit == p.office_id && t.status == ticket_status::replied)
    return worklist_role::callback;
  if (unit == p.office_id && t.escalation
      && (*t.escalation == escalation_level::notice || *t.escalation == escalation_level::office))
    return worklist_role::coordinating;
  return worklist_role::none;
}

std::vector<std::string> holders(const ticket_summary& t, const policy& p) {
  std::vector<std::string> out;
  for (const auto& u : std::vector<std::string>{t.lead, t.handler, t.approver, t.supervisor})
    if (role_of(t, u, p) != worklist_role::none)
      add(out, u);
  for (const auto& u : t.cooperating)
    if (role_of(t, u, p) != worklist_role::none)
      add(out, u);
  if (role_of(t, p.office_id, p) != worklist_role::none)
    add(out, p.office_id);
  return out;
}

const std::vector<std::string>& notice_steps() {
  static const std::vector<std::string> steps{"dispatched",
                                              "designated",
                                              "coordination_needed",
                                              "accepted",
                                              "replied",
                                              "returned",
                                              "opinion_submitted",
                                              "reminder",
                                              "supervision",
                                              "public_notice",
                                              "office_escalation",
                                              "handler_named",
                                              "handler_reported",
                                              "extension_requested",
                                              "extension_decided",
                                              "callback",
                                              "reopened",
                                              "repeat_linked",
                                              "follow_up_added",
                                              "closed"};
  return steps;
}

std::vector<notice> notices_for(const ticket_state& before, const event& e,
                                const ticket_state& after, const policy& p) {
  notice n;
  n.at = event_time(e);
  auto lead_and_cooperating = [&](const ticket_state& s) {
    if (s.assignment) {
      add(n.units, s.assignment->unit_id);
      for (const auto& c : s.assignment->cooperating)
        add(n.units, c);
    }
  };
  auto due = [&](instant t) { n.facts.emplace_back("deadline", format_instant(t)); };
  const bool told = std::visit(
      overloaded{
          [&](const registered&) { return false; },
          [&](const disposed&) { return false; },
          [&](const dispatched& d) {
            // M-RT-2: after coordination the office designated the units.
            const bool designated = before.status == ticket_status::coordinating;
            n.step = designated ? "designated" : "dispatched";
            n.rule = designated ? "M-RT-2" : "M-C-2";
            lead_and_cooperating(after);
            n.facts.emplace_back("deadline_rule", d.deadline_rule);
            due(current_deadline(d, *p.cal).due);
            if (!d.cooperating.empty())
              n.facts.emplace_back("opinion_deadline", format_instant(opinion_deadline(after, p)));
            return true;
          },
          [&](const coordination_requested&) {
            n.step = "coordination_needed";
            n.rule = "M-RT-2";
            add(n.units, p.office_id);
            return true;
          },
          [&](const accepted&) {
            n.step = "accepted";
            n.rule = "M-C-2";
            lead_and_cooperating(after);
            return true;
          },
          [&](const replied&) {
            // The office calls the caller back next (M-SV-2).
            n.step = "replied";
            n.rule = "M-SV-2";
            lead_and_cooperating(after);
            add(n.units, p.office_id);
            return true;
          },
          [&](const called_back& c) {
            n.step = "callback";
            n.rule = "M-SV-2";
            lead_and_cooperating(after);
            n.facts.emplace_back("result", std::string(to_string(c.result)));
            n.facts.emplace_back("resolved", c.resolved ? "true" : "false");
            return true;
          },
          [&](const closed& c) {
            if (before.disposal || after.disposal)
              return false; // disposed of at once: never anyone's ticket
            n.step = "closed";
            n.rule = c.rule.empty() ? "M-SV-2" : c.rule;
            for (const auto& u : holders(summarize("", before, p), p))
              add(n.units, u);
            lead_and_cooperating(before);
            return true;
          },
          [&](const reopened& r) {
            n.step = "reopened";
            n.rule = "M-SV-2";
            lead_and_cooperating(after);
            due(r.due);
            return true;
          },
          [&](const extension_requested& x) {
            n.step = "extension_requested";
            n.rule = "M-DL-5";
            if (after.assignment)
              add(n.units, after.assignment->supervisor_id);
            lead_and_cooperating(after);
            n.facts.emplace_back("new_deadline", format_instant(x.new_due));
            return true;
          },
          [&](const extension_decided& x) {
            n.step = "extension_decided";
            n.rule = "M-DL-5";
            lead_and_cooperating(after);
            add(n.units, x.by);
            n.facts.emplace_back("approved", x.approved ? "true" : "false");
            if (x.approved)
              due(x.new_due);
            return true;
          },
          [&](const returned& r) {
            n.step = "returned";
            n.rule = "M-RT-4";
            add(n.units, p.office_id);
            add(n.units, r.unit_id);
            lead_and_cooperating(before);
            return true;
          },
          [&](const opinion_submitted& o) {
            n.step = "opinion_submitted";
            n.rule = "M-DL-4";
            if (after.assignment)
              add(n.units, after.assignment->unit_id);
            add(n.units, o.unit_id);
            return true;
          },
          [&](const escalated& x) {
            n.step = std::string(step_of(x.level));
            n.rule = "M-SV-1";
            add(n.units, x.unit);
            for (const auto& u : x.notified)
              add(n.units, u);
            if (x.level == escalation_level::office)
              add(n.units, p.office_id);
            n.facts.emplace_back("level", std::string(to_string(x.level)));
            if (x.due)
              due(x.due);
            if (!x.unit.empty())
              n.facts.emplace_back("late_unit", x.unit);
            return true;
          },
          [&](const handler_named& h) {
            n.step = "handler_named";
            n.rule = "M-RT-3";
            add(n.units, h.handler_id);
            add(n.units, h.by);
            return true;
          },
          [&](const handler_reported& h) {
            n.step = "handler_reported";
            n.rule = "M-RT-3";
            if (after.handler)
              add(n.units, after.handler->by);
            add(n.units, h.handler_id);
            return true;
          },
          [&](const repeat_linked&) {
            n.step = "repeat_linked";
            n.rule = "M-S-2";
            if (after.assignment)
              add(n.units, after.assignment->unit_id);
            else
              add(n.units, p.office_id);
            return true;
          },
          [&](const follow_up_added&) {
            n.step = "follow_up_added";
            n.rule = "M-P-2";
            if (after.assignment)
              add(n.units, after.assignment->unit_id);
            else
              add(n.units, p.office_id);
            return true;
          },
      },
      e);
  if (!told || n.units.empty())
    return {};
  return {std::move(n)};
}

} // namespace hotline::routing
