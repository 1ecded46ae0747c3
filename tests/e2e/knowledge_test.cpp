// Issue 13 against the real hotlined: a township drafts an article, the
// office returns it, the township revises, the office approves, and the
// public finds it by words that stand apart in the text; a revision under
// review leaves the old version live; the public never sees a draft, an
// internal note or a retired article (M-KB-2..4).
#include "tests/e2e/e2e.hpp"
#include "tests/support/sse_client.hpp"

#include <chrono>

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
  // A consultation answered at once by an operator, citing `article`
  // ({id, version}) or nothing.
  json answer_at_once(const std::string& rid, const std::string& content, const json& article) {
    auto d = yuzhong_demand(rid);
    d["kind"] = "consultation";
    d["category"] = "env.noise";
    d["content"] = content;
    d["disposal"] = {{"type", "direct_answer"}, {"answer", "已按知识库答复"}};
    if (!article.is_null())
      d["disposal"]["article"] = article;
    auto r = http.post("/api/v1/demands", d.dump(), role_token(*data, "operator"));
    EXPECT_EQ(r.status, 201) << r.body;
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

TEST_F(knowledge, ADirectAnswerCitesAnArticleAndTheStatsCountIt_M_KB_3_M_C_1) {
  const std::string id = "kb.environment.noise-complaints"; // a starter article, version 1
  auto t = answer_at_once("kb-cite-1", "晚上邻居装修太吵怎么办", {{"id", id}, {"version", 1}});
  EXPECT_EQ(t["status"], "closed");
  EXPECT_EQ(t["disposal"]["article"]["id"], id);
  auto tl
      = http.get("/api/v1/tickets/" + t["ticket_no"].get<std::string>() + "/timeline", office());
  EXPECT_NE(tl.body.find("引用知识库" + id + "第1版"), std::string::npos) << tl.body;
  // A version that was never published cannot be cited; nothing is filed.
  const auto tickets_before = ticket_count(*data);
  auto d = yuzhong_demand("kb-cite-bad");
  d["kind"] = "consultation";
  d["disposal"]
      = {{"type", "direct_answer"}, {"answer", "答复"}, {"article", {{"id", id}, {"version", 9}}}};
  expect_error(http.post("/api/v1/demands", d.dump(), role_token(*data, "operator")), 422,
               "invalid_field", "disposal.article");
  EXPECT_EQ(ticket_count(*data), tickets_before);
  // The citation is counted for the owner: written with the ticket.
  json line;
  auto stats = call("GET", "/api/v1/kb/stats", json(), office(), 200);
  for (const auto& u : stats["units"])
    if (u["unit_id"] == "cq.ecology-environment")
      line = u;
  ASSERT_FALSE(line.is_null()) << stats.dump();
  EXPECT_EQ(line["citations"], 1);
  EXPECT_GE(line["articles"], 1);
}

TEST_F(knowledge, ThreeUnansweredConsultationsAreOneGapSentToTheUnit_M_KB_3_M_D_2) {
  for (int i = 0; i < 3; ++i)
    answer_at_once("kb-gap-" + std::to_string(i), "小区广场舞音响噪声太大晚上几点以后禁止",
                   nullptr);
  answer_at_once("kb-gap-other", "工厂排放废气有异味找哪个部门", nullptr);
  auto gaps = call("GET", "/api/v1/kb/gaps", json(), office(), 200);
  json gap;
  for (const auto& g : gaps["gaps"])
    if (g["count"] == 3)
      gap = g;
  ASSERT_FALSE(gap.is_null()) << gaps.dump();
  EXPECT_EQ(gap["category"]["code"], "env.noise");
  EXPECT_NE(gap["sample"].get<std::string>().find("广场舞"), std::string::npos);
  EXPECT_TRUE(gap["request"].is_null());
  // The unit hears the request as it is made.
  const std::string unit = "cq.ecology-environment";
  sse_client events("127.0.0.1", service->port(), "/api/v1/units/" + unit + "/events",
                    role_token(*data, "liaison", unit));
  ASSERT_EQ(events.status(), 200);
  auto req = call("POST", "/api/v1/kb/requests",
                  {{"gap_id", gap["id"]},
                   {"category", "env.noise"},
                   {"unit_id", unit},
                   {"tickets", gap["tickets"]},
                   {"note", "请编写广场舞噪声的知识条目"}},
                  office(), 201);
  bool heard = false;
  for (int i = 0; i < 20 && !heard; ++i)
    if (auto e = events.next(std::chrono::milliseconds(500)))
      heard = e->event == "kb_maintenance_requested"
              && e->data.find(req["id"].get<std::string>()) != std::string::npos;
  EXPECT_TRUE(heard);
  // The gap shows its request; the unit closes it with its article.
  auto again = call("GET", "/api/v1/kb/gaps", json(), office(), 200);
  for (const auto& g : again["gaps"]) {
    if (g["id"] == gap["id"]) {
      EXPECT_EQ(g["request"]["id"], req["id"]);
    }
  }
  const auto liaison_of_unit = role_token(*data, "liaison", unit);
  auto made = call("POST", "/api/v1/kb/articles",
                   article("广场舞噪声", "广场舞音响噪声的处理办法。"), liaison_of_unit, 201);
  auto closed = call("POST", "/api/v1/kb/requests/" + req["id"].get<std::string>() + "/close",
                     {{"article_id", made["id"]}}, liaison_of_unit, 200);
  EXPECT_EQ(closed["status"], "closed");
  auto mine = call("GET", "/api/v1/kb/stats", json(), liaison_of_unit, 200);
  ASSERT_EQ(mine["units"].size(), 1u);
  EXPECT_EQ(mine["units"][0]["requests_assigned"], 1);
  EXPECT_EQ(mine["units"][0]["requests_closed"], 1);
}

namespace {

struct kb_clock_flags {
  static constexpr const char* tag = "hotline-kb-clock";
  static std::vector<std::string> extra() {
    return {"--test-clock", "--test-clock-start", "2026-11-30T09:00:00+08:00"};
  }
};
struct knowledge_reviews : service_suite<kb_clock_flags> {
  bool hears(sse_client& s, const std::string& event, const std::string& id) {
    for (int i = 0; i < 20; ++i) {
      auto e = s.next(std::chrono::milliseconds(500));
      if (e && e->event == event && e->data.find(id) != std::string::npos)
        return true;
    }
    return false;
  }
};

} // namespace

// M-KB-2: before its review-by date the owner is reminded, after it the
// office is told; each once, on the test clock.
TEST_F(knowledge_reviews, TheOwnerIsRemindedBeforeReviewByAndTheOfficeToldAfter_M_KB_2) {
  const std::string street = "500103003";
  const auto liaison = role_token(*data, "liaison", street);
  const auto office = role_token(*data, "supervisor");
  json a{{"title", "门前三包责任"},
         {"body", "沿街商户负责门前卫生、秩序和绿化。"},
         {"categories", {"env.noise"}},
         {"review_by", "2026-12-10"}};
  auto made = body_of(http.post("/api/v1/kb/articles", a.dump(), liaison));
  const std::string id = made["id"];
  ASSERT_EQ(http.post("/api/v1/kb/articles/" + id + "/submit", "{}", liaison).status, 200);
  ASSERT_EQ(http.post("/api/v1/kb/articles/" + id + "/review", R"({"decision":"approve"})", office)
                .status,
            200);
  sse_client unit("127.0.0.1", service->port(), "/api/v1/units/" + street + "/events", liaison);
  sse_client desk("127.0.0.1", service->port(), "/api/v1/office/events", office);
  ASSERT_EQ(unit.status(), 200);
  ASSERT_EQ(desk.status(), 200);
  auto move = [&](const std::string& now) {
    auto r = http.post("/api/v1/test/clock", json{{"now", now}}.dump(), office);
    ASSERT_EQ(r.status, 200) << r.body;
  };
  move("2026-12-01T09:00:00+08:00"); // nine days before
  EXPECT_TRUE(hears(unit, "kb_review_due", id));
  move("2026-12-11T09:00:00+08:00"); // the day after
  EXPECT_TRUE(hears(desk, "kb_review_overdue", id));
  // Once each: moving on tells nobody again.
  move("2026-12-12T09:00:00+08:00");
  for (const auto& e : desk.drain(std::chrono::milliseconds(300)))
    EXPECT_EQ(e.data.find(id), std::string::npos) << e.event;
}
