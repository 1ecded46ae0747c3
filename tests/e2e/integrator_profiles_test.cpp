// The integrators' profiles (issue 12; M-D-2 connection with 渝快办 and
// 互联网+督查, M-P-2 one intake, M-D-3 no caller data out): the tests play
// the outside system's role against the real hotlined — 渝快办 files
// through Open311 with its own ids and follows the status by webhooks
// and by its ids; 互联网+督查 subscribes to supervision steps only.
#include "tests/e2e/e2e.hpp"

#include "tests/support/webhook_receiver.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

struct profile_flags {
  static constexpr const char* tag = "hotline-profiles";
  static std::vector<std::string> extra() { return {}; }
};

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields)
    out += (out.empty() ? "" : "&") + url_encode(k) + "=" + url_encode(v);
  return out;
}

const std::string caller_name = "李秀英";
const std::string caller_phone = "13987654321";
const std::string secret = "profiles-webhook-secret-0123";

struct profiles : service_suite<profile_flags> {
  static std::string add_integrator(std::vector<std::string> args) {
    args.insert(args.begin(), {"integrator", "add", "--data-dir", data->path().string()});
    const auto out = run_cli_full(args);
    EXPECT_EQ(out.exit_code, 0) << out.err;
    auto k = out.out.substr(std::string("api_key: ").size());
    while (!k.empty() && (k.back() == '\n' || k.back() == '\r'))
      k.pop_back();
    return k;
  }
  /// 渝快办 files a report about noise in 解放碑 with its own id.
  http_result file(const std::string& key, const std::string& external_id) {
    return http.request("POST", "/open311/v2/requests.json",
                        form({{"api_key", key},
                              {"service_code", "env.noise"},
                              {"attribute[kind]", "complaint"},
                              {"attribute[external_id]", external_id},
                              {"lat", "29.558"},
                              {"long", "106.5776"},
                              {"address_string", "重庆市渝中区解放碑街道民族路188号"},
                              {"description", "楼下餐馆深夜噪音扰民"},
                              {"first_name", caller_name},
                              {"phone", caller_phone}}),
                        "", "application/x-www-form-urlencoded");
  }
  std::string subscribe(const webhook_receiver& to, const json& events) {
    auto r = http.post("/api/v1/webhooks",
                       json{{"url", to.url()}, {"secret", secret}, {"events", events}}.dump(),
                       role_token(*data, "supervisor"));
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r).value("id", "");
  }
};

std::vector<json> bodies(const webhook_receiver& w) {
  std::vector<json> out;
  for (const auto& t : w.tries())
    if (t.signature_ok)
      out.push_back(json::parse(t.body, nullptr, false));
  return out;
}

} // namespace

TEST_F(profiles, YukuaibanFilesWithItsIdsAndFollowsEveryStatusChangeByWebhook_M_D_2) {
  const auto key = add_integrator(
      {"--name", "yukuaiban", "--display-name", "渝快办", "--scope", "intake", "--scope", "read"});
  const auto other = add_integrator({"--name", "cityapp", "--scope", "intake", "--scope", "read"});
  // The office subscribes 渝快办's receiver to the status changes.
  webhook_receiver app(secret);
  subscribe(app, {"dispatched", "accepted", "replied", "closed"});

  // Filed through Open311 with its own id; a retry files nothing new.
  auto filed = file(key, "ykb-20261130-0001");
  ASSERT_EQ(filed.status, 200) << filed.body;
  const std::string no = body_of(filed)[0]["service_request_id"];
  auto again = file(key, "ykb-20261130-0001");
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  EXPECT_EQ(body_of(again)[0]["service_request_id"], no);
  // The id is unique per integrator: another app's same id is its own report.
  auto others = file(other, "ykb-20261130-0001");
  ASSERT_EQ(others.status, 200) << others.body;
  EXPECT_NE(body_of(others)[0]["service_request_id"], no);

  // Staff see who filed it and the app's id.
  const auto office = office_token(*data);
  auto staff = body_of(http.get("/api/v1/tickets/" + no, office));
  EXPECT_EQ(staff["channel"], "integrator");
  EXPECT_EQ(staff["integrator"], "yukuaiban");
  EXPECT_EQ(staff["external_id"], "ykb-20261130-0001");

  // The unit and the office work the ticket.
  const std::string unit_id = staff["assignment"]["unit_id"];
  const auto unit = unit_token(*data, unit_id);
  ASSERT_EQ(http.post("/api/v1/tickets/" + no + "/accept", "{}", unit).status, 200);
  ASSERT_EQ(http.post("/api/v1/tickets/" + no + "/reply",
                      json{{"text", "已约谈餐馆负责人，承诺22点后停止营业噪音"}}.dump(), unit)
                .status,
            200);
  ASSERT_EQ(http.post("/api/v1/tickets/" + no + "/callback",
                      json{{"satisfaction", "satisfied"}, {"resolved", true}}.dump(),
                      role_token(*data, "supervisor"))
                .status,
            200);

  // Every status change reached the app, with our number and its id.
  ASSERT_TRUE(app.wait_for([&](const webhook_receiver& w) {
    int of_ours = 0;
    for (const auto& b : bodies(w))
      of_ours += b.value("ticket_no", "") == no;
    return of_ours >= 4;
  })) << app.tries().size();
  std::vector<std::string> steps;
  for (const auto& b : bodies(app)) {
    if (b.value("ticket_no", "") != no)
      continue;
    steps.push_back(b["event"]);
    EXPECT_EQ(b["integrator"], "yukuaiban") << b.dump();
    EXPECT_EQ(b["external_id"], "ykb-20261130-0001") << b.dump();
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"dispatched", "accepted", "replied", "closed"}));
  // M-D-3: no delivery carries the caller's name or phone.
  for (const auto& t : app.tries()) {
    EXPECT_EQ(t.body.find(caller_name), std::string::npos) << t.body;
    EXPECT_EQ(t.body.find(caller_phone), std::string::npos) << t.body;
  }

  // The app finds its request by its own id, closed, with the answer.
  auto mine = http.get("/open311/v2/requests.json?api_key=" + url_encode(key)
                       + "&external_id=ykb-20261130-0001");
  ASSERT_EQ(mine.status, 200) << mine.body;
  auto list = body_of(mine);
  ASSERT_EQ(list.size(), 1u) << mine.body;
  EXPECT_EQ(list[0]["service_request_id"], no);
  EXPECT_EQ(list[0]["status"], "closed");
  EXPECT_EQ(list[0]["status_notes"], "已约谈餐馆负责人，承诺22点后停止营业噪音");
  // Another app's key does not find 渝快办's ids; no key may not search ids.
  auto theirs = http.get("/open311/v2/requests.json?api_key=" + url_encode(other)
                         + "&external_id=ykb-20261130-0001");
  ASSERT_EQ(theirs.status, 200);
  ASSERT_EQ(body_of(theirs).size(), 1u);
  EXPECT_NE(body_of(theirs)[0]["service_request_id"], no);
  EXPECT_EQ(http.get("/open311/v2/requests.json?external_id=ykb-20261130-0001").status, 403);
}

TEST_F(profiles, HulianwangDuchaReceivesSupervisionStepsOnly_M_SV_1) {
  // 互联网+督查 subscribes to the supervision steps; a ticket's other steps
  // are not its business.
  webhook_receiver ducha(secret);
  subscribe(ducha, {"supervision", "office_escalation", "public_notice"});
  auto t = body_of(http.post("/api/v1/demands", yuzhong_demand("ducha-1").dump()));
  const std::string no = t["ticket_no"];
  const auto unit = unit_token(*data, t["assignment"]["unit_id"]);
  ASSERT_EQ(http.post("/api/v1/tickets/" + no + "/accept", "{}", unit).status, 200);
  // The office escalates (督办, M-SV-1).
  ASSERT_EQ(http.post("/api/v1/tickets/" + no + "/escalate",
                      json{{"reason", "群众多次反映，热线督办"}}.dump(),
                      role_token(*data, "supervisor"))
                .status,
            200);
  ASSERT_TRUE(ducha.wait_for([&](const webhook_receiver& w) {
    for (const auto& b : bodies(w))
      if (b.value("ticket_no", "") == no && b.value("event", "") == "office_escalation")
        return true;
    return false;
  }));
  // A subscription's deliveries keep the feed's order, so the steps before
  // the escalation (dispatched, accepted) were passed over, not pending.
  for (const auto& b : bodies(ducha)) {
    EXPECT_TRUE(b["event"] == "supervision" || b["event"] == "office_escalation"
                || b["event"] == "public_notice")
        << b.dump();
    EXPECT_FALSE(b.contains("demand")) << "supervision steps carry no demand content";
  }
  EXPECT_FALSE(bodies(ducha).empty());
  for (const auto& t2 : ducha.tries())
    EXPECT_EQ(t2.body.find("张三丰"), std::string::npos) << t2.body;
}

TEST_F(profiles, YukuaibanFilesThroughTheApiWithItsKeyAndItsOwnId_M_D_2_M_P_2) {
  const auto key = add_integrator(
      {"--name", "ykb-api", "--display-name", "渝快办", "--scope", "intake", "--scope", "read"});
  const auto reader = add_integrator({"--name", "ykb-reader", "--scope", "read"});
  auto demand = yuzhong_demand("ykb-api-req-1");
  demand["channel"] = "integrator";
  demand["external_id"] = "ykb-api-0001";
  const auto as = [&](const json& body, const std::string& k) {
    return http.request("POST", "/api/v1/demands", body.dump(), "", "application/json",
                        {{"X-Api-Key", k}});
  };
  auto filed = as(demand, key);
  ASSERT_EQ(filed.status, 201) << filed.body;
  const std::string no = body_of(filed)["ticket_no"];
  const auto tickets = ticket_count(*data);
  auto again = as(demand, key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  EXPECT_EQ(body_of(again)["ticket_no"], no);

  // The same as through Open311: its channel, its id, its requests.
  auto staff = body_of(http.get("/api/v1/tickets/" + no, office_token(*data)));
  EXPECT_EQ(staff["channel"], "integrator");
  EXPECT_EQ(staff["integrator"], "ykb-api");
  EXPECT_EQ(staff["external_id"], "ykb-api-0001");
  auto mine = body_of(http.get("/open311/v2/requests.json?api_key=" + url_encode(key)
                               + "&external_id=ykb-api-0001"));
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["service_request_id"], no);

  // Refused, creating nothing: an id without a key, a bad key, a key
  // without intake, another channel, a bad id.
  auto anonymous = demand;
  anonymous["request_id"] = "ykb-api-req-2";
  expect_error(http.post("/api/v1/demands", anonymous.dump()), 403, "forbidden", "external_id");
  expect_error(as(anonymous, "ik1.0000"), 401, "unauthorized", "X-Api-Key");
  expect_error(as(anonymous, reader), 403, "forbidden", "X-Api-Key");
  auto phone = anonymous;
  phone["channel"] = "phone";
  expect_error(as(phone, key), 422, "invalid_field", "channel");
  auto bad = anonymous;
  bad["external_id"] = "带中文";
  expect_error(as(bad, key), 422, "invalid_field", "external_id");
  EXPECT_EQ(ticket_count(*data), tickets);
}
