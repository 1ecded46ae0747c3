// One demand from intake to close through every layer: HTTP → actors →
// Redis, with the real hotlined binary and its embedded redis-server.
#include "tests/e2e/e2e.hpp"

#include <algorithm>

#include "adapters/config/loader.hpp"
#include "routing/civil_time.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

struct default_flags {
  static constexpr const char* tag = "hotline-e2e";
  static std::vector<std::string> extra() { return {}; }
};

struct lifecycle : service_suite<default_flags> {
  json submit(const std::string& request_id) {
    auto r = http.post("/api/v1/demands", yuzhong_demand(request_id).dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r);
  }
};

} // namespace

TEST_F(lifecycle, ADemandInYuzhongIsRoutedAcceptedAnsweredCalledBackAndClosed) {
  // Intake: routed to 解放碑街道 with reasons and a working-day deadline.
  auto t = submit("e2e-full-1");
  const std::string no = t["ticket_no"];
  const std::string code = t["extraction_code"];
  EXPECT_TRUE(std::regex_match(no, std::regex("^[0-9]{8}-[0-9]{6}$"))) << no;
  EXPECT_TRUE(std::regex_match(code, std::regex("^[0-9]{6}$"))) << code;
  EXPECT_EQ(t["status"], "dispatched");
  EXPECT_EQ(t["assignment"]["unit_name"], "解放碑街道");
  EXPECT_EQ(t["assignment"]["supervisor_id"], "500103");
  ASSERT_FALSE(t["assignment"]["reasons"].empty());
  for (const auto& reason : t["assignment"]["reasons"])
    EXPECT_EQ(reason["rule"], "M-RT-1");
  // M-DL-2 and M-DL-6: 15 working days from the day of submission.
  const auto cfg = config::load(chongqing_config());
  const auto submitted = routing::parse_instant(t["submitted_at"].get<std::string>());
  ASSERT_TRUE(submitted);
  const auto expected = cfg.calendar.add_working_days(*submitted, 15);
  EXPECT_EQ(t["deadline"], routing::format_instant(expected.due));
  EXPECT_EQ(t["deadline_rule"], "M-DL-2");
  const std::string deadline = t["deadline"];
  EXPECT_EQ(deadline.substr(deadline.size() - 6), "+08:00");

  // The unit sees it in its inbox, accepts and answers.
  const std::string unit_id = t["assignment"]["unit_id"];
  const auto unit = unit_token(*data, unit_id);
  auto inbox = body_of(http.get("/api/v1/units/" + unit_id + "/inbox", unit));
  bool listed = false;
  for (const auto& item : inbox["tickets"])
    listed = listed || item["ticket_no"] == no;
  EXPECT_TRUE(listed) << inbox.dump();
  auto accepted = http.post("/api/v1/tickets/" + no + "/accept", "{}", unit);
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(body_of(accepted)["status"], "accepted");
  auto replied = http.post("/api/v1/tickets/" + no + "/reply",
                           json{{"text", "已责令施工方停止夜间施工，并加强巡查。"}}.dump(), unit);
  EXPECT_EQ(replied.status, 200) << replied.body;
  EXPECT_EQ(body_of(replied)["status"], "replied");

  // The office calls back: satisfied and resolved closes it (M-SV-2).
  auto closed = http.post("/api/v1/tickets/" + no + "/callback",
                          json{{"satisfaction", "satisfied"}, {"resolved", true}}.dump(),
                          office_token(*data));
  EXPECT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(body_of(closed)["status"], "closed");

  // The caller reads it closed with the extraction code, data masked.
  auto view = http.get("/api/v1/tickets/" + no + "?code=" + code);
  ASSERT_EQ(view.status, 200) << view.body;
  auto v = body_of(view);
  EXPECT_EQ(v["status"], "closed");
  EXPECT_EQ(v["answer"]["text"], "已责令施工方停止夜间施工，并加强巡查。");
  EXPECT_EQ(v["assignment"]["unit_name"], "解放碑街道");
  EXPECT_EQ(v["caller"]["name"], "张**");
  EXPECT_EQ(v["caller"]["phone"], "138****5678");
  std::string phone = yuzhong_demand("e2e-full-1")["caller"]["phone"];
  phone.erase(std::remove(phone.begin(), phone.end(), '-'), phone.end());
  EXPECT_EQ(view.body.find(phone), std::string::npos);
  EXPECT_EQ(view.body.find(phone.substr(3, 4)), std::string::npos); // the masked middle
  EXPECT_FALSE(v["assignment"].contains("reasons"));                // staff-only detail
  // A closed ticket leaves the unit's inbox.
  inbox = body_of(http.get("/api/v1/units/" + unit_id + "/inbox", unit));
  for (const auto& item : inbox["tickets"])
    EXPECT_NE(item["ticket_no"], no);
}

TEST_F(lifecycle, TheSameRequestIdReturnsTheSameTicketAndCreatesNothing) {
  auto first = submit("e2e-idem-1");
  const auto tickets = ticket_count(*data);
  auto again = http.post("/api/v1/demands", yuzhong_demand("e2e-idem-1").dump());
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  auto a = body_of(again);
  EXPECT_EQ(a["ticket_no"], first["ticket_no"]);
  EXPECT_EQ(a["extraction_code"], first["extraction_code"]);
  // The same id with another demand is refused and reveals nothing.
  auto reused = yuzhong_demand("e2e-idem-1");
  reused["content"] = "另一件事：小区垃圾无人清运";
  auto conflict = http.post("/api/v1/demands", reused.dump());
  expect_error(conflict, 409, "conflict", "request_id");
  EXPECT_EQ(conflict.body.find(first["extraction_code"].get<std::string>()), std::string::npos);
  // Neither the retry nor the conflict created a ticket.
  EXPECT_EQ(ticket_count(*data), tickets);
}

TEST_F(lifecycle, BadInputGetsTheDocumentedErrorsAndChangesNothing) {
  auto after = submit("e2e-bad-baseline");
  const auto tickets = ticket_count(*data);

  expect_error(http.post("/api/v1/demands", "{not json"), 400, "malformed_json", nullptr);
  expect_error(http.post("/api/v1/demands", "[]"), 400, "malformed_json", nullptr);
  auto missing = yuzhong_demand("e2e-bad-1");
  missing.erase("content");
  expect_error(http.post("/api/v1/demands", missing.dump()), 400, "missing_field", "content");
  auto no_phone = yuzhong_demand("e2e-bad-2");
  no_phone["caller"].erase("phone");
  expect_error(http.post("/api/v1/demands", no_phone.dump()), 400, "missing_field", "caller.phone");
  auto unknown = yuzhong_demand("e2e-bad-3");
  unknown["category"] = "no.such.category";
  expect_error(http.post("/api/v1/demands", unknown.dump()), 422, "unknown_category", "category");
  auto bad_kind = yuzhong_demand("e2e-bad-4");
  bad_kind["kind"] = "praise";
  expect_error(http.post("/api/v1/demands", bad_kind.dump()), 422, "invalid_field", "kind");
  auto bad_channel = yuzhong_demand("e2e-bad-5");
  bad_channel["channel"] = "fax";
  expect_error(http.post("/api/v1/demands", bad_channel.dump()), 422, "invalid_field", "channel");
  auto bad_lat = yuzhong_demand("e2e-bad-6");
  bad_lat["location"]["lat"] = 123.0;
  expect_error(http.post("/api/v1/demands", bad_lat.dump()), 422, "invalid_field", "location.lat");
  auto bad_phone = yuzhong_demand("e2e-bad-7");
  bad_phone["caller"]["phone"] = "call me maybe";
  expect_error(http.post("/api/v1/demands", bad_phone.dump()), 422, "invalid_field",
               "caller.phone");

  // Nothing was created by any of them.
  EXPECT_EQ(ticket_count(*data), tickets);

  // Tokens: none, garbage, and another unit's.
  const std::string no = after["ticket_no"];
  const std::string unit_id = after["assignment"]["unit_id"];
  expect_error(http.post("/api/v1/tickets/" + no + "/accept", "{}"), 401, "unauthorized",
               "authorization");
  expect_error(http.post("/api/v1/tickets/" + no + "/accept", "{}", "forged.token"), 401,
               "unauthorized", "authorization");
  const auto other = unit_token(*data, "500103.housing");
  expect_error(http.post("/api/v1/tickets/" + no + "/accept", "{}", other), 403, "forbidden",
               "unit_id");
  expect_error(http.get("/api/v1/units/" + unit_id + "/inbox", other), 403, "forbidden", "unit_id");
  // A unit cannot record a callback; the office cannot accept for a unit.
  const auto unit = unit_token(*data, unit_id);
  expect_error(http.post("/api/v1/tickets/" + no + "/callback",
                         json{{"satisfaction", "satisfied"}, {"resolved", true}}.dump(), unit),
               403, "forbidden", "role");
  // Illegal transition: reply before accept.
  expect_error(http.post("/api/v1/tickets/" + no + "/reply", json{{"text", "x"}}.dump(), unit), 409,
               "conflict", "status");
  // Empty reply text after accepting.
  ASSERT_EQ(http.post("/api/v1/tickets/" + no + "/accept", "", unit).status, 200);
  expect_error(http.post("/api/v1/tickets/" + no + "/reply", json{{"text", ""}}.dump(), unit), 422,
               "invalid_field", "text");
  expect_error(http.post("/api/v1/tickets/" + no + "/callback",
                         json{{"satisfaction", "happy"}, {"resolved", true}}.dump(),
                         office_token(*data)),
               422, "invalid_field", "satisfaction");
  // The ticket is still exactly where the good commands left it.
  auto view = body_of(http.get("/api/v1/tickets/" + no, office_token(*data)));
  EXPECT_EQ(view["status"], "accepted");
  EXPECT_TRUE(view["answer"].is_null());
}

TEST_F(lifecycle, TheSupervisingDistrictSeesTheTicketAndOthersDoNot_M_RT_1) {
  auto t = submit("e2e-supervisor-1");
  const std::string no = t["ticket_no"];
  auto as_district = http.get("/api/v1/tickets/" + no, unit_token(*data, "500103"));
  ASSERT_EQ(as_district.status, 200) << as_district.body;
  EXPECT_EQ(body_of(as_district)["assignment"]["supervisor_id"], "500103");
  expect_error(http.get("/api/v1/tickets/" + no, unit_token(*data, "500105")), 403, "forbidden",
               "ticket_no");
}

TEST_F(lifecycle, OnlyTheOfficeSetsADeadlineAtAssignment_M_DL_3) {
  auto d = yuzhong_demand("e2e-deadline-1");
  d["deadline"] = "2099-01-01T18:00:00+08:00";
  expect_error(http.post("/api/v1/demands", d.dump()), 403, "forbidden", "deadline");
  // A unit's staff do not file demands at all (the route table, issue 9).
  expect_error(http.post("/api/v1/demands", d.dump(), unit_token(*data, "500103")), 403,
               "forbidden", "role");
  auto r = http.post("/api/v1/demands", d.dump(), office_token(*data));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["deadline"], "2099-01-01T18:00:00+08:00");
  EXPECT_EQ(body_of(r)["deadline_rule"], "M-DL-3");
}

TEST_F(lifecycle, ACallerWithTheWrongCodeLearnsNothing) {
  auto t = submit("e2e-code-1");
  const std::string no = t["ticket_no"];
  std::string wrong = t["extraction_code"];
  wrong[0] = wrong[0] == '9' ? '0' : static_cast<char>(wrong[0] + 1);
  expect_error(http.get("/api/v1/tickets/" + no + "?code=" + wrong), 404, "not_found", "ticket_no");
  expect_error(http.get("/api/v1/tickets/20991231-999999?code=123456"), 404, "not_found",
               "ticket_no");
  expect_error(http.get("/api/v1/tickets/" + no), 401, "unauthorized", "code");
}

TEST_F(lifecycle, CategoriesAndUnitsArePublicForBuildingForms) {
  auto cats = body_of(http.get("/api/v1/categories"));
  ASSERT_GE(cats["categories"].size(), 40u);
  for (const auto& c : cats["categories"]) {
    EXPECT_TRUE(c["code"].is_string());
    EXPECT_TRUE(c["name"].is_string());
    EXPECT_FALSE(c["kinds"].empty());
    // Only a category the office always coordinates (M-RT-2) may name none.
    EXPECT_TRUE(!c["competent_unit_kinds"].empty() || c.contains("coordination")) << c.dump();
  }
  auto districts = body_of(http.get("/api/v1/units?kind=district_government"));
  EXPECT_EQ(districts["units"].size(), 38u);
  auto yuzhong = body_of(http.get("/api/v1/units?kind=township&parent=500103"));
  ASSERT_FALSE(yuzhong["units"].empty());
  for (const auto& u : yuzhong["units"])
    EXPECT_EQ(u["parent"], "500103");
  expect_error(http.get("/api/v1/units?kind=planet"), 422, "invalid_field", "kind");
}

TEST_F(lifecycle, HealthAndMetricsAnswer) {
  auto h = http.get("/healthz");
  EXPECT_EQ(h.status, 200);
  expect_error(http.get("/metrics"), 401, "unauthorized", "authorization");
  auto m = http.get("/metrics", office_token(*data));
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("hotline_http_requests_total{route=\"healthz\",status=\"200\"}"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("hotline_live_ticket_actors"), std::string::npos);
  expect_error(http.get("/api/v1/nothing-here"), 404, "not_found", "path");
}
