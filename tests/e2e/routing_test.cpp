// Issue 11 against the real hotlined: the intake answer says which clue
// decided the place and how sure the router is; a name the router cannot
// settle waits for the office; the office's choice becomes the proposal
// for the next such ticket, which still waits for the office.
#include "tests/e2e/e2e.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

struct routing_flags {
  static constexpr const char* tag = "hotline-routing";
  static std::vector<std::string> extra() { return {}; }
};

struct routing_e2e : service_suite<routing_flags> {
  // A noise complaint (the street of the place handles it) at `address`,
  // without a map pin.
  json demand(const std::string& rid, const std::string& address, const std::string& content) {
    auto d = yuzhong_demand(rid);
    d["location"] = {{"address", address}};
    d["content"] = content;
    auto r = http.post("/api/v1/demands", d.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r);
  }
  json queue_entry(const std::string& no) {
    auto r = http.get("/api/v1/coordination", office_token(*data));
    EXPECT_EQ(r.status, 200) << r.body;
    const auto body = body_of(r);
    for (const auto& t : body["tickets"])
      if (t["ticket_no"] == no)
        return t;
    ADD_FAILURE() << no << " is not in the queue: " << r.body;
    return nullptr;
  }
};

std::string all_reasons(const json& reasons) {
  std::string out;
  for (const auto& r : reasons)
    out += r["rule"].get<std::string>() + " " + r["text"].get<std::string>() + "\n";
  return out;
}

} // namespace

TEST_F(routing_e2e, TheIntakeAnswerNamesTheClueAndTheConfidence_M_RT_1) {
  auto t = demand("rt-lsx", "重庆市领事巷社区3栋", "楼下夜间施工噪声扰民");
  ASSERT_EQ(t["status"], "dispatched") << t.dump();
  EXPECT_EQ(t["assignment"]["unit_name"], "七星岗街道");
  EXPECT_NE(all_reasons(t["assignment"]["reasons"]).find("领事巷社区"), std::string::npos)
      << t.dump();
  EXPECT_EQ(t["assignment"]["confidence"]["level"], "high") << t.dump();
  EXPECT_NE(t["assignment"]["confidence"]["reason"].get<std::string>().find("领事巷社区"),
            std::string::npos);
  // The timeline keeps the clue and the confidence (M-SV-3).
  auto tl = http.get("/api/v1/tickets/" + t["ticket_no"].get<std::string>() + "/timeline",
                     office_token(*data));
  ASSERT_EQ(tl.status, 200) << tl.body;
  EXPECT_NE(tl.body.find("领事巷社区"), std::string::npos);
  EXPECT_NE(tl.body.find("派单置信度：高"), std::string::npos) << tl.body;
  // A shortened name is a weaker clue.
  auto stem = demand("rt-lsx-stem", "重庆市领事巷3栋", "楼下夜间施工噪声扰民");
  EXPECT_EQ(stem["assignment"]["confidence"]["level"], "medium") << stem.dump();
}

TEST_F(routing_e2e, TheOfficesChoiceIsProposedForTheNextTicketButNeverDispatched_M_RT_2) {
  // 王家坡社区 is a community of 万州区 and of 渝中区: without another clue
  // the router does not guess.
  auto first = demand("rt-wjp-1", "重庆市王家坡社区8号楼", "楼下餐馆油烟噪声扰民，夜间营业到凌晨");
  ASSERT_EQ(first["status"], "coordinating") << first.dump();
  const std::string a = first["ticket_no"];
  EXPECT_NE(all_reasons(first["coordination"]["reasons"]).find("多处"), std::string::npos)
      << first.dump();
  auto waiting = queue_entry(a);
  ASSERT_FALSE(waiting.is_null());
  EXPECT_TRUE(waiting["proposal"].is_null()) << waiting.dump(); // nothing learned yet
  // The office finds out it is 渝中区's 两路口街道 and designates it.
  auto d = http.post(
      "/api/v1/tickets/" + a + "/designation",
      json{{"lead_unit_id", "500103004"}, {"reason", "经核实为渝中区两路口街道王家坡社区"}}.dump(),
      office_token(*data));
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(body_of(d)["assignment"]["confidence"]["level"], "high");
  // The next such demand waits too, with the office's earlier choice.
  auto second = demand("rt-wjp-2", "王家坡社区12号楼下", "王家坡社区楼下餐馆噪声扰民");
  ASSERT_EQ(second["status"], "coordinating") << second.dump();
  const std::string b = second["ticket_no"];
  auto entry = queue_entry(b);
  ASSERT_FALSE(entry.is_null());
  ASSERT_TRUE(entry["proposal"].is_object()) << entry.dump();
  EXPECT_EQ(entry["proposal"]["unit_id"], "500103004");
  EXPECT_EQ(entry["proposal"]["unit_name"], "两路口街道");
  EXPECT_EQ(entry["proposal"]["support"], 1);
  EXPECT_EQ(entry["proposal"]["examples"], json::array({a}));
  EXPECT_EQ(entry["proposal"]["basis"], "place");
  // Proposals never dispatch by themselves.
  auto view = body_of(http.get("/api/v1/tickets/" + b, office_token(*data)));
  EXPECT_EQ(view["status"], "coordinating");
  EXPECT_TRUE(view["assignment"].is_null());
  // A noise complaint at another place learns nothing from it.
  auto elsewhere = demand("rt-other", "重庆市望江路社区", "夜间噪声扰民");
  ASSERT_EQ(elsewhere["status"], "coordinating") << elsewhere.dump();
  EXPECT_TRUE(queue_entry(elsewhere["ticket_no"])["proposal"].is_null());
}
