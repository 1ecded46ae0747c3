// The OpenAPI document and the route table describe the same operations
// (issue 12, M-D-2): the embedded file is checked against the table both
// ways, and what the table says (who may call, summary) is in the
// document served. Pure: no server; tests/e2e/openapi_test.cpp checks the
// real answers against the document.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "adapters/http/openapi/document.hpp"

using namespace hotline;
using namespace hotline::http;
using nlohmann::json;

namespace {

json embedded_file() {
  auto j = json::parse(openapi_source(), nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "adapters/http/openapi/openapi.json is not JSON";
  return j;
}

void no_handler(const call_ptr&) {}

} // namespace

TEST(OpenApi, TheFileDocumentsEveryApiRouteOfTheTableAndNoOther_M_D_2) {
  const auto problems = openapi_mismatches(embedded_file(), route_table());
  for (const auto& p : problems)
    ADD_FAILURE() << p;
  EXPECT_TRUE(problems.empty());
}

TEST(OpenApi, ARouteMissingFromTheFileOrAnOperationWithoutARouteIsReported) {
  auto table = route_table();
  table.push_back({"POST",
                   "/api/v1/tickets/{no}/unheard-of",
                   "unheard_of",
                   {true, false, {}},
                   no_handler,
                   "测试"});
  auto file = embedded_file();
  file["paths"]["/api/v1/nowhere"]["get"] = {{"responses", json::object()}};
  const auto problems = openapi_mismatches(file, table);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("post /api/v1/tickets/{no}/unheard-of"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("get /api/v1/nowhere"), std::string::npos) << problems[1];
}

TEST(OpenApi, OpenHealthMetricsAndOpen311StayOutOfTheDocument) {
  const auto paths = embedded_file()["paths"];
  for (const auto& r : route_table()) {
    if (!documented_route(r)) {
      EXPECT_FALSE(paths.contains(std::string(r.pattern))) << r.pattern;
    }
  }
  EXPECT_FALSE(paths.contains("/healthz"));
  EXPECT_FALSE(paths.contains("/open311/v2/requests.{format}"));
}

TEST(OpenApi, EachOperationCarriesItsRoutesNameSummaryAndWhoMayCall_M_D_3) {
  const auto doc = openapi_document(route_table());
  EXPECT_EQ(doc["openapi"], "3.0.3");
  for (const auto& r : route_table()) {
    if (!documented_route(r))
      continue;
    std::string method(r.method);
    for (auto& ch : method)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const auto& op = doc["paths"][std::string(r.pattern)][method];
    EXPECT_EQ(op["operationId"], std::string(r.name)) << r.pattern;
    EXPECT_EQ(op["summary"], std::string(r.summary)) << r.pattern;
    const bool anonymous = r.who.open || r.who.anonymous;
    EXPECT_EQ(op["x-hotline-access"]["anonymous"], anonymous) << r.pattern;
    for (std::size_t i = 0; i < routing::role_count; ++i) {
      const auto ro = static_cast<routing::role>(i);
      const json name = std::string(routing::to_string(ro));
      const auto& roles = op["x-hotline-access"]["roles"];
      const bool listed = std::find(roles.begin(), roles.end(), name) != roles.end();
      EXPECT_EQ(listed, r.who.open || r.who.roles.has(ro)) << r.pattern << " " << name;
    }
    // Without a token only where the table lets anonymous callers in.
    EXPECT_EQ(op["security"].size(), anonymous ? 2u : 1u) << r.pattern;
  }
}

TEST(OpenApi, EveryOperationAnswersItsErrorsInTheOneErrorFormat) {
  const auto file = embedded_file();
  const auto& error = file["components"]["schemas"]["Error"];
  EXPECT_EQ(error["required"], json({"error"}));
  EXPECT_EQ(error["properties"]["error"]["required"], json({"code", "message", "field"}));
  for (const auto& item : file["paths"].items())
    for (const auto& op : item.value().items())
      EXPECT_EQ(op.value()["responses"]["default"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/Error")
          << op.key() << " " << item.key();
}
