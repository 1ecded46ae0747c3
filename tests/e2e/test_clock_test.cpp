// hotlined --test-clock: a manual clock for scenario tests, and deadlines
// checked against dates fixed in advance (M-DL-1, M-DL-2, M-DL-6).
#include "tests/e2e/e2e.hpp"

#include <sys/wait.h>

#include <fstream>

using namespace hotline;
using namespace hotline::test;

namespace {

struct clock_flags {
  static constexpr const char* tag = "hotline-clock";
  static std::vector<std::string> extra() {
    return {"--test-clock", "--test-clock-start", "2026-09-18T15:00:00+08:00"};
  }
};

using test_clock = service_suite<clock_flags>;

// How hotlined ended when run with the real config and `args`, which must
// make it refuse to start: its exit code (124 if `timeout` had to stop it,
// that is if it started) and what it printed on stderr.
struct refusal {
  int code = -1;
  std::string err;
};

refusal refused_start(const std::vector<std::string>& args) {
  const temp_dir out("hotline-clock-err");
  const auto err_file = out.path() / "stderr";
  std::string cmd = "timeout 20 " + std::string(HOTLINE_BIN_DIR) + "/hotlined --config '"
                    + chongqing_config().string() + "' --listen 127.0.0.1:0";
  for (const auto& a : args)
    cmd += " '" + a + "'";
  cmd += " >/dev/null 2>'" + err_file.string() + "'";
  const int status = std::system(cmd.c_str());
  std::ifstream in(err_file);
  refusal r;
  r.err.assign(std::istreambuf_iterator<char>(in), {});
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

} // namespace

TEST_F(test_clock, AComplaintOnSeptember18IsDueAtTheEndOfOctober15_M_DL_2_M_DL_6) {
  // 09-20 (Sun) and 10-10 (Sat) are make-up working days; Mid-Autumn
  // (09-25..27) and National Day (10-01..07) are not working days.
  auto r = http.post("/api/v1/demands", yuzhong_demand("clock-1").dump());
  ASSERT_EQ(r.status, 201) << r.body;
  auto t = body_of(r);
  EXPECT_EQ(t["submitted_at"], "2026-09-18T15:00:00+08:00");
  EXPECT_EQ(t["deadline"], "2026-10-16T00:00:00+08:00");
  EXPECT_EQ(t["deadline_date"], "2026-10-15") << "the last working day, as a liaison reads it";
  EXPECT_EQ(t["deadline_rule"], "M-DL-2");
}

TEST_F(test_clock, AConsultationOnSeptember18IsDueAtTheEndOfSeptember22_M_DL_1) {
  auto d = yuzhong_demand("clock-2");
  d["kind"] = "consultation";
  d["category"] = "housing.property-management";
  auto r = http.post("/api/v1/demands", d.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["deadline"], "2026-09-23T00:00:00+08:00");
  EXPECT_EQ(body_of(r)["deadline_rule"], "M-DL-1");
}

TEST_F(test_clock, TheOfficeMovesTheClockForwardOnlyAndActsHappenAtThatTime) {
  auto t = body_of(http.post("/api/v1/demands", yuzhong_demand("clock-3").dump()));
  const std::string no = t["ticket_no"];
  const auto office = office_token(*data);
  auto moved
      = http.post("/api/v1/test/clock", json{{"now", "2026-09-21T09:30:00+08:00"}}.dump(), office);
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(body_of(moved)["now"], "2026-09-21T09:30:00+08:00");
  const auto unit = unit_token(*data, t["assignment"]["unit_id"]);
  auto accepted = http.post("/api/v1/tickets/" + no + "/accept", "{}", unit);
  EXPECT_EQ(body_of(accepted)["accepted_at"], "2026-09-21T09:30:00+08:00");
  expect_error(
      http.post("/api/v1/test/clock", json{{"now", "2026-09-20T09:30:00+08:00"}}.dump(), office),
      422, "invalid_field", "now");
  expect_error(
      http.post("/api/v1/test/clock", json{{"now", "2026-09-22T09:30:00+08:00"}}.dump(), unit), 403,
      "forbidden", "role");
  expect_error(http.post("/api/v1/test/clock", json{{"now", "tomorrow"}}.dump(), office), 422,
               "invalid_field", "now");
}

TEST(TestClockFlag, IsOffByDefaultSoTheEndpointDoesNotExist) {
  temp_dir data("hotline-noclock");
  service_process service(data.path());
  http_client http{"127.0.0.1", service.port()};
  expect_error(http.post("/api/v1/test/clock", json{{"now", "2030-01-01T00:00:00+08:00"}}.dump(),
                         office_token(data)),
               404, "not_found", "path");
}

TEST(TestClockFlag, IsRefusedWithoutAStartOrAStartWithoutTheFlag) {
  // The exact refusal, not just "not 0": a hotlined that started and was
  // stopped by `timeout` (124) must fail this test.
  temp_dir data("hotline-badclock");
  auto no_start = refused_start({"--data-dir", data.path().string(), "--test-clock"});
  EXPECT_EQ(no_start.code, 2) << no_start.err;
  EXPECT_NE(no_start.err.find("--test-clock needs --test-clock-start"), std::string::npos)
      << no_start.err;
  // CLI11's "requires" refusal (ExitCodes::RequiresError).
  auto no_flag = refused_start(
      {"--data-dir", data.path().string(), "--test-clock-start", "2026-09-18T15:00:00+08:00"});
  EXPECT_EQ(no_flag.code, 107) << no_flag.err;
  EXPECT_NE(no_flag.err.find("--test-clock-start requires --test-clock"), std::string::npos)
      << no_flag.err;
  auto no_offset = refused_start({"--data-dir", data.path().string(), "--test-clock",
                                  "--test-clock-start", "2026-09-18T15:00:00"});
  EXPECT_EQ(no_offset.code, 2) << no_offset.err;
  EXPECT_NE(no_offset.err.find("with an offset"), std::string::npos) << no_offset.err;
}
