#include "adapters/http/openapi/document.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

namespace hotline::http {

using nlohmann::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return out;
}

const std::set<std::string>& http_methods() {
  static const std::set<std::string> m{"get", "put", "post", "delete", "patch", "head", "options"};
  return m;
}

json parse_source() {
  auto doc = json::parse(openapi_source(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("paths"))
    throw std::runtime_error("openapi: the embedded openapi.json is not an OpenAPI document");
  return doc;
}

// Who may call, from the table: an empty requirement lets a caller
// without a token in; a bearer requirement names the roles in
// x-hotline-access (OpenAPI 3.0 has no place for roles in http bearer).
void fill_access(json& op, const route& r) {
  json roles = json::array();
  for (std::size_t i = 0; i < routing::role_count; ++i) {
    const auto ro = static_cast<routing::role>(i);
    if (r.who.open || r.who.roles.has(ro))
      roles.push_back(std::string(routing::to_string(ro)));
  }
  const bool anonymous = r.who.open || r.who.anonymous;
  op["x-hotline-access"] = {{"anonymous", anonymous}, {"roles", roles}};
  op["security"] = anonymous ? json::array({json::object(), {{"bearer", json::array()}}})
                             : json::array({{{"bearer", json::array()}}});
}

} // namespace

bool documented_route(const route& r) {
  return r.pattern.rfind("/api/v1/", 0) == 0;
}

json openapi_document(const std::vector<route>& table) {
  auto doc = parse_source();
  for (const auto& r : table) {
    if (!documented_route(r))
      continue;
    auto& paths = doc["paths"];
    const std::string path(r.pattern);
    const auto method = lower(r.method);
    if (!paths.contains(path) || !paths[path].contains(method))
      continue; // openapi_mismatches reports it; serve what is documented
    auto& op = paths[path][method];
    op["operationId"] = std::string(r.name);
    op["summary"] = std::string(r.summary);
    fill_access(op, r);
  }
  return doc;
}

std::vector<std::string> openapi_mismatches(const json& file, const std::vector<route>& table) {
  std::vector<std::string> out;
  std::set<std::pair<std::string, std::string>> routes;
  for (const auto& r : table)
    if (documented_route(r))
      routes.emplace(std::string(r.pattern), lower(r.method));
  const auto paths = file.value("paths", json::object());
  for (const auto& [path, method] : routes)
    if (!paths.contains(path) || !paths[path].contains(method))
      out.push_back("route " + method + " " + path + " is not in openapi.json");
  for (const auto& item : paths.items())
    for (const auto& op : item.value().items())
      if (http_methods().count(op.key()) && !routes.count({item.key(), op.key()}))
        out.push_back("openapi.json documents " + op.key() + " " + item.key()
                      + ", which no route serves");
  return out;
}

} // namespace hotline::http
