// Issue 15: hotlined serves the console's and the public pages' files itself
// (no other host), same-origin only, revalidated by ETag, and never in the
// way of the API: a path that is a route stays the route's, an unknown one
// stays the API's 404.
#include <fstream>

#include "tests/e2e/e2e.hpp"

namespace hotline::test {
namespace {

struct pages_flags {
  static constexpr const char* tag = "pages";
  static std::vector<std::string> extra() {
    static temp_dir web("pages-web");
    std::filesystem::create_directories(web.path() / "console" / "js");
    std::ofstream(web.path() / "index.html") << "<!doctype html><title>公众</title>";
    std::ofstream(web.path() / "console" / "index.html") << "<!doctype html><title>工作台</title>";
    std::ofstream(web.path() / "console" / "js" / "app.js") << "export const x = 1;\n";
    return {"--web-dir", web.path().string()};
  }
};
using pages = service_suite<pages_flags>;

TEST_F(pages, ThePagesAreServedSameOriginOnlyWithTheirTypes) {
  auto home = http.get("/");
  ASSERT_EQ(home.status, 200);
  EXPECT_EQ(home.body, "<!doctype html><title>公众</title>");
  EXPECT_EQ(home.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(home.headers["content-security-policy"].find("default-src 'self'"), std::string::npos);
  EXPECT_NE(home.headers["content-security-policy"].find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_EQ(home.headers["x-frame-options"], "DENY");

  auto console = http.get("/console/");
  ASSERT_EQ(console.status, 200);
  EXPECT_EQ(console.body, "<!doctype html><title>工作台</title>");
  auto bare = http.get("/console");
  EXPECT_EQ(bare.status, 301);
  EXPECT_EQ(bare.headers["location"], "/console/");

  auto js = http.get("/console/js/app.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");

  // The map the console shades: the configuration's district outlines.
  auto map = http.get("/assets/map/chongqing.geojson");
  ASSERT_EQ(map.status, 200);
  EXPECT_EQ(map.headers["content-type"], "application/geo+json");
  EXPECT_EQ(json::parse(map.body)["features"].size(), 38u);
}

TEST_F(pages, AnUnchangedFileIsRevalidatedBy304) {
  auto first = http.get("/console/js/app.js");
  const auto tag = first.headers["etag"];
  ASSERT_FALSE(tag.empty());
  auto again = http.request("GET", "/console/js/app.js", "", "", "", {{"If-None-Match", tag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  auto other = http.request("GET", "/console/js/app.js", "", "", "", {{"If-None-Match", "\"x\""}});
  EXPECT_EQ(other.status, 200);
}

TEST_F(pages, TheApiKeepsItsPathsAndItsErrors) {
  expect_error(http.get("/no-such-page.html"), 404, "not_found", "path");
  expect_error(http.get("/api/v1/no-such-endpoint"), 404, "not_found", "path");
  auto cats = http.get("/api/v1/categories");
  EXPECT_EQ(cats.status, 200);
  EXPECT_EQ(cats.headers["content-type"], "application/json; charset=utf-8");
  // A page is only ever read: another method on it is no route at all.
  expect_error(http.post("/index.html", "{}"), 404, "not_found", "path");
}

} // namespace
} // namespace hotline::test
