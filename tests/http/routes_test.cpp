// The route table (issue 9): one declaration per endpoint, authorization
// from the table, and docs/SECURITY.md's matrix rendered from it. Pure.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "adapters/http/routes.hpp"

using namespace hotline;
using namespace hotline::http;
using routing::role;

namespace {

routing::principal staff_with(std::initializer_list<role> rs, bool office = true) {
  routing::principal p;
  p.user = "u";
  p.unit_id = office ? "cq.office" : "500103003";
  p.office = office;
  p.roles = routing::role_set::of(rs);
  return p;
}

std::string file(const std::string& path) {
  std::ifstream in(std::string(HOTLINE_SOURCE_DIR) + "/" + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

TEST(RouteTable, EveryEndpointSaysWhoMayCallIt_M_D_3) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const auto& r : route_table()) {
    EXPECT_TRUE(r.who.open || r.who.anonymous || !r.who.roles.empty())
        << r.method << " " << r.pattern << " has no role rule";
    EXPECT_NE(r.fn, nullptr) << r.pattern;
    EXPECT_FALSE(r.summary.empty()) << r.pattern;
    EXPECT_TRUE(seen.insert({r.method, r.pattern}).second)
        << r.method << " " << r.pattern << " is declared twice";
  }
}

TEST(RouteTable, FindsPathParametersAndTellsAWrongMethodFromAnUnknownPath) {
  const auto& t = route_table();
  auto m = find_route(t, "POST", "/api/v1/tickets/20261128-000001/accept");
  ASSERT_NE(m.r, nullptr);
  EXPECT_EQ(m.r->name, "accept");
  EXPECT_EQ(m.params.at("no"), "20261128-000001");
  auto wrong = find_route(t, "GET", "/api/v1/tickets/20261128-000001/accept");
  EXPECT_EQ(wrong.r, nullptr);
  EXPECT_EQ(wrong.allowed, std::vector<std::string_view>{"POST"});
  auto none = find_route(t, "GET", "/api/v1/nothing");
  EXPECT_EQ(none.r, nullptr);
  EXPECT_TRUE(none.allowed.empty());
  // A longer or shorter path is another path.
  EXPECT_EQ(find_route(t, "POST", "/api/v1/tickets/x/accept/more").r, nullptr);
}

TEST(RouteTable, ASegmentMayEndInAParameterAfterALiteralHeadAsOpen311Names) {
  const auto& t = route_table();
  auto m = find_route(t, "GET", "/open311/v2/services.json");
  ASSERT_NE(m.r, nullptr);
  EXPECT_EQ(m.r->name, "o311_services");
  EXPECT_EQ(m.params.at("format"), "json");
  auto one = find_route(t, "GET", "/open311/v2/services/env.noise.xml");
  ASSERT_NE(one.r, nullptr);
  EXPECT_EQ(one.params.at("service"), "env.noise.xml");
  // The parameter is never empty, and the head must match whole.
  EXPECT_EQ(find_route(t, "GET", "/open311/v2/services.").r, nullptr);
  EXPECT_EQ(find_route(t, "GET", "/open311/v2/servicesxml").r, nullptr);
  auto post = find_route(t, "PUT", "/open311/v2/requests.xml");
  EXPECT_EQ(post.r, nullptr);
  EXPECT_EQ(post.allowed.size(), 2u); // GET and POST
}

TEST(RouteTable, AnonymousCallersNeedCredentialsExceptOnOpenAndCallerRoutes) {
  const auto& t = route_table();
  auto rule = [&](std::string_view method, std::string_view path) {
    auto m = find_route(t, method, path);
    EXPECT_NE(m.r, nullptr) << path;
    return authorize(*m.r, std::nullopt);
  };
  EXPECT_EQ(rule("GET", "/healthz"), verdict::allow);
  EXPECT_EQ(rule("POST", "/api/v1/demands"), verdict::allow);
  EXPECT_EQ(rule("GET", "/api/v1/tickets/20261128-000001"), verdict::allow);
  EXPECT_EQ(rule("GET", "/metrics"), verdict::unauthenticated);
  EXPECT_EQ(rule("GET", "/api/v1/cluster"), verdict::unauthenticated);
  EXPECT_EQ(rule("POST", "/api/v1/tickets/20261128-000001/caller-contact"),
            verdict::unauthenticated);
}

TEST(RouteTable, EachRoleGetsOnlyItsOwnEndpoints_M_U_1) {
  const auto& t = route_table();
  auto verdict_of
      = [&](const routing::principal& p, std::string_view method, std::string_view path) {
          auto m = find_route(t, method, path);
          EXPECT_NE(m.r, nullptr) << path;
          return authorize(*m.r, p);
        };
  const auto auditor = staff_with({role::auditor});
  const auto admin = staff_with({role::admin});
  const auto op = staff_with({role::operator_});
  const auto liaison = staff_with({role::liaison}, false);
  // The auditor reads the audit log and nothing of tickets.
  EXPECT_EQ(verdict_of(auditor, "GET", "/api/v1/audit"), verdict::allow);
  EXPECT_EQ(verdict_of(auditor, "GET", "/api/v1/tickets/20261128-000001"), verdict::forbidden);
  // The admin has no ticket rights.
  EXPECT_EQ(verdict_of(admin, "POST", "/api/v1/tickets/20261128-000001/callback"),
            verdict::forbidden);
  EXPECT_EQ(verdict_of(admin, "GET", "/api/v1/audit"), verdict::forbidden);
  // An operator takes calls and may reveal a caller's contact; a liaison may not.
  EXPECT_EQ(verdict_of(op, "POST", "/api/v1/demands"), verdict::allow);
  EXPECT_EQ(verdict_of(op, "POST", "/api/v1/tickets/20261128-000001/caller-contact"),
            verdict::allow);
  EXPECT_EQ(verdict_of(liaison, "POST", "/api/v1/tickets/20261128-000001/caller-contact"),
            verdict::forbidden);
  // A staff member of a unit cannot file demands as staff (no M-C-1 powers).
  EXPECT_EQ(verdict_of(liaison, "POST", "/api/v1/demands"), verdict::forbidden);
}

TEST(RouteTable, TheSecurityDocumentHoldsTheMatrixAsTheTableRendersIt) {
  const auto doc = file("docs/SECURITY.md");
  const auto matrix = rbac_matrix_markdown(route_table());
  EXPECT_NE(doc.find(matrix), std::string::npos)
      << "docs/SECURITY.md is out of date; its matrix must read:\n"
      << matrix;
}
