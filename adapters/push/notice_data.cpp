#include "adapters/push/notice_data.hpp"

#include <nlohmann/json.hpp>

#include "adapters/auth/integrator_ids.hpp"
#include "routing/civil_time.hpp"

namespace hotline::push {

namespace r = hotline::routing;
using nlohmann::json;

namespace {

json unit_json(const r::directory& dir, const std::string& id) {
  const auto* u = dir.find_unit(id);
  return {{"unit_id", id}, {"unit_name", u ? u->name : id}};
}

} // namespace

std::string notice_data(const r::notice& n, const r::ticket_summary& t,
                        const r::ticket_state& after, const r::directory& dir) {
  json d{{"event", n.step},
         {"ticket_no", t.no},
         {"version", t.version},
         {"status", r::to_string(t.status)},
         {"status_label", r::label_zh(t.status)},
         {"at", r::format_instant(n.at)},
         {"rule", n.rule}};
  const auto* cat = dir.find_category(t.category);
  d["category"] = {{"code", t.category}, {"name", cat ? cat->name : t.category}};
  json units = json::array();
  for (const auto& u : n.units)
    units.push_back(unit_json(dir, u));
  d["units"] = units;
  if (!t.lead.empty())
    d["lead"] = unit_json(dir, t.lead);
  if (!t.cooperating.empty()) {
    json coop = json::array();
    for (const auto& u : t.cooperating)
      coop.push_back(unit_json(dir, u));
    d["cooperating"] = coop;
  }
  if (t.due) {
    d["deadline"] = r::format_instant(t.due);
    d["deadline_date"] = r::deadline_date(t.due);
  }
  for (const auto& [name, value] : n.facts) {
    if (value == "true" || value == "false")
      d[name] = value == "true";
    else
      d[name] = value;
  }
  // Issue 12, the 渝快办 profile: a demand an integrator filed carries its
  // name and its own report id, so its system maps every step to its
  // record (never the caller's data: that is not in a notice at all).
  if (after.intake)
    if (const auto via = auth::integrator_of(after.intake->request_id)) {
      d["integrator"] = via->integrator;
      if (!via->external_id.empty())
        d["external_id"] = via->external_id;
    }
  // M-D-2: what the unit needs to start, when a ticket reaches it.
  const bool handed = n.step == "dispatched" || n.step == "designated" || n.step == "reopened";
  if (handed && after.intake) {
    const auto& in = *after.intake;
    json demand{{"kind", r::to_string(in.kind)},
                {"channel", r::to_string(in.via)},
                {"content", in.content},
                {"address", in.address},
                {"submitted_at", r::format_instant(in.at)}};
    d["demand"] = demand;
  }
  return d.dump();
}

} // namespace hotline::push
