// Issue 14, M-E-1: a month of scripted tickets with known outcomes, some
// archived to PostgreSQL and some still in Redis, gives exactly the
// expected figures, score and ranking, by the API and by `hotline
// evaluate` alike; every figure lists the tickets behind it.
#include "tests/e2e/e2e.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

using namespace hotline;
using namespace hotline::test;

namespace {

constexpr const char* jiefangbei = "500103003"; // 解放碑街道
constexpr const char* qixinggang = "500103001"; // 七星岗街道

struct evaluation_month : ::testing::Test {
  static inline std::unique_ptr<temp_dir> data;
  static inline std::unique_ptr<service_process> service;
  static inline std::map<std::string, std::string> no; // script name → ticket number
  static inline std::map<std::string, std::string> tokens;

  static std::string office() { return token(""); }
  static std::string token(const std::string& unit) {
    auto& t = tokens[unit];
    if (t.empty())
      t = unit.empty() ? office_token(*data) : unit_token(*data, unit);
    return t;
  }
  static http_client client() { return {"127.0.0.1", service->port()}; }

  static json post(const std::string& path, const json& body, const std::string& who) {
    auto r = client().post(path, body.dump(), who);
    EXPECT_EQ(r.status / 100, 2) << path << " " << r.body;
    return body_of(r);
  }
  static void clock(const std::string& now) {
    post("/api/v1/test/clock", {{"now", now}}, office());
  }
  static json act(const std::string& t, const std::string& step, const json& body,
                  const std::string& who) {
    return post("/api/v1/tickets/" + no[t] + "/" + step, body, who);
  }
  static void intake(const std::string& name, bool qixing) {
    auto d = yuzhong_demand("eval-" + name);
    if (qixing)
      d["location"] = {{"address", "重庆市领事巷社区3栋"}};
    auto t = post("/api/v1/demands", d, "");
    EXPECT_EQ(t["assignment"]["unit_id"], qixing ? qixinggang : jiefangbei) << t.dump();
    no[name] = t["ticket_no"];
  }
  static long long in_redis(const std::string& name) {
    redis::endpoint ep;
    ep.socket_path = (data->path() / "redis" / "redis.sock").string();
    redis::connection c(ep);
    auto r = c.command({"EXISTS", "hl:t:" + no[name]});
    return redis::reply_integer(r.get());
  }

  // The script (November 2026; a complaint dispatched on Monday 11-02 is
  // due at the end of 11-23, and is to be accepted by the end of 11-03).
  static void SetUpTestSuite() {
    data = std::make_unique<temp_dir>("hotline-evaluation");
    service = std::make_unique<service_process>(
        data->path(),
        std::vector<std::string>{"--test-clock", "--test-clock-start", "2026-11-02T09:00:00+08:00",
                                 "--archive-every-ms", "20"});
    const auto J = token(jiefangbei), Q = token(qixinggang), O = office();
    for (const char* n : {"J1", "J2", "J3"})
      intake(n, false);
    for (const char* n : {"Q1", "Q2"})
      intake(n, true);
    clock("2026-11-02T10:00:00+08:00");
    act("J1", "accept", json::object(), J);
    act("Q1", "accept", json::object(), Q);
    act("Q2", "accept", json::object(), Q);
    clock("2026-11-03T09:00:00+08:00");
    // J3: returned in time, designated to 七星岗, handled there.
    act("J3", "return", {{"reason", "噪声源在七星岗街道辖区"}}, J);
    act("J3", "designation", {{"lead_unit_id", qixinggang}, {"reason", "属地为七星岗街道"}}, O);
    act("J3", "accept", json::object(), Q);
    clock("2026-11-05T10:00:00+08:00");
    act("J2", "accept", json::object(), J); // after the response limit
    act("J1", "reply", {{"text", "已责令夜间停工"}}, J);
    clock("2026-11-06T10:00:00+08:00");
    act("J1", "callback", {{"satisfaction", "satisfied"}, {"resolved", true}}, O);
    clock("2026-11-10T10:00:00+08:00");
    act("J3", "reply", {{"text", "已处理"}}, Q);
    act("J3", "callback", {{"satisfaction", "basically_satisfied"}, {"resolved", true}}, O);
    clock("2026-11-20T10:00:00+08:00");
    act("Q1", "extension",
        {{"reason", "需协调施工单位"},
         {"progress", "已约谈"},
         {"new_deadline", "2026-12-05T00:00:00+08:00"}},
        Q);
    act("Q1", "extension/decision", {{"approve", true}}, token("500103"));
    // J2 and Q2 pass their deadline (督办 at 11-24 00:00).
    clock("2026-11-25T10:00:00+08:00");
    act("J2", "reply", {{"text", "已处理"}}, J); // late
    EXPECT_EQ(act("J2", "callback", {{"satisfaction", "not_satisfied"}, {"resolved", false}},
                  O)["status"],
              "dispatched"); // 重办
    clock("2026-11-26T10:00:00+08:00");
    act("J2", "accept", json::object(), J);
    act("J2", "reply", {{"text", "已重新处理"}}, J);
    act("J2", "callback", {{"satisfaction", "satisfied"}, {"resolved", true}}, O);
    clock("2026-11-27T10:00:00+08:00");          // Q2: 通报 at 11-27 00:00
    act("Q1", "reply", {{"text", "已处理"}}, Q); // late for 11-23, on time for the extension
    act("Q1", "callback", {{"satisfaction", "satisfied"}, {"resolved", true}}, O);
    // J1 and J3 closed more than a week ago: archived; J2 and Q1 closed
    // days ago and Q2 open: still in Redis.
    clock("2026-11-30T12:00:00+08:00");
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((in_redis("J1") || in_redis("J3")) && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  static void TearDownTestSuite() {
    service.reset();
    data.reset();
  }

  static json line(const json& report, const std::string& unit) {
    for (const auto& l : report["units"])
      if (l["unit_id"] == unit)
        return l;
    ADD_FAILURE() << "no line of " << unit << " in " << report.dump();
    return json::object();
  }
  json evaluation(const std::string& query, const std::string& who) {
    auto r = client().get("/api/v1/evaluation?" + query, who);
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }
};

} // namespace

TEST_F(evaluation_month, PartOfTheMonthIsArchivedAndPartStillInRedis_M_SV_3) {
  EXPECT_EQ(in_redis("J1"), 0);
  EXPECT_EQ(in_redis("J3"), 0);
  EXPECT_EQ(in_redis("J2"), 1);
  EXPECT_EQ(in_redis("Q1"), 1);
  EXPECT_EQ(in_redis("Q2"), 1);
}

TEST_F(evaluation_month, TheMonthGivesExactlyTheExpectedFiguresScoresAndRanking_M_E_1) {
  const auto report = evaluation("period=2026-11&kind=township", office());
  EXPECT_EQ(report["period"], "2026-11");
  EXPECT_EQ(report["as_of"], "2026-11-30T12:00:00+08:00");
  ASSERT_EQ(report["units"].size(), 2u) << report.dump();
  const auto j = line(report, jiefangbei), q = line(report, qixinggang);
  // 解放碑: J1 on time and satisfied; J2 accepted late, answered late,
  // supervised, reopened, then satisfied; J3 returned in time.
  const json want_j{{"received", 3},
                    {"responded", 2},
                    {"returned", 1},
                    {"answered", 2},
                    {"answered_on_time", 1},
                    {"overdue", 1},
                    {"called_back", 2},
                    {"satisfied", 2},
                    {"resolved", 2},
                    {"reopened", 1},
                    {"supervised", 1},
                    {"noticed", 0},
                    {"extensions_requested", 0},
                    {"extensions_granted", 0},
                    {"cooperated", 0}};
  for (const auto& [k, v] : want_j.items())
    EXPECT_EQ(j[k], v) << "解放碑 " << k;
  // 七星岗: Q1 extended and answered within the extension; Q2 accepted but
  // never answered (督办 and 通报); J3 received by designation.
  const json want_q{{"received", 3},
                    {"responded", 3},
                    {"returned", 0},
                    {"answered", 2},
                    {"answered_on_time", 2},
                    {"overdue", 1},
                    {"called_back", 2},
                    {"satisfied", 2},
                    {"resolved", 2},
                    {"reopened", 0},
                    {"supervised", 1},
                    {"noticed", 1},
                    {"extensions_requested", 1},
                    {"extensions_granted", 1}};
  for (const auto& [k, v] : want_q.items())
    EXPECT_EQ(q[k], v) << "七星岗 " << k;
  EXPECT_EQ(j["response_rate"], 0.6667);
  EXPECT_EQ(j["on_time_rate"], 0.5);
  EXPECT_EQ(j["resolution_rate"], 1.0);
  EXPECT_EQ(j["satisfaction_rate"], 1.0);
  EXPECT_EQ(j["return_rate"], 0.3333);
  EXPECT_EQ(q["response_rate"], 1.0);
  EXPECT_EQ(q["on_time_rate"], 0.6667);
  EXPECT_TRUE(q["opinion_on_time_rate"].is_null());
  // Weights of config/chongqing/evaluation.yaml: 15, 25, 25, 25 (opinions
  // and knowledge base without denominator): (15·2/3 + 25·1/2 + 50) / 90
  // and (15 + 25·2/3 + 50) / 90.
  EXPECT_EQ(j["score"], 80.56);
  EXPECT_EQ(q["score"], 90.74);
  EXPECT_EQ(q["rank"], 1);
  EXPECT_EQ(j["rank"], 2);
  EXPECT_EQ(report["units"][0]["unit_id"], qixinggang) << "best first";
  // The year so far is the same month.
  const auto year = evaluation("period=2026&kind=township", office());
  EXPECT_EQ(year["units"], report["units"]);
}

TEST_F(evaluation_month, TheCommandLineGivesTheSameFiguresAsTheApi_M_E_1) {
  const auto api = evaluation("period=2026-11", office());
  const auto config = chongqing_config().string();
  auto cli
      = run_cli_full({"evaluate", "--data-dir", data->path().string(), "--config", config,
                      "--period", "2026-11", "--json", "--as-of", api["as_of"].get<std::string>()});
  ASSERT_EQ(cli.exit_code, 0) << cli.out << cli.err;
  const auto got = json::parse(cli.out, nullptr, false);
  ASSERT_FALSE(got.is_discarded()) << cli.out;
  EXPECT_EQ(got, api);
  auto csv = run_cli_full({"evaluate", "--data-dir", data->path().string(), "--config", config,
                           "--period", "2026-11", "--csv", "--kind", "township", "--as-of",
                           api["as_of"].get<std::string>()});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("period,unit_id,unit_name,kind,received,", 0), 0u) << csv.out;
  EXPECT_NE(csv.out.find("2026-11,\"500103001\",\"七星岗街道\",\"township\",3,"), std::string::npos)
      << csv.out;
  EXPECT_NE(csv.out.find(",90.74,1\n"), std::string::npos) << csv.out;
  EXPECT_NE(csv.out.find(",80.56,2\n"), std::string::npos) << csv.out;
  auto bad = run_cli_full(
      {"evaluate", "--data-dir", data->path().string(), "--config", config, "--period", "2026-13"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("--period"), std::string::npos) << bad.err;
}

TEST_F(evaluation_month, EachFigureListsExactlyTheTicketsBehindIt_M_E_1) {
  auto tickets = [&](const std::string& unit, const std::string& figure) {
    auto r = client().get(
        "/api/v1/evaluation/tickets?period=2026-11&unit=" + unit + "&figure=" + figure, office());
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  };
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return json(v);
  };
  // From the archive (J1) and from Redis (J2) alike.
  EXPECT_EQ(tickets(jiefangbei, "received")["tickets"], sorted({no["J1"], no["J2"], no["J3"]}));
  EXPECT_EQ(tickets(jiefangbei, "returned")["tickets"], sorted({no["J3"]}));
  EXPECT_EQ(tickets(jiefangbei, "overdue")["tickets"], sorted({no["J2"]}));
  EXPECT_EQ(tickets(qixinggang, "noticed")["tickets"], sorted({no["Q2"]}));
  EXPECT_EQ(tickets(qixinggang, "received")["tickets"], sorted({no["Q1"], no["Q2"], no["J3"]}));
  // A rate: its denominator's tickets, and those its numerator counts.
  const auto rate = tickets(jiefangbei, "response_rate");
  EXPECT_EQ(rate["tickets"], sorted({no["J1"], no["J2"], no["J3"]}));
  EXPECT_EQ(rate["numerator"], sorted({no["J1"], no["J3"]}));
  // Paged by a cursor.
  auto first = body_of(client().get("/api/v1/evaluation/tickets?period=2026-11&unit="
                                        + std::string(jiefangbei) + "&figure=received&limit=2",
                                    office()));
  ASSERT_EQ(first["tickets"].size(), 2u);
  EXPECT_EQ(first["total"], 3);
  auto rest = body_of(client().get(
      "/api/v1/evaluation/tickets?period=2026-11&unit=" + std::string(jiefangbei)
          + "&figure=received&limit=2&cursor=" + first["next_cursor"].get<std::string>(),
      office()));
  EXPECT_EQ(rest["tickets"].size(), 1u);
  EXPECT_TRUE(rest["next_cursor"].is_null());
}

TEST_F(evaluation_month, AUnitSeesItsOwnLineAndTicketsOnly_M_D_3) {
  const auto mine = evaluation("period=2026-11", token(jiefangbei));
  ASSERT_EQ(mine["units"].size(), 1u);
  EXPECT_EQ(mine["units"][0]["unit_id"], jiefangbei);
  EXPECT_EQ(mine["units"][0]["rank"], 2) << "its rank among all townships";
  expect_error(client().get("/api/v1/evaluation?period=2026-11&unit=" + std::string(qixinggang),
                            token(jiefangbei)),
               403, "forbidden", "unit");
  expect_error(client().get("/api/v1/evaluation/tickets?period=2026-11&figure=received&unit="
                                + std::string(qixinggang),
                            token(jiefangbei)),
               403, "forbidden", "unit");
  expect_error(client().get("/api/v1/evaluation?period=2026-11"), 401, "unauthorized",
               "authorization");
}

TEST_F(evaluation_month, BadInputIsRefusedWithItsField) {
  const auto O = office();
  expect_error(client().get("/api/v1/evaluation", O), 400, "missing_field", "period");
  for (const char* p : {"2026-13", "11-2026", "2026-1", "x"})
    expect_error(client().get("/api/v1/evaluation?period=" + std::string(p), O), 422,
                 "invalid_field", "period");
  expect_error(client().get("/api/v1/evaluation?period=2026-11&unit=nowhere", O), 422,
               "unknown_unit", "unit");
  expect_error(client().get("/api/v1/evaluation?period=2026-11&kind=office", O), 422,
               "invalid_field", "kind");
  expect_error(client().get("/api/v1/evaluation/tickets?period=2026-11&unit=500103003", O), 400,
               "missing_field", "figure");
  expect_error(
      client().get("/api/v1/evaluation/tickets?period=2026-11&unit=500103003&figure=score", O), 422,
      "invalid_field", "figure");
  expect_error(client().get("/api/v1/evaluation/tickets?period=2026-11&figure=received", O), 400,
               "missing_field", "unit");
  expect_error(
      client().get(
          "/api/v1/evaluation/tickets?period=2026-11&unit=500103003&figure=received&limit=0", O),
      422, "invalid_field", "limit");
}

// Issue 14 item 5 (M-D-1): the month's brief from the same month, part of it
// archived (J1, J3) and part still in Redis.
TEST_F(evaluation_month, TheMonthlyBriefCountsTheMonthAndShowsTheUnitsRanked_M_D_1) {
  const auto api = evaluation("period=2026-11", office());
  temp_dir out("hotline-brief");
  const auto config = chongqing_config().string();
  auto r = run_cli_full({"brief", "--data-dir", data->path().string(), "--config", config,
                         "--period", "2026-11", "--out", out.path().string(), "--as-of",
                         api["as_of"].get<std::string>()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("月报 2026年11月"), std::string::npos) << r.out;
  auto read = [&](const std::string& name) {
    std::ifstream f(out.path() / name, std::ios::binary);
    EXPECT_TRUE(f) << name;
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  const auto page = read("brief.html");
  EXPECT_NE(page.find("<b>5</b><span>受理诉求</span>"), std::string::npos) << "J1-3, Q1-2";
  EXPECT_NE(page.find("<b>4</b><span>已办结</span>"), std::string::npos) << "all but Q2";
  EXPECT_NE(page.find("<b>4</b><span>回访</span>"), std::string::npos) << "each one's last";
  EXPECT_NE(page.find("<b>100.0%</b><span>回访满意率</span>"), std::string::npos);
  const std::string bom = "\xEF\xBB\xBF";
  EXPECT_EQ(read("by_district.csv"), bom + "区县,件数,占比\r\n渝中区,5,100.0%\r\n");
  EXPECT_EQ(read("by_kind.csv"), bom + "诉求类型,件数,占比\r\n投诉,5,100.0%\r\n");
  const auto hot = read("hotspots.csv");
  EXPECT_NE(hot.find("解放碑街道,渝中区,噪声扰民,3\r\n"), std::string::npos)
      << hot << "J3 was placed there first";
  EXPECT_NE(hot.find("七星岗街道,渝中区,噪声扰民,2\r\n"), std::string::npos) << hot;
  // M-E-1: the units as GET /api/v1/evaluation ranks them.
  const auto best = read("units_best.csv");
  EXPECT_NE(best.find("\r\n七星岗街道,乡镇/街道,3,"), std::string::npos) << best;
  EXPECT_NE(best.find(",90.74,1\r\n"), std::string::npos) << best;
  EXPECT_LT(best.find("七星岗街道"), best.find("解放碑街道")) << "best first";
  const auto trend = read("satisfaction_trend.csv");
  EXPECT_EQ(std::count(trend.begin(), trend.end(), '\n'), 31) << "a header and 30 days";
  EXPECT_NE(trend.find("2026-11-10,1,1,100.0%"), std::string::npos) << trend;

  auto bad = run_cli_full({"brief", "--data-dir", data->path().string(), "--config", config,
                           "--period", "2026-13", "--out", out.path().string()});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("--period"), std::string::npos) << bad.err;
}
