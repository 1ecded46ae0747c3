// Issue 14: closed tickets move from Redis to the private PostgreSQL a week
// after their close (M-SV-3, a true, complete archive), stay readable by the
// caller and the office, survive a kill in the middle of archiving, and
// `hotline verify` names what was changed in the archive afterwards.
#include "tests/e2e/e2e.hpp"

#include <signal.h>

#include <chrono>
#include <map>
#include <thread>

#include "adapters/archive/chain.hpp"
#include "adapters/archive/embedded_pg.hpp"
#include "adapters/archive/postgres.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

constexpr const char* start = "2026-10-09T10:00:00+08:00";

std::vector<std::string> clock_flags(const std::string& at = start) {
  // The archiver looks every 20 ms, so a test waits milliseconds, not
  // for a timer; the test clock makes "a week later" instant.
  return {"--test-clock", "--test-clock-start", at, "--archive-every-ms", "20"};
}

// Polls `done` (a condition the service reaches by itself), at most 20 s.
template <class Pred>
bool eventually(Pred done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

redis::endpoint redis_of(const temp_dir& data) {
  redis::endpoint ep;
  ep.socket_path = (data.path() / "redis" / "redis.sock").string();
  return ep;
}

long long redis_int(const temp_dir& data, const std::vector<std::string>& cmd) {
  redis::connection c(redis_of(data));
  auto r = c.command(cmd);
  redis::check(r.get(), cmd[0].c_str());
  return r->type == REDIS_REPLY_INTEGER ? redis::reply_integer(r.get()) : -1;
}

std::string pg_of(const temp_dir& data) {
  return "host=" + (data.path() / "postgres").string() + " port=5432 user=hotline dbname=hotline";
}

long long pg_count(const temp_dir& data, const std::string& sql,
                   const std::vector<archive::pg_param>& params = {}) {
  archive::pg_connection c(pg_of(data));
  return c.exec(sql, params).integer(0, 0);
}

// The office's token, made once per data dir (each `hotline token` loads
// the configuration).
const std::string& office(const temp_dir& data) {
  static std::map<std::string, std::string> tokens;
  auto& t = tokens[data.path().string()];
  if (t.empty())
    t = office_token(data);
  return t;
}

void move_clock(const temp_dir& data, std::uint16_t port, const std::string& now) {
  http_client http{"127.0.0.1", port};
  auto r = http.post("/api/v1/test/clock", json{{"now", now}}.dump(), office(data));
  ASSERT_EQ(r.status, 200) << r.body;
}

// A consultation answered at once (M-C-1): registered and closed in one
// step. Returns {ticket_no, extraction_code}.
std::pair<std::string, std::string> answered_at_once(const temp_dir& data, std::uint16_t port,
                                                     const std::string& rid) {
  http_client http{"127.0.0.1", port};
  auto d = yuzhong_demand(rid);
  d["kind"] = "consultation";
  d["category"] = "housing.provident-fund";
  d["disposal"] = {{"type", "direct_answer"}, {"answer", "可通过渝快办在线办理。"}};
  auto a = body_of(http.post("/api/v1/demands", d.dump(), office(data)));
  EXPECT_EQ(a["status"], "closed") << a.dump();
  return {a["ticket_no"], a["extraction_code"]};
}

} // namespace

TEST(Archive, AClosedTicketLeavesRedisAWeekLaterAndStaysReadableByCallerAndOffice_M_SV_3) {
  temp_dir data("hotline-archive1");
  service_process service(data.path(), clock_flags());
  http_client http{"127.0.0.1", service.port()};
  // Handled the whole way: dispatched, accepted, answered, called back.
  auto t = body_of(http.post("/api/v1/demands", yuzhong_demand("arch-1").dump()));
  const std::string no = t["ticket_no"], code = t["extraction_code"];
  const std::string unit = t["assignment"]["unit_id"];
  ASSERT_EQ(http.post("/api/v1/tickets/" + no + "/accept", "{}", unit_token(data, unit)).status,
            200);
  ASSERT_EQ(http.post("/api/v1/tickets/" + no + "/reply", json{{"text", "已处理"}}.dump(),
                      unit_token(data, unit))
                .status,
            200);
  auto closed = body_of(http.post("/api/v1/tickets/" + no + "/callback",
                                  json{{"satisfaction", "satisfied"}, {"resolved", true}}.dump(),
                                  office(data)));
  ASSERT_EQ(closed["status"], "closed") << closed.dump();
  const auto before_view = body_of(http.get("/api/v1/tickets/" + no + "?code=" + code));
  const auto before_timeline
      = body_of(http.get("/api/v1/tickets/" + no + "/timeline", office(data)));
  const long long events = redis_int(data, {"LLEN", "hl:t:" + no});
  ASSERT_GT(events, 3);

  // Closed two days later: still due a week after its own close.
  move_clock(data, service.port(), "2026-10-11T10:00:00+08:00");
  const auto later = answered_at_once(data, service.port(), "arch-1-later");

  // A week and a day after the first close: only the first is due.
  move_clock(data, service.port(), "2026-10-17T11:00:00+08:00");
  ASSERT_TRUE(eventually([&] { return redis_int(data, {"EXISTS", "hl:t:" + no}) == 0; }));
  EXPECT_EQ(redis_int(data, {"SISMEMBER", "hl:tickets", no}), 0);
  EXPECT_EQ(redis_int(data, {"EXISTS", "hl:t:" + later.first}), 1) << "closed 6 days ago";
  EXPECT_EQ(pg_count(data, "SELECT count(*) FROM hl_archive_events WHERE ticket_no = $1", {{no}}),
            events);
  // Caller data stays sealed at rest: neither name nor phone in clear.
  archive::pg_connection pg(pg_of(data));
  auto bodies = pg.exec("SELECT body FROM hl_archive_events");
  for (int i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ(bodies.bytes(i, 0).find("张三丰"), std::string::npos);
    EXPECT_EQ(bodies.bytes(i, 0).find("-5678"), std::string::npos);
  }

  // The caller with the extraction code, the office, the timeline: as before.
  auto view = http.get("/api/v1/tickets/" + no + "?code=" + code);
  ASSERT_EQ(view.status, 200) << view.body;
  EXPECT_EQ(body_of(view), before_view);
  auto office_view = http.get("/api/v1/tickets/" + no, office(data));
  ASSERT_EQ(office_view.status, 200) << office_view.body;
  EXPECT_EQ(body_of(office_view)["status"], "closed");
  EXPECT_EQ(body_of(http.get("/api/v1/tickets/" + no + "/timeline", office(data))),
            before_timeline);
  // A wrong code is refused as on a live ticket; an unknown number is unknown.
  EXPECT_NE(http.get("/api/v1/tickets/" + no + "?code=000000").status, 200);
  EXPECT_EQ(http.get("/api/v1/tickets/20261009-999999", office(data)).status, 404);
  // A closed ticket takes no command once archived either.
  EXPECT_NE(http.post("/api/v1/tickets/" + no + "/accept", "{}", unit_token(data, unit)).status,
            200);

  // The later one follows two days after.
  move_clock(data, service.port(), "2026-10-19T11:00:00+08:00");
  ASSERT_TRUE(eventually([&] { return redis_int(data, {"SCARD", "hl:tickets"}) == 0; }));
  EXPECT_EQ(http.get("/api/v1/tickets/" + later.first + "?code=" + later.second).status, 200);
  auto ok = run_cli_full({"verify", "--data-dir", data.path().string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("2 tickets"), std::string::npos) << ok.out;
}

TEST(Archive, VerifyNamesTheTicketAndTheDayWhoseArchivedRowsWereChanged_M_SV_3) {
  temp_dir data("hotline-archive2");
  std::vector<std::string> nos;
  {
    service_process service(data.path(), clock_flags());
    for (int i = 0; i < 3; ++i)
      nos.push_back(answered_at_once(data, service.port(), "arch-v-" + std::to_string(i)).first);
    move_clock(data, service.port(), "2026-10-17T11:00:00+08:00");
    ASSERT_TRUE(eventually([&] { return redis_int(data, {"SCARD", "hl:tickets"}) == 0; }));
  }
  // hotlined stopped: verify starts the private server itself.
  auto clean = run_cli_full({"verify", "--data-dir", data.path().string()});
  ASSERT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("3 tickets"), std::string::npos) << clean.out;

  {
    // One byte of one event changed, behind the service's back.
    archive::embedded_pg_options o;
    o.data_dir = data.path();
    o.die_with_parent = true;
    archive::embedded_pg pg(o);
    archive::pg_connection c(pg.conninfo());
    c.exec("UPDATE hl_archive_events SET body = body || '\\x00'::bytea"
           " WHERE ticket_no = $1 AND version = 1",
           {{nos[1]}});
  }
  auto altered = run_cli_full({"verify", "--data-dir", data.path().string()});
  EXPECT_EQ(altered.exit_code, 3) << altered.out << altered.err;
  EXPECT_NE(altered.out.find("ticket " + nos[1] + ": event 1 altered"), std::string::npos)
      << altered.out;
  EXPECT_NE(altered.out.find("day 2026-10-09: altered"), std::string::npos) << altered.out;
  EXPECT_EQ(altered.out.find(nos[0]), std::string::npos) << altered.out;
  EXPECT_EQ(altered.out.find(nos[2]), std::string::npos) << altered.out;

  {
    // A whole ticket removed, rows and all.
    archive::embedded_pg_options o;
    o.data_dir = data.path();
    o.die_with_parent = true;
    archive::embedded_pg pg(o);
    archive::pg_connection c(pg.conninfo());
    c.exec("DELETE FROM hl_archive_events WHERE ticket_no = $1", {{nos[2]}});
    c.exec("DELETE FROM hl_archive_tickets WHERE ticket_no = $1", {{nos[2]}});
  }
  auto removed = run_cli_full(
      {"verify", "--data-dir", data.path().string(), "--from", "2026-10-09", "--to", "2026-10-09"});
  EXPECT_EQ(removed.exit_code, 3);
  EXPECT_NE(removed.out.find("ticket " + nos[2] + ": removed"), std::string::npos) << removed.out;
  {
    // A careful forger: one event changed, and its chain and its ticket's
    // last hash computed again, so the rows agree with each other.
    archive::embedded_pg_options o;
    o.data_dir = data.path();
    o.die_with_parent = true;
    archive::embedded_pg pg(o);
    archive::pg_connection c(pg.conninfo());
    auto rows = c.exec("SELECT body FROM hl_archive_events WHERE ticket_no = $1 ORDER BY version",
                       {{nos[0]}});
    std::vector<std::string> bodies;
    for (int i = 0; i < rows.size(); ++i)
      bodies.push_back(rows.bytes(i, 0));
    bodies[0] += "forged";
    const auto chain = archive::chain_of(nos[0], bodies);
    for (std::size_t v = 0; v < bodies.size(); ++v)
      c.exec(
          "UPDATE hl_archive_events SET body = $3, hash = $4 WHERE ticket_no = $1 AND version = $2",
          {{nos[0]},
           {std::to_string(v + 1)},
           archive::pg_param::bytes(bodies[v]),
           {archive::hex(chain[v])}});
    c.exec("UPDATE hl_archive_tickets SET head_hash = $2 WHERE ticket_no = $1",
           {{nos[0]}, {archive::hex(chain.back())}});
  }
  auto forged = run_cli_full({"verify", "--data-dir", data.path().string()});
  EXPECT_EQ(forged.exit_code, 3);
  EXPECT_NE(forged.out.find("ticket " + nos[0]
                            + ": altered: its events no longer give the last "
                              "hash recorded for day 2026-10-09"),
            std::string::npos)
      << forged.out;
  // Another range holds nothing to find.
  auto other = run_cli_full(
      {"verify", "--data-dir", data.path().string(), "--from", "2026-10-10", "--to", "2026-10-31"});
  EXPECT_EQ(other.exit_code, 0) << other.out;
}

TEST(Archive, AKillAfterTheCommitBeforeRedisForgetsLosesAndDuplicatesNothing) {
  temp_dir data("hotline-archive3");
  std::map<std::string, std::string> codes; // ticket → extraction code
  std::map<std::string, long long> events;
  {
    auto flags = clock_flags();
    flags.insert(flags.end(), {"--archive-batch", "2", "--test-archive-kill-after", "1"});
    service_process first(data.path(), flags);
    for (int i = 0; i < 5; ++i) {
      auto [no, code] = answered_at_once(data, first.port(), "arch-k-" + std::to_string(i));
      codes[no] = code;
      events[no] = redis_int(data, {"LLEN", "hl:t:" + no});
    }
    move_clock(data, first.port(), "2026-10-17T11:00:00+08:00");
    // It kills itself right after its first commit.
    EXPECT_TRUE(wait_for_exit(first.pid(), std::chrono::seconds(20)));
    first.stop(SIGKILL);
  }
  // Committed to PostgreSQL, still all in Redis: the window a kill hits.
  EXPECT_EQ(pg_count(data, "SELECT count(*) FROM hl_archive_tickets"), 2);
  EXPECT_EQ(redis_int(data, {"SCARD", "hl:tickets"}), 5);

  service_process second(data.path(), clock_flags("2026-10-17T11:00:00+08:00"));
  ASSERT_TRUE(eventually([&] { return redis_int(data, {"SCARD", "hl:tickets"}) == 0; }));
  long long total = 0;
  for (const auto& [no, n] : events) {
    total += n;
    EXPECT_EQ(pg_count(data, "SELECT count(*) FROM hl_archive_events WHERE ticket_no = $1", {{no}}),
              n)
        << no;
  }
  EXPECT_EQ(pg_count(data, "SELECT count(*) FROM hl_archive_events"), total);
  EXPECT_EQ(pg_count(data, "SELECT count(*) FROM hl_archive_tickets"), 5);
  EXPECT_EQ(pg_count(data, "SELECT tickets FROM hl_archive_days WHERE day = '2026-10-09'"), 5);
  http_client http{"127.0.0.1", second.port()};
  for (const auto& [no, code] : codes)
    EXPECT_EQ(http.get("/api/v1/tickets/" + no + "?code=" + code).status, 200) << no;
  auto ok = run_cli_full({"verify", "--data-dir", data.path().string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}

TEST(Archive, AKillNineAtAnyMomentOfArchivingLosesAndDuplicatesNothing) {
  temp_dir data("hotline-archive4");
  std::map<std::string, long long> events;
  {
    auto flags = clock_flags();
    flags.insert(flags.end(), {"--archive-batch", "1"});
    service_process first(data.path(), flags);
    for (int i = 0; i < 12; ++i) {
      auto no = answered_at_once(data, first.port(), "arch-n-" + std::to_string(i)).first;
      events[no] = redis_int(data, {"LLEN", "hl:t:" + no});
    }
    move_clock(data, first.port(), "2026-10-17T11:00:00+08:00");
    // kill -9 as soon as the first ticket is in PostgreSQL, wherever the
    // archiver is then.
    ASSERT_TRUE(eventually([&] {
      try {
        return pg_count(data, "SELECT count(*) FROM hl_archive_tickets") > 0;
      } catch (const archive::pg_error&) {
        return false; // the schema is not there yet
      }
    }));
    first.stop(SIGKILL);
  }
  service_process second(data.path(), clock_flags("2026-10-17T11:00:00+08:00"));
  ASSERT_TRUE(eventually([&] { return redis_int(data, {"SCARD", "hl:tickets"}) == 0; }));
  long long total = 0;
  for (const auto& [no, n] : events) {
    total += n;
    EXPECT_EQ(pg_count(data, "SELECT count(*) FROM hl_archive_events WHERE ticket_no = $1", {{no}}),
              n)
        << no;
  }
  EXPECT_EQ(pg_count(data, "SELECT count(*) FROM hl_archive_events"), total);
  EXPECT_EQ(pg_count(data, "SELECT count(*) FROM hl_archive_tickets"), 12);
  auto ok = run_cli_full({"verify", "--data-dir", data.path().string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}

TEST(Archive, WithPostgresUrlItArchivesThereAndQueuesTicketsClosedBeforeTheArchiveExisted) {
  temp_dir pg_dir("hotline-archive-pg");
  archive::embedded_pg_options o;
  o.data_dir = pg_dir.path();
  o.die_with_parent = true;
  archive::embedded_pg pg(o);
  temp_dir data("hotline-archive5");
  auto flags = clock_flags();
  flags.insert(flags.end(), {"--postgres", pg.conninfo()});
  std::pair<std::string, std::string> old;
  {
    service_process first(data.path(), flags);
    old = answered_at_once(data, first.port(), "arch-url-1");
    // As data written before issue 14: a closed ticket in no archive queue.
    redis::connection c(redis_of(data));
    auto keys = c.command({"KEYS", "hl:closed:*"});
    ASSERT_EQ(keys->elements, 1u);
    c.command({"DEL", redis::reply_string(keys->element[0]), "hl:schema:closed"});
  }
  service_process second(data.path(), flags);
  move_clock(data, second.port(), "2026-10-17T11:00:00+08:00");
  ASSERT_TRUE(eventually([&] { return redis_int(data, {"SCARD", "hl:tickets"}) == 0; }));
  EXPECT_FALSE(std::filesystem::exists(data.path() / "postgres")) << "no private server";
  archive::pg_connection c(pg.conninfo());
  EXPECT_EQ(c.exec("SELECT count(*) FROM hl_archive_tickets").integer(0, 0), 1);
  http_client http{"127.0.0.1", second.port()};
  EXPECT_EQ(http.get("/api/v1/tickets/" + old.first + "?code=" + old.second).status, 200);
  auto ok = run_cli_full({"verify", "--postgres", pg.conninfo()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}
