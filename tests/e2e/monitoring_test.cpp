// Issue 14 item 4 (M-D-1): early warnings, the office's overview and the
// operators' /metrics, against the real hotlined and its real Redis, on
// the test clock (nothing here waits for time to pass).
#include "tests/e2e/e2e.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <thread>

#include "routing/civil_time.hpp"
#include "routing/warnings.hpp"
#include "tests/support/webhook_receiver.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

// 渝中区's streets: a burst spread over them is one district's, not one
// place's (so the many-callers rule stays quiet and the surge is alone).
const std::vector<std::string> yuzhong_streets{"七星岗", "解放碑", "两路口", "上清寺",
                                               "菜园坝", "南纪门", "朝天门", "大溪沟"};

// A noise complaint (env.noise, 噪声扰民) in 渝中区 by caller `n` (each n a
// different phone, so none is linked as a repeat, M-S-2).
json noise(int n, const std::string& street) {
  char phone[16];
  std::snprintf(phone, sizeof phone, "139%08d", n);
  return {{"request_id", "noise-" + std::to_string(n)},
          {"channel", "phone"},
          {"caller", {{"name", "市民"}, {"phone", phone}}},
          {"kind", "complaint"},
          {"category", "env.noise"},
          {"content", "夜间噪声扰民，影响休息"},
          {"location", {{"address", "重庆市渝中区" + street + "街道" + std::to_string(n) + "号"}}}};
}

routing::instant instant_of(const json& v) {
  return *routing::parse_instant(v.get<std::string>());
}

struct clock_flags {
  static constexpr const char* tag = "hotline-warnings";
  // Monday 2026-11-16, 10:00 in Chongqing.
  static std::vector<std::string> extra() {
    return {"--test-clock", "--test-clock-start", "2026-11-16T10:00:00+08:00"};
  }
};

struct warnings : service_suite<clock_flags> {
  std::string office = office_token(*data);
  int next_caller = 0;

  void file(int count, std::size_t first_street = 0) {
    for (int i = 0; i < count; ++i) {
      const auto& street = yuzhong_streets[(first_street + i) % yuzhong_streets.size()];
      auto r = http.post("/api/v1/demands", noise(++next_caller, street).dump(), office);
      ASSERT_EQ(r.status, 201) << r.body;
    }
  }
  // Moves the clock to `t`; returns the warnings the move raised.
  json move_to(routing::instant t) {
    auto r
        = http.post("/api/v1/test/clock", json{{"now", routing::format_instant(t)}}.dump(), office);
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r)["warnings_raised"];
  }
};

} // namespace

TEST_F(warnings, ABurstOfNoiseInOneDistrictRaisesOneWarningWithItsFiguresANormalDayNone_M_D_1) {
  const routing::instant day = 24 * routing::warn::hour_ms;
  const routing::instant monday = *routing::parse_instant("2026-11-16T10:00:00+08:00");
  // Seven ordinary days: two noise complaints in 渝中区 each morning.
  for (int d = 0; d < 7; ++d) {
    if (d > 0) {
      EXPECT_TRUE(move_to(monday + d * day).empty()) << "day " << d;
    }
    file(2, 2 * d);
    EXPECT_TRUE(move_to(monday + d * day + 60'000).empty()) << "day " << d;
  }
  // The eighth day starts as normal: two again, nothing raised.
  const routing::instant today = monday + 7 * day;
  EXPECT_TRUE(move_to(today).empty());
  file(2);
  EXPECT_TRUE(move_to(today + 60'000).empty());
  auto none = http.get("/api/v1/warnings?from=2026-11-16&to=2026-11-23", office);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_TRUE(body_of(none)["warnings"].empty()) << none.body;

  // A system subscribed to the warnings (and one to every ticket step,
  // which does not get them).
  const std::string secret = "a-secret-of-32-bytes-or-more-0123";
  webhook_receiver warned{secret}, steps{secret};
  auto sub = http.post(
      "/api/v1/webhooks",
      json{{"url", warned.url()}, {"secret", secret}, {"events", {"warning"}}}.dump(), office);
  ASSERT_EQ(sub.status, 201) << sub.body;
  auto every = http.post("/api/v1/webhooks", json{{"url", steps.url()}, {"secret", secret}}.dump(),
                         office);
  ASSERT_EQ(every.status, 201) << every.body;
  const std::string every_id = body_of(every)["id"];

  // Then fourteen more within the hour, spread over eight streets.
  file(14, 3);
  const auto raised = move_to(today + 120'000);
  ASSERT_EQ(raised.size(), 1u) << raised.dump();
  const auto& w = raised[0];
  EXPECT_EQ(w["kind"], "surge");
  EXPECT_EQ(w["rule"], "M-D-1");
  EXPECT_EQ(w["category"], "env.noise");
  EXPECT_EQ(w["district"], "500103");
  EXPECT_EQ(w["district_name"], "渝中区");
  EXPECT_EQ(w["observed"], 16);
  // The baseline: the same three hours of each of the seven days before
  // (2 each), and of the same weekday two, three and four weeks before
  // (none: the service did not exist yet).
  EXPECT_EQ(w["samples"], json({2, 2, 2, 2, 2, 2, 2, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(w["baseline"].get<double>(), 1.4);
  EXPECT_NEAR(w["p_value"].get<double>() / routing::warn::poisson_upper_tail(16, 1.4), 1.0, 1e-9);
  EXPECT_LT(w["p_value"].get<double>(), w["alpha"].get<double>());
  EXPECT_DOUBLE_EQ(w["alpha"].get<double>(), 0.0001); // config/chongqing/warnings.yaml
  EXPECT_EQ(instant_of(w["window"]["from"]), today - 2 * routing::warn::hour_ms);
  EXPECT_NE(w["reason"].get<std::string>().find("16"), std::string::npos);

  // Raised once: a later look in the same window finds it again and says
  // nothing new; the list holds it once.
  EXPECT_TRUE(move_to(today + 180'000).empty());
  auto listed = http.get("/api/v1/warnings?from=2026-11-23&to=2026-11-23", office);
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto all = body_of(listed)["warnings"];
  ASSERT_EQ(all.size(), 1u) << listed.body;
  EXPECT_EQ(all[0]["key"], w["key"]);
  EXPECT_EQ(all[0]["observed"], 16);

  // Pushed to the office at once: its stream holds the warning's notice.
  redis::endpoint ep;
  ep.socket_path = (data->path() / "redis" / "redis.sock").string();
  redis::connection c(ep);
  auto pushed = c.command({"XRANGE", "hl:push:u:cq.office", "-", "+"});
  int warning_notices = 0;
  std::string warning_id;
  for (std::size_t i = 0; i < pushed->elements; ++i) {
    const auto* fields = pushed->element[i]->element[1];
    for (std::size_t f = 0; f + 1 < fields->elements; f += 2)
      if (redis::reply_string(fields->element[f]) == "e"
          && redis::reply_string(fields->element[f + 1]) == "warning") {
        ++warning_notices;
        warning_id = redis::reply_string(pushed->element[i]->element[0]);
      }
  }
  EXPECT_EQ(warning_notices, 1);
  // The subscribed system gets it once; the other gets the fourteen
  // dispatches and no warning.
  ASSERT_TRUE(warned.wait_for([](const auto& r) { return r.accepted_once().size() == 1; }));
  ASSERT_TRUE(steps.wait_for([](const auto& r) { return r.accepted_once().size() == 14; }));
  // The other subscription's cursor has passed the warning (skipped, not
  // sent): polled like a delivery, never a deadline.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto cursor = [&] {
    return body_of(http.get("/api/v1/webhooks/" + every_id, office))["cursor"].get<std::string>();
  };
  while (cursor() != warning_id && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(cursor(), warning_id);
  const auto got = warned.tries();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event, "warning");
  EXPECT_NE(got[0].body.find("\"surge\""), std::string::npos) << got[0].body;
  for (const auto& t : steps.tries())
    EXPECT_EQ(t.event, "dispatched");

  // Issue 14 item 5: the day's brief lists it with its reason and figures.
  temp_dir out("hotline-brief");
  auto brief = run_cli_full({"brief", "--data-dir", data->path().string(), "--config",
                             chongqing_config().string(), "--period", "2026-11-23", "--out",
                             out.path().string(), "--as-of", "2026-11-23T12:00:00+08:00"});
  ASSERT_EQ(brief.exit_code, 0) << brief.out << brief.err;
  std::ifstream csv(out.path() / "warnings.csv", std::ios::binary);
  const std::string listed_csv(std::istreambuf_iterator<char>(csv), {});
  EXPECT_NE(
      listed_csv.find(std::string(routing::warn::label_zh(routing::warn::warning_kind::surge))),
      std::string::npos)
      << listed_csv;
  EXPECT_NE(listed_csv.find(w["reason"].get<std::string>()), std::string::npos) << listed_csv;
  EXPECT_EQ(std::count(listed_csv.begin(), listed_csv.end(), '\n'), 2) << "a header and one";
}

TEST_F(warnings, BadPeriodsAreRefusedWithTheirField_M_D_1) {
  expect_error(http.get("/api/v1/warnings?from=2026-13-01", office), 422, "invalid_field", "from");
  expect_error(http.get("/api/v1/warnings?to=tomorrow", office), 422, "invalid_field", "to");
  expect_error(http.get("/api/v1/warnings?from=2026-11-24&to=2026-11-23", office), 422,
               "invalid_field", "from");
  expect_error(http.get("/api/v1/warnings?limit=0", office), 422, "invalid_field", "limit");
  expect_error(http.get("/api/v1/warnings"), 401, "unauthorized", "authorization");
}

TEST_F(warnings, ACallerRepeatingTheSameDemandIsWarnedOnce_M_S_2_M_D_1) {
  // The same phone and matter, three calls: linked to one ticket (M-S-2),
  // the third raises the warning. (A time after the other tests' own.)
  const routing::instant start = *routing::parse_instant("2026-12-01T10:00:00+08:00");
  EXPECT_TRUE(move_to(start).empty());
  auto first = noise(9000, "大坪");
  auto r = http.post("/api/v1/demands", first.dump(), office);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string no = body_of(r)["ticket_no"];
  json raised;
  for (int i = 1; i <= 2; ++i) {
    auto again = first;
    again["request_id"] = "noise-9000-again-" + std::to_string(i);
    auto a = http.post("/api/v1/demands", again.dump(), office);
    ASSERT_EQ(a.status, 200) << a.body; // linked, not created
    raised = move_to(start + i * 60'000);
    if (i == 1) {
      EXPECT_TRUE(raised.empty()) << raised.dump();
    }
  }
  ASSERT_EQ(raised.size(), 1u) << raised.dump();
  EXPECT_EQ(raised[0]["kind"], "repeat");
  EXPECT_EQ(raised[0]["ticket_no"], no);
  EXPECT_EQ(raised[0]["observed"], 3);
  EXPECT_EQ(raised[0]["threshold"], 3);
  // Nothing in the warning names the caller.
  EXPECT_EQ(raised[0].dump().find("13900009000"), std::string::npos);
  // A fourth call is the same warning: not raised again.
  auto again = first;
  again["request_id"] = "noise-9000-again-3";
  ASSERT_EQ(http.post("/api/v1/demands", again.dump(), office).status, 200);
  EXPECT_TRUE(move_to(start + 5 * 60'000).empty());
}

TEST_F(warnings, ManyCallersAboutOnePlaceAndMatterRaiseOneWarning_M_D_1) {
  // Five callers about noise at one street within the hour: the same event
  // reported by many (five is below the surge's minimum of eight).
  const routing::instant start = *routing::parse_instant("2026-12-02T10:00:00+08:00");
  EXPECT_TRUE(move_to(start).empty());
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(http.post("/api/v1/demands", noise(7000 + i, "菜园坝").dump(), office).status, 201);
  EXPECT_TRUE(move_to(start + 60'000).empty()); // four: not yet
  ASSERT_EQ(http.post("/api/v1/demands", noise(7004, "菜园坝").dump(), office).status, 201);
  const auto raised = move_to(start + 120'000);
  ASSERT_EQ(raised.size(), 1u) << raised.dump();
  EXPECT_EQ(raised[0]["kind"], "cluster");
  EXPECT_EQ(raised[0]["category"], "env.noise");
  EXPECT_EQ(raised[0]["place"], "500103007"); // 菜园坝街道: no committee named
  EXPECT_EQ(raised[0]["observed"], 5);
  EXPECT_EQ(raised[0]["threshold"], 5);
  EXPECT_TRUE(move_to(start + 180'000).empty());
}

TEST_F(warnings, AUnitWhoseOverdueCountJumpsIsWarned_M_SV_1_M_D_1) {
  const routing::instant start = *routing::parse_instant("2026-12-03T10:00:00+08:00");
  EXPECT_TRUE(move_to(start).empty());
  std::string lead;
  routing::instant due = 0;
  for (int i = 0; i < 5; ++i) {
    // Five callers at five different times of the day: no cluster.
    auto r = http.post("/api/v1/demands", noise(8000 + i, "化龙桥").dump(), office);
    ASSERT_EQ(r.status, 201) << r.body;
    lead = body_of(r)["assignment"]["unit_id"];
    due = instant_of(body_of(r)["deadline"]);
    move_to(start + (i + 1) * 2 * routing::warn::hour_ms);
  }
  // An hour before the deadline the unit has none overdue (the count is
  // kept); an hour after, five.
  auto before = move_to(due - routing::warn::hour_ms);
  for (const auto& w : before)
    EXPECT_NE(w["kind"], "overdue") << w.dump();
  json found;
  for (const auto& w : move_to(due + routing::warn::hour_ms))
    if (w["kind"] == "overdue" && w["unit_id"] == lead)
      found = w;
  ASSERT_TRUE(found.is_object());
  EXPECT_EQ(found["observed"], 5);
  EXPECT_EQ(found["baseline"], 0);
  EXPECT_EQ(found["threshold"], 5);
}

namespace {

struct overview_flags {
  static constexpr const char* tag = "hotline-overview";
  static std::vector<std::string> extra() {
    return {"--test-clock", "--test-clock-start", "2026-11-23T10:00:00+08:00"};
  }
};

struct overview : service_suite<overview_flags> {
  std::string office = office_token(*data);
  json get_overview() {
    auto r = http.get("/api/v1/overview", office);
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }
};

long long open_of(const json& list, const std::string& key, const std::string& id) {
  for (const auto& e : list)
    if (e[key] == id)
      return e["open"];
  return 0;
}

// Runs tests/e2e/metrics_check.py (Prometheus's parser) on `text`.
std::pair<int, std::string> check_metrics(const std::string& text, const temp_dir& dir) {
  const auto file = dir.path() / "metrics.txt";
  std::ofstream(file, std::ios::binary) << text;
  const std::string cmd = "/usr/bin/python3 '" + std::string(HOTLINE_SOURCE_DIR)
                          + "/tests/e2e/metrics_check.py' '" + file.string() + "' 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p)
    return {-1, ""};
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p))
    out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

} // namespace

TEST_F(overview, TheCountsMatchTheTicketsCreatedOnEveryStep_M_D_1) {
  auto before = get_overview();
  EXPECT_EQ(before["open"], 0);
  std::vector<std::string> nos;
  for (int i = 0; i < 3; ++i) {
    auto r = http.post("/api/v1/demands", noise(100 + i, "解放碑").dump(), office);
    ASSERT_EQ(r.status, 201) << r.body;
    nos.push_back(body_of(r)["ticket_no"]);
  }
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(http.post("/api/v1/demands", noise(200 + i, "七星岗").dump(), office).status, 201);
  auto vague = noise(300, "");
  vague["location"] = {{"address", "重庆市某小区"}};
  ASSERT_EQ(http.post("/api/v1/demands", vague.dump(), office).status, 201);

  auto o = get_overview();
  EXPECT_EQ(o["open"], 6);
  EXPECT_EQ(o["by_status"]["dispatched"], 5);
  EXPECT_EQ(o["by_status"]["coordinating"], 1);
  EXPECT_EQ(open_of(o["by_district"], "district", "500103"), 5);
  EXPECT_EQ(open_of(o["by_district"], "district", "-"), 1);
  EXPECT_EQ(open_of(o["by_unit"], "unit_id", "500103003"), 3);
  EXPECT_EQ(open_of(o["by_unit"], "unit_id", "500103001"), 2);
  EXPECT_EQ(o["by_unit_kind"]["township"], 5);
  EXPECT_EQ(o["intake"]["this_hour_so_far"], 6);
  EXPECT_EQ(o["overdue"], 0);

  // A step moves a ticket between statuses, not in or out.
  const auto street = unit_token(*data, "500103003");
  ASSERT_EQ(http.post("/api/v1/tickets/" + nos[0] + "/accept", "{}", street).status, 200);
  o = get_overview();
  EXPECT_EQ(o["open"], 6);
  EXPECT_EQ(o["by_status"]["accepted"], 1);
  EXPECT_EQ(o["by_status"]["dispatched"], 4);

  // An hour later the six are the last hour's intake.
  auto moved
      = http.post("/api/v1/test/clock", json{{"now", "2026-11-23T11:00:00+08:00"}}.dump(), office);
  ASSERT_EQ(moved.status, 200) << moved.body;
  o = get_overview();
  EXPECT_EQ(o["intake"]["last_hour"]["count"], 6);
  EXPECT_EQ(o["intake"]["this_hour_so_far"], 0);
  EXPECT_EQ(o["intake"]["weeks"], 4);
  EXPECT_EQ(o["intake"]["same_hour_previous_weeks"].size(), 4u);

  // Past the deadline: overdue and supervised as the district's own
  // worklists count them (another computation of the same facts).
  auto t = http.get("/api/v1/tickets/" + nos[0], office);
  const auto due = instant_of(body_of(t)["deadline"]);
  moved = http.post(
      "/api/v1/test/clock",
      json{{"now", routing::format_instant(due + 3 * 24 * routing::warn::hour_ms)}}.dump(), office);
  ASSERT_EQ(moved.status, 200) << moved.body;
  o = get_overview();
  EXPECT_EQ(o["overdue"], 5);
  auto district = http.get("/api/v1/units/500103/overview", office);
  ASSERT_EQ(district.status, 200) << district.body;
  const auto streets = body_of(district)["subordinates_total"];
  EXPECT_EQ(o["overdue"], streets["overdue"]);
  EXPECT_EQ(o["supervised"], streets["supervised"]);
  EXPECT_GT(o["supervised"].get<long long>(), 0) << district.body;
}

namespace {

struct metrics_flags {
  static constexpr const char* tag = "hotline-metrics";
  static std::vector<std::string> extra() { return {}; }
};

struct metrics : service_suite<metrics_flags> {
  std::string office = office_token(*data);
  json get_overview() {
    auto r = http.get("/api/v1/overview", office);
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }
};

} // namespace

TEST_F(metrics, ParseWithPrometheusOwnParserAndAgreeWithTheOverview) {
  // Some traffic: three demands, a read, an acceptance.
  std::vector<std::string> nos;
  for (int i = 0; i < 3; ++i) {
    auto r = http.post("/api/v1/demands", noise(400 + i, "解放碑").dump(), office);
    ASSERT_EQ(r.status, 201) << r.body;
    nos.push_back(body_of(r)["ticket_no"]);
  }
  ASSERT_EQ(http.get("/api/v1/tickets/" + nos[0], office).status, 200);
  ASSERT_EQ(http.post("/api/v1/tickets/" + nos[0] + "/accept", "{}", unit_token(*data, "500103003"))
                .status,
            200);
  auto r = http.get("/metrics", role_token(*data, "supervisor"));
  ASSERT_EQ(r.status, 200) << r.body;
  const temp_dir dir("hotline-metrics");
  const auto [code, out] = check_metrics(r.body, dir);
  ASSERT_EQ(code, 0) << out << "\n" << r.body;
  const auto parsed = json::parse(out, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << out;
  const auto& s = parsed["samples"];
  const auto o = get_overview();
  EXPECT_EQ(s["hotline_tickets_open{status=accepted}"], 1);
  EXPECT_EQ(s["hotline_tickets_open{status=dispatched}"], 2);
  EXPECT_EQ(s["hotline_tickets_open{status=dispatched}"], o["by_status"]["dispatched"]);
  EXPECT_EQ(s["hotline_tickets_open_by_unit_kind{kind=township}"], 3);
  EXPECT_EQ(s["hotline_tickets_overdue"], o["overdue"]);
  EXPECT_EQ(s["hotline_tickets_supervised"], o["supervised"]);
  // Latency by the route's pattern, never the raw path.
  EXPECT_EQ(s["hotline_http_request_duration_seconds_count{method=POST,route=/api/v1/demands}"], 3);
  EXPECT_EQ(s["hotline_http_request_duration_seconds_count{method=GET,route=/api/v1/tickets/{no}}"],
            1);
  EXPECT_GT(s["hotline_redis_round_trip_seconds_count"].get<double>(), 0);
  EXPECT_EQ(s["hotline_storage_up"], 1);
}

// Issue 14 item 4: data written before the overview's counters existed
// gets them once, when the new version starts, and they match the tickets.
namespace {

struct upgrade_flags {
  static constexpr const char* tag = "hotline-overview-upgrade";
  static std::vector<std::string> extra() {
    return {"--test-clock", "--test-clock-start", "2026-11-23T10:00:00+08:00"};
  }
};

struct overview_upgrade : service_suite<upgrade_flags> {
  json overview_on(const std::string& office) {
    http_client h{"127.0.0.1", service->port()};
    auto r = h.get("/api/v1/overview", office);
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }
  static void restart() {
    service.reset();
    service = std::make_unique<service_process>(data->path(), upgrade_flags::extra());
  }
};

} // namespace

TEST_F(overview_upgrade, DataFromBeforeTheCountersGetsThemOnceAtStart_M_D_1) {
  const auto office = office_token(*data);
  std::vector<std::string> nos;
  for (int i = 0; i < 3; ++i) {
    auto r = http.post("/api/v1/demands", noise(500 + i, "解放碑").dump(), office);
    ASSERT_EQ(r.status, 201) << r.body;
    nos.push_back(body_of(r)["ticket_no"]);
  }
  ASSERT_EQ(http.post("/api/v1/demands", noise(600, "七星岗").dump(), office).status, 201);
  const std::string lead
      = body_of(http.get("/api/v1/tickets/" + nos[0], office))["assignment"]["unit_id"];
  ASSERT_EQ(
      http.post("/api/v1/tickets/" + nos[0] + "/accept", "{}", unit_token(*data, lead)).status,
      200);
  const auto before = overview_on(office);
  ASSERT_EQ(before["open"], 4) << before.dump();

  // The data as a version without the counters left it.
  redis::endpoint ep;
  ep.socket_path = (data->path() / "redis" / "redis.sock").string();
  {
    redis::connection c(ep);
    auto keys = c.command({"KEYS", "hl:mon:*"});
    ASSERT_GT(keys->elements, 0u);
    for (std::size_t i = 0; i < keys->elements; ++i)
      c.command({"DEL", redis::reply_string(keys->element[i])});
    c.command({"DEL", "hl:schema:monitor"});
  }
  EXPECT_EQ(overview_on(office)["open"], 0) << "the overview reads the counters";

  restart();
  const auto after = overview_on(office);
  for (const char* f : {"open", "by_status", "by_unit_kind", "by_district", "by_unit", "due_today",
                        "overdue", "supervised"})
    EXPECT_EQ(after[f], before[f]) << f << "\n" << after.dump() << "\n" << before.dump();
  // Once: a second start adds nothing.
  restart();
  EXPECT_EQ(overview_on(office)["by_status"], before["by_status"]);
}
