// Issue 13 against the real hotlined: a township drafts an article, the
// office returns it, the township revises, the office approves, and the
// public finds it by words that stand apart in the text; a revision under
// review leaves the old version live; the public never sees a draft, an
// internal note or a retired article (M-KB-2..4).
#include "tests/e2e/e2e.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

struct kb_flags {
  static constexpr const char* tag = "hotline-kb";
  static std::vector<std::string> extra() { return {}; }
};

struct knowledge : service_suite<kb_flags> {
  static constexpr const char* street = "500103003"; // 解放碑街道
  std::string liaison() { return role_token(*data, "liaison", street); }
  std::string office() { return role_token(*data, "supervisor"); }

  static json article(const std::string& title, const std::string& body) {
    return {{"title", title},
            {"body", body},
            {"categories", {"env.noise"}},
            {"keywords", {"噪音", "施工"}},
            {"districts", {"500103"}},
            {"review_by", "2027-06-30"},
            {"internal_note", "内部：夜间执法电话待核实"}};
  }
  json call(const std::string& method, const std::string& target, const json& body,
            const std::string& token, int expected) {
    auto r = method == "PUT"    ? http.request("PUT", target, body.dump(), token)
             : method == "POST" ? http.post(target, body.dump(), token)
                                : http.get(target, token);
    EXPECT_EQ(r.status, expected) << method << " " << target << " " << r.body;
    return body_of(r);
  }
  json search(const std::string& q, const std::string& token = "") {
    auto r = http.get("/api/v1/kb/search?q=" + url_encode(q), token);
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }
  static bool finds(const json& answer, const std::string& id) {
    for (const auto& x : answer["results"])
      if (x["id"] == id)
        return true;
    return false;
  }
};

} // namespace

TEST_F(knowledge, DraftReturnReviseApproveThenThePublicFindsIt_M_KB_2_M_KB_3_M_KB_4) {
  const std::string body1 = "解放碑商圈周边建筑工地夜间施工须办理夜间施工许可。";
  auto made
      = call("POST", "/api/v1/kb/articles", article("夜间施工噪音怎么办", body1), liaison(), 201);
  const std::string id = made["id"];
  EXPECT_EQ(made["status"], "draft");
  EXPECT_EQ(made["version"], 1);
  EXPECT_EQ(made["owner"]["unit_id"], street);
  // Nobody outside finds a draft, nor reads it.
  EXPECT_FALSE(finds(search("夜间施工"), id));
  expect_error(http.get("/api/v1/kb/articles/" + id), 404, "not_found", "id");
  call("POST", "/api/v1/kb/articles/" + id + "/submit", json::object(), liaison(), 200);
  auto back = call("POST", "/api/v1/kb/articles/" + id + "/review",
                   {{"decision", "return"}, {"comment", "请写明投诉渠道"}}, office(), 200);
  EXPECT_EQ(back["status"], "returned");
  EXPECT_EQ(back["versions"][0]["reviews"][0]["comment"], "请写明投诉渠道");
  const std::string body2
      = "解放碑商圈周边建筑工地夜间施工须办理夜间施工许可。未经许可在夜间作业、噪音扰民的，"
        "可拨打12345反映，由街道和城市管理部门依法查处。";
  call("PUT", "/api/v1/kb/articles/" + id, article("夜间施工噪音怎么办", body2), liaison(), 200);
  call("POST", "/api/v1/kb/articles/" + id + "/submit", json::object(), liaison(), 200);
  auto ok = call("POST", "/api/v1/kb/articles/" + id + "/review", {{"decision", "approve"}},
                 office(), 200);
  EXPECT_EQ(ok["status"], "published");
  EXPECT_EQ(ok["published_version"], 2);
  // Words that stand apart in the text: 工地 … 查处.
  auto found = search("工地 查处");
  ASSERT_TRUE(finds(found, id)) << found.dump();
  EXPECT_NE(found["results"][0]["snippet"].get<std::string>().find("<mark>"), std::string::npos);
  EXPECT_FALSE(found["results"][0].contains("status"));
  // The public reads the published version, without the internal note.
  auto pub = call("GET", "/api/v1/kb/articles/" + id, json(), "", 200);
  EXPECT_EQ(pub["version"], 2);
  EXPECT_EQ(pub["body"], body2); // Chinese text byte-identical
  EXPECT_FALSE(pub.contains("internal_note"));
  EXPECT_EQ(pub.dump().find("夜间执法电话"), std::string::npos);
  // Staff read every version, who wrote and approved it.
  auto staff = call("GET", "/api/v1/kb/articles/" + id, json(), office(), 200);
  ASSERT_EQ(staff["versions"].size(), 2u);
  EXPECT_EQ(staff["versions"][1]["internal_note"], "内部：夜间执法电话待核实");
  EXPECT_FALSE(staff["versions"][1]["approved_by"].is_null());
}

TEST_F(knowledge, ARevisionUnderReviewLeavesTheOldVersionLiveAndRetiredIsGone_M_KB_2) {
  auto made = call("POST", "/api/v1/kb/articles",
                   article("占道经营投诉", "城管部门负责占道经营的查处。"), liaison(), 201);
  const std::string id = made["id"];
  call("POST", "/api/v1/kb/articles/" + id + "/submit", json::object(), liaison(), 200);
  call("POST", "/api/v1/kb/articles/" + id + "/review", {{"decision", "approve"}}, office(), 200);
  call("PUT", "/api/v1/kb/articles/" + id,
       article("占道经营投诉（修订）", "修订稿：尚未审核的新内容。"), liaison(), 200);
  call("POST", "/api/v1/kb/articles/" + id + "/submit", json::object(), liaison(), 200);
  auto pub = call("GET", "/api/v1/kb/articles/" + id, json(), "", 200);
  EXPECT_EQ(pub["version"], 1);
  EXPECT_EQ(pub["title"], "占道经营投诉");
  // The public search shows the live text, never the one under review.
  EXPECT_FALSE(finds(search("尚未审核"), id));
  EXPECT_TRUE(finds(search("尚未审核", office()), id));
  EXPECT_TRUE(finds(search("占道经营"), id));
  // Retired: gone for the public, kept for staff.
  call("POST", "/api/v1/kb/articles/" + id + "/retire", {{"reason", "职责调整"}}, office(), 200);
  EXPECT_FALSE(finds(search("占道经营"), id));
  expect_error(http.get("/api/v1/kb/articles/" + id), 404, "not_found", "id");
  EXPECT_EQ(call("GET", "/api/v1/kb/articles/" + id, json(), office(), 200)["status"], "retired");
}

TEST_F(knowledge, TheStarterArticlesAreFoundByTheWordsCallersUse_M_KB_1) {
  auto r = search("公积金怎么提取");
  ASSERT_FALSE(r["results"].empty()) << r.dump();
  EXPECT_EQ(r["results"][0]["id"], "kb.housing-fund.withdrawal") << r.dump();
}

TEST_F(knowledge, BadInputIsRefusedWithTheFieldAndChangesNothing) {
  auto bad = article("x", "正文");
  expect_error(http.post("/api/v1/kb/articles", bad.dump(), liaison()), 422, "invalid_field",
               "title");
  bad = article("标题", "正文");
  bad["categories"] = {"no.such"};
  expect_error(http.post("/api/v1/kb/articles", bad.dump(), liaison()), 422, "unknown_category",
               "categories");
  bad = article("标题", "正文");
  bad["review_by"] = "2027-13-01";
  expect_error(http.post("/api/v1/kb/articles", bad.dump(), liaison()), 422, "invalid_field",
               "review_by");
  // The office has no unit to own an article; anonymous callers cannot write.
  expect_error(http.post("/api/v1/kb/articles", article("标题", "正文").dump(), office()), 403,
               "forbidden", "role");
  expect_error(http.post("/api/v1/kb/articles", article("标题", "正文").dump()), 401,
               "unauthorized", "authorization");
  expect_error(http.get("/api/v1/kb/search?q="), 422, "invalid_field", "q");
  expect_error(http.get("/api/v1/kb/search?q=x&status=draft"), 403, "forbidden", "status");
  expect_error(http.post("/api/v1/kb/articles/kb-999999/submit", "{}", liaison()), 404, "not_found",
               "id");
  // Another unit's article is not this unit's to change.
  auto made
      = call("POST", "/api/v1/kb/articles", article("本街道条目", "正文内容"), liaison(), 201);
  expect_error(http.post("/api/v1/kb/articles/" + made["id"].get<std::string>() + "/submit", "{}",
                         role_token(*data, "liaison", "500103004")),
               403, "forbidden", "unit_id");
}
