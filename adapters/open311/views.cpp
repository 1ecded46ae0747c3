#include "adapters/open311/views.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "routing/civil_time.hpp"

namespace hotline::open311 {

namespace r = hotline::routing;

element errors_view(const std::vector<error>& errors) {
  auto out = element::items("errors");
  for (const auto& e : errors)
    out.add(element::obj("error", {element::leaf("code", std::to_string(e.status)),
                                   element::leaf("description", e.field + ": " + e.reason)}));
  return out;
}

element discovery_view(const std::string& base_url) {
  // The changeset of the endpoint: when this interface last changed.
  const std::string changeset = "2026-11-30T00:00:00+08:00";
  auto formats = element::items("formats", {element::leaf("format", "text/xml"),
                                            element::leaf("format", "application/json")});
  auto endpoint = element::obj(
      "endpoint", {element::leaf("specification", "http://wiki.open311.org/GeoReport_v2"),
                   element::leaf("url", base_url), element::leaf("changeset", changeset),
                   element::leaf("type", "production"), formats});
  return element::obj(
      "discovery",
      {element::leaf("changeset", changeset),
       element::leaf("contact", "重庆市12345政务服务便民热线 (12345 hotline office), tel. 12345"),
       element::leaf("key_service",
                     "API keys are issued by the hotline office (hotline integrator add)"),
       element::items("endpoints", {endpoint})});
}

std::string group_name(const std::string& code) {
  static const std::map<std::string, std::string> groups{
      {"env", "生态环境"},     {"urban", "城市管理"},         {"housing", "住房"},
      {"labour", "人力社保"},  {"health", "卫生健康、医保"},  {"education", "教育"},
      {"market", "市场监管"},  {"transport", "交通"},         {"utility", "水电气讯"},
      {"safety", "公共安全"},  {"society", "社区与社会事务"}, {"agri", "农业农村"},
      {"culture", "文化旅游"}, {"tourism", "文化旅游"},       {"business", "企业与税务"},
      {"tax", "企业与税务"},   {"gov", "政务服务"},           {"misc", "其他"}};
  const auto prefix = code.substr(0, code.find('.'));
  auto i = groups.find(prefix);
  return i == groups.end() ? prefix : i->second;
}

element services_view(const r::directory& dir) {
  auto out = element::items("services");
  for (const auto& c : dir.categories()) {
    std::string keywords;
    for (auto k : c.kinds)
      keywords += (keywords.empty() ? "" : ",") + std::string(r::label_zh(k));
    out.add(element::obj(
        "service", {element::leaf("service_code", c.code), element::leaf("service_name", c.name),
                    element::leaf("description", c.name), element::flag("metadata", true),
                    element::leaf("type", "realtime"), element::leaf("keywords", keywords),
                    element::leaf("group", group_name(c.code))}));
  }
  return out;
}

element service_definition_view(const r::category& c) {
  auto values = element::items("values");
  for (auto k : c.kinds)
    values.add(element::obj("value", {element::leaf("key", std::string(r::to_string(k))),
                                      element::leaf("name", std::string(r::label_zh(k)))}));
  auto kind = element::obj(
      "attribute",
      {element::flag("variable", true), element::leaf("code", "kind"),
       element::leaf("datatype", "singlevaluelist"), element::flag("required", true),
       element::leaf("datatype_description", "诉求类型：咨询、求助、投诉、举报或意见建议"),
       element::num("order", "1"), element::leaf("description", "诉求类型"), values});
  auto external = element::obj(
      "attribute",
      {element::flag("variable", true), element::leaf("code", "external_id"),
       element::leaf("datatype", "string"), element::flag("required", false),
       element::leaf("datatype_description",
                     "1-90 characters of A-Z a-z 0-9 . _ : - (fixmystreet_id is read too)"),
       element::num("order", "2"),
       element::leaf("description", "贵系统的诉求编号：同一编号重复提交只登记一次")});
  return element::obj("service_definition", {element::leaf("service_code", c.code),
                                             element::items("attributes", {kind, external})});
}

element created_view(const std::string& ticket_no, const std::string& notice) {
  return element::items("service_requests",
                        {element::obj("request", {element::leaf("service_request_id", ticket_no),
                                                  element::leaf("service_notice", notice)})});
}

bool ticket_fields::has(const std::string& n) const {
  return std::find(names.begin(), names.end(), n) != names.end();
}

ticket_fields public_fields() {
  return {{"agency", "expected"}};
}

element update_view(const update& u) {
  return element::obj("request_update",
                      {element::leaf("update_id", u.ticket_no + "." + std::to_string(u.step)),
                       element::leaf("service_request_id", u.ticket_no),
                       element::leaf("status", u.status),
                       element::leaf("updated_datetime", r::format_instant(u.at)),
                       element::leaf("description", u.description), element::leaf("media_url", ""),
                       element::leaf("external_status_code", u.type)});
}

r::instant last_update(const r::ticket_state& s) {
  r::instant t = s.intake ? s.intake->at : 0;
  const auto see = [&t](r::instant x) { t = std::max(t, x); };
  if (s.assignment)
    see(s.assignment->at);
  if (s.accepted_at)
    see(*s.accepted_at);
  if (s.answer)
    see(s.answer->at);
  if (s.callback)
    see(s.callback->at);
  if (s.closed_at)
    see(*s.closed_at);
  if (s.disposal)
    see(s.disposal->at);
  for (const auto& x : s.returns)
    see(x.at);
  for (const auto& x : s.escalations)
    see(x.at);
  if (s.extension_request)
    see(s.extension_request->at);
  if (s.extension_decision)
    see(s.extension_decision->at);
  return t;
}

std::string status_of(const r::ticket_state& s) {
  return s.status == r::ticket_status::closed ? "closed" : "open";
}

element request_view(const config::hotline_config& cfg, const std::string& no,
                     const r::ticket_state& s, const ticket_fields& fields) {
  auto out = element::obj("request");
  out.add(element::leaf("service_request_id", no));
  out.add(element::leaf("status", status_of(s)));
  if (fields.has("status_notes")) {
    if (s.answer)
      out.add(element::leaf("status_notes", s.answer->text));
    else if (s.disposal && !s.disposal->answer.empty())
      out.add(element::leaf("status_notes", s.disposal->answer));
  }
  if (s.intake) {
    const auto& in = *s.intake;
    const auto* cat = cfg.directory.find_category(in.category);
    out.add(element::leaf("service_name", cat ? cat->name : in.category));
    out.add(element::leaf("service_code", in.category));
    if (fields.has("description"))
      out.add(element::leaf("description", in.content));
  }
  if (fields.has("agency") && s.assignment) {
    const auto* u = cfg.directory.find_unit(s.assignment->unit_id);
    out.add(element::leaf("agency_responsible", u ? u->name : s.assignment->unit_id));
  }
  if (s.intake) {
    out.add(element::leaf("requested_datetime", r::format_instant(s.intake->at)));
    out.add(element::leaf("updated_datetime", r::format_instant(last_update(s))));
  }
  if (fields.has("expected") && s.assignment)
    out.add(element::leaf("expected_datetime",
                          r::format_instant(r::current_deadline(*s.assignment, cfg.calendar).due)));
  if (s.intake) {
    const auto& in = *s.intake;
    if (fields.has("address") && !in.address.empty())
      out.add(element::leaf("address", in.address));
    if (fields.has("location") && in.coords) {
      out.add(element::num("lat", fmt::format("{:.6f}", in.coords->lat)));
      out.add(element::num("long", fmt::format("{:.6f}", in.coords->lon)));
    }
  }
  return out;
}

} // namespace hotline::open311
