// Public reference data: categories, units, refusal rules, the OpenAPI
// document.
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/openapi/document.hpp"
#include "adapters/http/views.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
using nlohmann::json;

void categories(const call_ptr& c) {
  response out;
  out.shared_body = c->ctx.categories_json;
  c->reply(std::move(out));
}

void units(const call_ptr& c) {
  const auto& q = c->req.query;
  std::optional<r::unit_kind> kind;
  if (auto k = q.find("kind"); k != q.end() && !k->second.empty()) {
    kind = r::parse_unit_kind(k->second);
    if (!kind)
      throw api_error{422, "invalid_field",
                      "must be one of office, district_government, township, "
                      "district_department, city_department, enterprise",
                      "kind"};
  }
  auto p = q.find("parent");
  json list = json::array();
  for (const auto& u : c->ctx.svc.config.directory.units()) {
    if (kind && u.kind != *kind)
      continue;
    if (p != q.end() && !p->second.empty() && u.parent != p->second)
      continue;
    list.push_back({{"id", u.id},
                    {"name", u.name},
                    {"kind", r::to_string(u.kind)},
                    {"parent", u.parent.empty() ? json(nullptr) : json(u.parent)}});
  }
  c->reply(200, {{"units", list}});
}

void refusal_rules(const call_ptr& c) {
  json rules = json::array();
  for (const auto& x : c->ctx.svc.config.refusal_rules)
    rules.push_back(
        {{"code", x.code},
         {"basis", x.basis},
         {"rule", x.rule},
         {"referral", x.referral_name.empty()
                          ? json(nullptr)
                          : json{{"name", x.referral_name}, {"contact", x.referral_contact}}}});
  c->reply(200, {{"refusal_rules", rules}});
}

// GET /api/v1/openapi.json — built once from the embedded file and the
// route table (adapters/http/openapi/document.hpp).
void openapi(const call_ptr& c) {
  static const auto body
      = std::make_shared<const std::string>(openapi_document(route_table()).dump());
  response out;
  out.shared_body = body;
  c->reply(std::move(out));
}

} // namespace hotline::http::handlers
