#include "adapters/http/views.hpp"

#include <map>

#include "adapters/auth/integrator_ids.hpp"
#include "routing/privacy.hpp"
#include "routing/timeline.hpp"

namespace hotline::http {

namespace r = hotline::routing;
using nlohmann::json;

json reasons_json(const std::vector<r::reason>& reasons) {
  json out = json::array();
  for (const auto& x : reasons)
    out.push_back({{"rule", x.rule}, {"text", x.text}});
  return out;
}

json confidence_json(const r::confidence& c) {
  return {{"level", r::to_string(c.level)}, {"reason", c.reason}};
}

std::string unit_name(const actors::services& svc, const std::string& id) {
  const auto* u = svc.config.directory.find_unit(id);
  return u ? u->name : id;
}

json unit_json(const actors::services& svc, const std::string& id) {
  if (id.empty())
    return nullptr;
  return {{"unit_id", id}, {"unit_name", unit_name(svc, id)}};
}

// M-C-1, M-S-3: how a demand was disposed of at once; a refusal carries its
// basis and where the caller can turn.
json disposal_json(const r::disposed& d) {
  json out{{"type", r::to_string(d.kind)}, {"label", r::label_zh(d.kind)}};
  switch (d.kind) {
  case r::disposal_kind::direct_answer:
    out["answer"] = d.answer;
    out["article"] = d.article_id.empty()
                         ? json(nullptr)
                         : json{{"id", d.article_id}, {"version", d.article_version}};
    break;
  case r::disposal_kind::call_transfer:
  case r::disposal_kind::three_way_call:
    out["target"] = d.target;
    break;
  case r::disposal_kind::refusal:
    out["refusal"]
        = {{"code", d.refusal_code},
           {"basis", d.basis},
           {"rule", d.rule},
           {"referral", d.referral_name.empty()
                            ? json(nullptr)
                            : json{{"name", d.referral_name}, {"contact", d.referral_contact}}}};
    break;
  case r::disposal_kind::ticket:
    break;
  }
  return out;
}

// The view of a ticket. `staff` adds the routing reasons and supervisor;
// caller data is always masked.
json ticket_view(const actors::services& svc, const actors::ticket_reply& t, bool staff) {
  const auto& s = t.state;
  json v{{"ticket_no", t.ticket_no},
         {"status", r::to_string(s.status)},
         {"status_label", r::label_zh(s.status)}};
  if (s.intake) {
    const auto& in = *s.intake;
    const auto* cat = svc.config.directory.find_category(in.category);
    v["kind"] = r::to_string(in.kind);
    v["channel"] = r::to_string(in.via);
    // Issue 12: staff see which integrator filed it (channel integrator:{name})
    // and its own id of the report (the 渝快办 profile).
    if (const auto via = auth::integrator_of(in.request_id);
        staff && in.via == r::channel::integrator && via) {
      v["integrator"] = via->integrator;
      if (!via->external_id.empty())
        v["external_id"] = via->external_id;
    }
    v["category"] = {{"code", in.category}, {"name", cat ? cat->name : in.category}};
    v["content"] = in.content;
    v["location"] = {{"address", in.address}};
    if (in.coords) {
      v["location"]["lat"] = in.coords->lat;
      v["location"]["lon"] = in.coords->lon;
    }
    v["submitted_at"] = r::format_instant(in.at);
    if (auto secret = svc.vault.open(t.ticket_no, in.caller_sealed))
      v["caller"] = {{"name", r::mask_name(secret->name)}, {"phone", r::mask_phone(secret->phone)}};
  }
  v["assignment"] = nullptr;
  v["deadline"] = nullptr;
  v["deadline_date"] = nullptr;
  if (s.assignment) {
    const auto& a = *s.assignment;
    json as = unit_json(svc, a.unit_id);
    as["assigned_at"] = r::format_instant(a.at);
    if (staff) {
      as["supervisor_id"] = a.supervisor_id;
      as["supervisor_name"] = unit_name(svc, a.supervisor_id);
      as["reasons"] = reasons_json(a.reasons);
      as["confidence"] = confidence_json(a.sure);
    }
    v["assignment"] = as;
    const auto dl = r::current_deadline(a, svc.config.calendar);
    v["deadline"] = r::format_instant(dl.due);
    v["deadline_date"] = r::deadline_date(dl.due);
    v["deadline_provisional"] = dl.provisional;
    v["deadline_rule"] = a.deadline_rule;
  }
  if (s.status == r::ticket_status::coordinating)
    v["coordination"] = {{"reasons", reasons_json(s.coordination_reasons)}};
  // M-DL-5: the caller is told the progress so far and the extension.
  if (s.extension_request) {
    const auto& x = *s.extension_request;
    json ex{{"requested_at", r::format_instant(x.at)},
            {"new_deadline", r::format_instant(x.new_due)},
            {"progress", x.progress},
            {"status", s.extension_pending              ? "pending"
                       : !s.extension_decision          ? "withdrawn" // answered before a decision
                       : s.extension_decision->approved ? "approved"
                                                        : "refused"}};
    if (staff)
      ex["reason"] = x.reason;
    if (s.extension_decision) {
      ex["decided_at"] = r::format_instant(s.extension_decision->at);
      ex["decided_by"] = unit_json(svc, s.extension_decision->by);
      if (staff)
        ex["note"] = s.extension_decision->note;
    }
    v["extension"] = ex;
  }
  v["reopen_count"] = s.reopen_count;
  if (staff && s.assignment && !s.assignment->cooperating.empty()) {
    // M-DL-4: the lead sees every opinion; the caller sees only the answer.
    json coop = json::array();
    for (const auto& c : s.assignment->cooperating) {
      json entry = unit_json(svc, c);
      auto o = s.opinions.find(c);
      entry["opinion"] = o == s.opinions.end() ? json(nullptr) : json(o->second);
      coop.push_back(entry);
    }
    v["cooperating"] = coop;
  }
  if (staff && s.handler) {
    // M-RT-3: the naming unit sees everything its handler does.
    json h = unit_json(svc, s.handler->handler_id);
    h["named_by"] = s.handler->by;
    h["instruction"] = s.handler->instruction;
    h["named_at"] = r::format_instant(s.handler->at);
    h["report"] = s.handler_report ? json{{"text", s.handler_report->text},
                                          {"at", r::format_instant(s.handler_report->at)}}
                                   : json(nullptr);
    v["concrete_handler"] = h;
  }
  if (staff && s.intake && !s.intake->possible_repeat_of.empty())
    // M-S-2 from an unverified channel: staff decide whether it is the same
    // caller (the caller was not told of the other ticket).
    v["possible_repeat_of"] = {{"ticket_no", s.intake->possible_repeat_of}, {"confirmed", false}};
  if (staff && !s.repeats.empty()) {
    json list = json::array();
    for (const auto& x : s.repeats)
      list.push_back({{"at", r::format_instant(x.at)},
                      {"channel", r::to_string(x.via)},
                      {"content", x.content}});
    v["repeats"] = list;
  }
  if (staff && !s.follow_ups.empty()) {
    json list = json::array();
    for (const auto& x : s.follow_ups)
      list.push_back(
          {{"at", r::format_instant(x.at)}, {"channel", r::to_string(x.via)}, {"text", x.text}});
    v["follow_ups"] = list;
  }
  if (staff && !s.escalations.empty()) {
    json list = json::array();
    for (const auto& e : s.escalations) {
      json notified = json::array();
      for (const auto& n : e.notified)
        notified.push_back(unit_json(svc, n));
      list.push_back({{"level", r::to_string(e.level)},
                      {"label", r::label_zh(e.level)},
                      {"at", r::format_instant(e.at)},
                      {"rule", "M-SV-1"},
                      {"notified", notified},
                      {"late_unit", e.unit.empty() ? json(nullptr) : unit_json(svc, e.unit)},
                      {"about_deadline", r::format_instant(e.due)},
                      {"reason", e.reason}});
    }
    v["escalations"] = list;
  }
  if (staff && !s.returns.empty()) {
    json returns = json::array();
    for (const auto& x : s.returns)
      returns.push_back({{"unit_id", x.unit_id},
                         {"unit_name", unit_name(svc, x.unit_id)},
                         {"reason", x.reason},
                         {"at", r::format_instant(x.at)}});
    v["returns"] = returns;
  }
  if (s.disposal)
    v["disposal"] = disposal_json(*s.disposal);
  if (s.accepted_at)
    v["accepted_at"] = r::format_instant(*s.accepted_at);
  v["answer"] = nullptr;
  if (s.answer)
    v["answer"] = {{"text", s.answer->text},
                   {"at", r::format_instant(s.answer->at)},
                   {"unit_id", s.answer->unit_id}};
  if (s.callback)
    v["callback"] = {{"satisfaction", r::to_string(s.callback->result)},
                     {"resolved", s.callback->resolved},
                     {"at", r::format_instant(s.callback->at)}};
  if (s.closed_at)
    v["closed_at"] = r::format_instant(*s.closed_at);
  return v;
}

// Where a ticket went and until when (the intake's answer and the routing
// preview of issue 15 share it).
void placement_fields(const actors::services& svc, const r::ticket_state& s, json& v) {
  v["assignment"] = nullptr;
  v["deadline"] = nullptr;
  v["deadline_date"] = nullptr;
  if (s.assignment) {
    const auto& a = *s.assignment;
    v["assignment"] = {{"unit_id", a.unit_id},
                       {"unit_name", unit_name(svc, a.unit_id)},
                       {"supervisor_id", a.supervisor_id},
                       {"supervisor_name", unit_name(svc, a.supervisor_id)},
                       {"reasons", reasons_json(a.reasons)},
                       {"confidence", confidence_json(a.sure)}};
    const auto dl = r::current_deadline(a, svc.config.calendar);
    v["deadline"] = r::format_instant(dl.due);
    v["deadline_date"] = r::deadline_date(dl.due);
    v["deadline_provisional"] = dl.provisional;
    v["deadline_rule"] = a.deadline_rule;
    v["limit_working_days"] = a.limit_days;
  } else if (s.disposal) {
    v["disposal"] = disposal_json(*s.disposal);
  } else {
    v["coordination"] = {{"reasons", reasons_json(s.coordination_reasons)}};
  }
}

// The answer to an intake: the ticket, its code and its assignment.
json intake_view(const actors::services& svc, const actors::ticket_reply& t) {
  const auto& s = t.state;
  json v{{"ticket_no", t.ticket_no}, {"status", r::to_string(s.status)}};
  if (auto secret = svc.vault.open(t.ticket_no, s.intake->caller_sealed))
    v["extraction_code"] = secret->extraction_code;
  v["submitted_at"] = r::format_instant(s.intake->at);
  placement_fields(svc, s, v);
  return v;
}

json timeline_view(const actors::services& svc, const std::string& no, const r::ticket_state& s,
                   const std::vector<redis::recorded_event>& recorded) {
  std::vector<r::event> events;
  std::vector<r::person> people;
  for (const auto& x : recorded) {
    events.push_back(x.e);
    people.push_back(x.by);
  }
  json steps = json::array();
  for (const auto& e : r::timeline(events, svc.config.directory, people)) {
    json step{{"at", r::format_instant(e.at)},
              {"type", e.type},
              {"actor", e.actor},
              {"actor_name", e.actor == "caller" ? std::string("来电人") : unit_name(svc, e.actor)},
              {"rule", e.rule},
              {"label_zh", e.label_zh},
              {"label_en", e.label_en},
              {"detail", e.detail}};
    // M-SV-3: the person, shown to staff by display name.
    step["by"] = e.by.user.empty() ? json(nullptr)
                                   : json{{"username", e.by.user}, {"display_name", e.by.name}};
    steps.push_back(step);
  }
  return {{"ticket_no", no}, {"status", r::to_string(s.status)}, {"steps", steps}};
}

json cluster_json(const cluster::cluster_view& v) {
  std::map<std::string, std::vector<const cluster::lease_info*>> by_node;
  json unowned = json::array();
  for (const auto& l : v.leases) {
    if (l.node.empty())
      unowned.push_back(l.partition);
    else
      by_node[l.node].push_back(&l);
  }
  json nodes = json::array();
  auto node_json = [&](const std::string& id, const cluster::member* m) {
    json parts = json::array();
    long long oldest = 0;
    for (const auto* l : by_node[id]) {
      parts.push_back(l->partition);
      oldest = std::max(oldest, v.lease_ttl_ms - l->ttl_ms);
    }
    json n{{"node_id", id},
           {"address", m ? json(m->address) : json(nullptr)},
           {"status", m ? json(m->status) : json("unknown")},
           {"heartbeat_age_ms", m ? json(v.now_ms - m->heartbeat_ms) : json(nullptr)},
           {"since", m ? json(r::format_instant(m->started_ms)) : json(nullptr)},
           {"version", m ? json(m->version) : json(nullptr)},
           {"partition_count", parts.size()},
           {"partitions", parts},
           // How long ago the oldest of its leases was renewed.
           {"lease_age_ms_max", oldest}};
    nodes.push_back(n);
  };
  for (const auto& m : v.members)
    node_json(m.node_id, &m);
  for (const auto& [id, leases] : by_node) {
    bool listed = false;
    for (const auto& m : v.members)
      listed = listed || m.node_id == id;
    if (!listed)
      node_json(id, nullptr);
  }
  return {{"node_id", v.node_id},
          {"partitions", v.partitions},
          {"lease_ttl_ms", v.lease_ttl_ms},
          {"membership_version", v.version},
          {"nodes", nodes},
          {"unowned", unowned}};
}

} // namespace hotline::http
