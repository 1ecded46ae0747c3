// kill -9 in the middle of a ticket's life: the ticket is intact and goes on.
#include "tests/e2e/e2e.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <fstream>

#include "adapters/archive/embedded_pg.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

// Submits a demand and accepts it; returns {ticket_no, extraction_code, unit}.
std::tuple<std::string, std::string, std::string> half_way(const temp_dir& data, std::uint16_t port,
                                                           const std::string& rid) {
  http_client http{"127.0.0.1", port};
  auto t = body_of(http.post("/api/v1/demands", yuzhong_demand(rid).dump()));
  const std::string no = t["ticket_no"], code = t["extraction_code"];
  const std::string unit = t["assignment"]["unit_id"];
  EXPECT_EQ(http.post("/api/v1/tickets/" + no + "/accept", "{}", unit_token(data, unit)).status,
            200);
  return {no, code, unit};
}

// The ticket is accepted as before, and can be answered and closed.
void continues(const temp_dir& data, std::uint16_t port, const std::string& no,
               const std::string& code, const std::string& unit) {
  http_client http{"127.0.0.1", port};
  auto view = http.get("/api/v1/tickets/" + no + "?code=" + code);
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_EQ(body_of(view)["status"], "accepted");
  EXPECT_EQ(http.post("/api/v1/tickets/" + no + "/reply", json{{"text", "已处理"}}.dump(),
                      unit_token(data, unit))
                .status,
            200);
  auto closed = http.post("/api/v1/tickets/" + no + "/callback",
                          json{{"satisfaction", "satisfied"}, {"resolved", true}}.dump(),
                          office_token(data));
  EXPECT_EQ(body_of(closed)["status"], "closed") << closed.body;
}

// Alive and not a zombie (an orphan's exit is reaped by whoever adopted it).
bool alive(pid_t pid) {
  if (::kill(pid, 0) != 0)
    return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  stat >> pid_field >> comm >> state;
  return state != "Z";
}

} // namespace

TEST(Crash, KillingTheServiceAloneLeavesRedisOrphanedAndARestartAdoptsIt) {
  temp_dir data("hotline-crash1");
  std::string no, code, unit;
  pid_t redis_pid = -1;
  {
    service_process first(data.path());
    std::tie(no, code, unit) = half_way(data, first.port(), "crash-1");
    redis_pid = embedded_redis_pid(data.path());
    first.stop(SIGKILL);
  }
  ASSERT_TRUE(alive(redis_pid)) << "the private redis-server should be orphaned";
  {
    service_process second(data.path());
    EXPECT_EQ(embedded_redis_pid(data.path()), redis_pid); // adopted, not doubled
    continues(data, second.port(), no, code, unit);
  }
  // A clean stop stops the adopted server too.
  EXPECT_TRUE(wait_for_exit(redis_pid, std::chrono::seconds(5)));
}

TEST(Crash, KillingTheServiceAndItsRedisLosesNoAcknowledgedStep) {
  temp_dir data("hotline-crash2");
  std::string no, code, unit;
  {
    service_process first(data.path());
    std::tie(no, code, unit) = half_way(data, first.port(), "crash-2");
    const pid_t redis_pid = embedded_redis_pid(data.path());
    ::kill(redis_pid, SIGKILL);
    first.stop(SIGKILL);
    wait_for_exit(redis_pid, std::chrono::seconds(5));
  }
  service_process second(data.path()); // a fresh redis-server replays the AOF
  continues(data, second.port(), no, code, unit);
}

TEST(Crash, ACleanStopAndRestartKeepsEverything) {
  temp_dir data("hotline-crash3");
  std::string no, code, unit;
  {
    service_process first(data.path());
    std::tie(no, code, unit) = half_way(data, first.port(), "crash-3");
    EXPECT_TRUE(WIFEXITED(first.stop(SIGTERM)));
  }
  service_process second(data.path());
  continues(data, second.port(), no, code, unit);
}

TEST(Crash, WithRedisGoneTheServiceAnswers503AndAcknowledgesNothing) {
  temp_dir data("hotline-crash4");
  service_process service(data.path());
  http_client http{"127.0.0.1", service.port()};
  ASSERT_EQ(http.get("/healthz").status, 200);
  const pid_t redis_pid = embedded_redis_pid(data.path());
  ::kill(redis_pid, SIGKILL);
  wait_for_exit(redis_pid, std::chrono::seconds(5));
  auto r = http.post("/api/v1/demands", yuzhong_demand("crash-4").dump());
  expect_error(r, 503, "unavailable", nullptr);
  EXPECT_EQ(r.headers["retry-after"], "1");
  expect_error(http.get("/healthz"), 503, "unavailable", nullptr);
}

TEST(Crash, ASecondServiceOnTheSameDataDirRefusesToStart) {
  temp_dir data("hotline-crash5");
  service_process first(data.path());
  EXPECT_THROW(service_process second(data.path()), std::runtime_error);
  http_client http{"127.0.0.1", first.port()};
  EXPECT_EQ(http.get("/healthz").status, 200); // the first one is untouched
}

TEST(Crash, AnOrphanedRedisStillStopsOnSigterm) {
  temp_dir data("hotline-crash6");
  pid_t redis_pid = -1;
  {
    service_process first(data.path());
    redis_pid = embedded_redis_pid(data.path());
    first.stop(SIGKILL);
  }
  ASSERT_TRUE(alive(redis_pid));
  ::kill(redis_pid, SIGTERM);
  EXPECT_TRUE(wait_for_exit(redis_pid, std::chrono::seconds(5)));
  // The orphaned private PostgreSQL (issue 14) stops the same way.
  const pid_t pg_pid = archive::embedded_pg_pid(data.path());
  ASSERT_GT(pg_pid, 0);
  ::kill(pg_pid, SIGTERM);
  EXPECT_TRUE(wait_for_exit(pg_pid, std::chrono::seconds(10)));
}

// M-SV-1: timers live in Redis with the events; a restart neither loses nor
// repeats them.
TEST(Crash, TimersFireExactlyOnceAcrossAKill) {
  temp_dir data("hotline-crash-timers");
  auto clock = [&](http_client& http, const std::string& now) {
    auto r = http.post("/api/v1/test/clock", json{{"now", now}}.dump(), office_token(data));
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r)["fired_timers"].get<int>();
  };
  std::string no;
  {
    service_process first(data.path(),
                          {"--test-clock", "--test-clock-start", "2026-09-18T15:00:00+08:00"});
    http_client http{"127.0.0.1", first.port()};
    no = body_of(http.post("/api/v1/demands", yuzhong_demand("timers-1").dump()))["ticket_no"];
    EXPECT_EQ(clock(http, "2026-10-15T12:00:00+08:00"), 1); // the reminder
    first.stop(SIGKILL);
  }
  service_process second(data.path(),
                         {"--test-clock", "--test-clock-start", "2026-10-15T12:00:00+08:00"});
  http_client http{"127.0.0.1", second.port()};
  EXPECT_EQ(clock(http, "2026-10-20T00:00:00+08:00"), 2); // supervision and notice only
  auto view = body_of(http.get("/api/v1/tickets/" + no, office_token(data)));
  ASSERT_EQ(view["escalations"].size(), 3u);
  EXPECT_EQ(view["escalations"][0]["level"], "reminder");
}
