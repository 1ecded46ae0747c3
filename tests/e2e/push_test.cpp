// Issue 10 against the real hotlined: units and the office hear every step
// that concerns them over Server-Sent Events, miss nothing across a
// reconnect, and read their worklists and overviews without one Redis round
// trip per ticket.
#include "tests/e2e/e2e.hpp"

#include <chrono>
#include <set>

#include "adapters/redis/feed.hpp"
#include "tests/support/sse_client.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

struct push_flags {
  static constexpr const char* tag = "hotline-push";
  static std::vector<std::string> extra() {
    return {"--test-clock", "--test-clock-start", "2026-10-09T10:00:00+08:00",
            "--sse-heartbeat-seconds", "1"};
  }
};

struct push : service_suite<push_flags> {
  static constexpr const char* street = "500103003"; // 解放碑街道, where yuzhong_demand goes
  static constexpr const char* district = "500103";  // 渝中区 supervises it

  std::string token(const std::string& role, const std::string& unit = "") {
    return role_token(*data, role, unit);
  }
  std::unique_ptr<sse_client> listen(const std::string& target, const std::string& bearer,
                                     const std::string& last = "") {
    auto c = std::make_unique<sse_client>("127.0.0.1", service->port(), target, bearer, last);
    EXPECT_EQ(c->status(), 200);
    return c;
  }
  json submit(const std::string& rid) {
    auto r = http.post("/api/v1/demands", yuzhong_demand(rid).dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r);
  }
  // The next event naming `no`, skipping others (other tests' tickets).
  std::optional<sse_event> next_for(sse_client& c, const std::string& no,
                                    std::chrono::milliseconds within) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      auto e = c.next(std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now()));
      if (!e)
        return std::nullopt;
      if (json::parse(e->data)["ticket_no"] == no)
        return e;
    }
    return std::nullopt;
  }
  // How many reads of tickets (LRANGE) and of worklists (HGETALL) Redis
  // has served: the background loops of hotlined use neither.
  long long ticket_and_worklist_reads() {
    redis::endpoint ep;
    ep.socket_path = (data->path() / "redis" / "redis.sock").string();
    redis::connection c(ep);
    auto r = c.command({"INFO", "commandstats"});
    const auto text = redis::reply_string(r.get());
    long long n = 0;
    for (const std::string cmd : {"cmdstat_lrange:calls=", "cmdstat_hgetall:calls="})
      if (auto at = text.find(cmd); at != std::string::npos)
        n += std::stoll(text.substr(at + cmd.size()));
    return n;
  }
};

} // namespace

TEST_F(push, ATownshipHearsOfItsNewTicketWithinASecond_M_D_2) {
  auto sse = listen(std::string("/api/v1/units/") + street + "/events", token("liaison", street));
  const auto began = std::chrono::steady_clock::now();
  const auto t = submit("push-1");
  const std::string no = t["ticket_no"];
  auto e = next_for(*sse, no, std::chrono::seconds(1));
  ASSERT_TRUE(e) << "no dispatched event within a second";
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(1));
  EXPECT_EQ(e->event, "dispatched");
  const auto d = json::parse(e->data);
  EXPECT_EQ(d["id"], e->id);
  EXPECT_EQ(d["event"], "dispatched");
  EXPECT_EQ(d["status"], "dispatched");
  EXPECT_EQ(d["rule"], "M-C-2");
  EXPECT_TRUE(d["at"].is_string());
  EXPECT_EQ(d["lead"]["unit_id"], street);
  // M-D-2 acceptance information; no caller data, not even masked (M-D-3).
  EXPECT_EQ(d["demand"]["content"], yuzhong_demand("push-1")["content"]);
  EXPECT_EQ(d["demand"]["kind"], "complaint");
  EXPECT_FALSE(d["demand"].contains("caller"));
  EXPECT_EQ(e->data.find("张"), std::string::npos);
  EXPECT_EQ(e->data.find("5678"), std::string::npos);
}

TEST_F(push, AReconnectWithLastEventIdReplaysExactlyWhatWasMissed) {
  const auto liaison = token("liaison", street);
  const auto target = std::string("/api/v1/units/") + street + "/events";
  auto sse = listen(target, liaison);
  const auto t = submit("push-2");
  const std::string no = t["ticket_no"];
  auto seen = next_for(*sse, no, std::chrono::seconds(2));
  ASSERT_TRUE(seen);
  sse->close();
  // Three steps while the client is away.
  ASSERT_EQ(http.post("/api/v1/tickets/" + no + "/accept", "{}", liaison).status, 200);
  ASSERT_EQ(
      http.post("/api/v1/tickets/" + no + "/reply", json{{"text", "已协调停工"}}.dump(), liaison)
          .status,
      200);
  ASSERT_EQ(http.post("/api/v1/tickets/" + no + "/callback",
                      json{{"satisfaction", "satisfied"}, {"resolved", true}}.dump(),
                      token("supervisor"))
                .status,
            200);
  auto again = listen(target, liaison, seen->id);
  std::vector<std::string> steps;
  std::string last = seen->id;
  for (const auto& e : again->drain(std::chrono::milliseconds(700))) {
    EXPECT_NE(e.id, seen->id) << "nothing already seen comes again";
    EXPECT_GT(e.id.size(), 0u);
    last = e.id;
    if (json::parse(e.data)["ticket_no"] == no)
      steps.push_back(e.event);
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"accepted", "replied", "callback", "closed"}));
  // And live again: the next ticket arrives once, after the replay.
  const auto t2 = submit("push-3");
  auto live = next_for(*again, t2["ticket_no"], std::chrono::seconds(2));
  ASSERT_TRUE(live);
  EXPECT_TRUE(*redis::stream_id::parse(last) < *redis::stream_id::parse(live->id));
  // A malformed Last-Event-ID is refused before any stream opens.
  sse_client bad("127.0.0.1", service->port(), target, liaison, "yesterday");
  EXPECT_EQ(bad.status(), 400);
}

TEST_F(push, TheDistrictSeesTheSupervisionOfItsTownshipsLateTicket_M_SV_1) {
  auto district_sse
      = listen(std::string("/api/v1/units/") + district + "/events", token("liaison", district));
  auto office_sse = listen("/api/v1/office/events", token("supervisor"));
  const auto t = submit("push-late");
  const std::string no = t["ticket_no"];
  const std::string deadline = t["deadline"];
  // The deadline passes (test clock): 催办 for the street, 督办 for all.
  auto moved = http.post("/api/v1/test/clock", json{{"now", deadline}}.dump(), token("supervisor"));
  ASSERT_EQ(moved.status, 200) << moved.body;
  auto e = next_for(*district_sse, no, std::chrono::seconds(2));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "supervision") << "a reminder is the street's alone";
  const auto d = json::parse(e->data);
  EXPECT_EQ(d["rule"], "M-SV-1");
  EXPECT_EQ(d["level"], "supervision");
  auto o = next_for(*office_sse, no, std::chrono::seconds(2));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->event, "supervision");
  // The district's worklist and overview show it.
  auto box = body_of(http.get(std::string("/api/v1/units/") + district + "/inbox?status=supervised",
                              token("liaison", district)));
  bool listed = false;
  for (const auto& item : box["tickets"])
    listed |= item["ticket_no"] == no && item["role"] == "supervising";
  EXPECT_TRUE(listed) << box.dump();
  auto overview = body_of(
      http.get(std::string("/api/v1/units/") + district + "/overview", token("liaison", district)));
  bool street_counted = false;
  for (const auto& s : overview["subordinates"])
    if (s["unit_id"] == street) {
      EXPECT_GE(s["overdue"].get<int>(), 1);
      EXPECT_GE(s["supervised"].get<int>(), 1);
      street_counted = true;
    }
  EXPECT_TRUE(street_counted) << overview.dump();
  // Idle streams get heartbeats (every second in this suite).
  district_sse->drain(std::chrono::milliseconds(1500));
  EXPECT_FALSE(district_sse->comments().empty());
}

TEST_F(push, WorklistAndOverviewReadsDoNotGrowWithTheTickets) {
  const auto liaison = token("liaison", street);
  const auto inbox = std::string("/api/v1/units/") + street + "/inbox";
  // The actors load their worklists once, on first use.
  ASSERT_EQ(http.get(inbox, liaison).status, 200);
  ASSERT_EQ(
      http.get(std::string("/api/v1/units/") + district + "/overview", token("liaison", district))
          .status,
      200);
  for (int i = 0; i < 30; ++i)
    submit("push-many-" + std::to_string(i));
  const auto before = ticket_and_worklist_reads();
  auto page = body_of(http.get(inbox + "?limit=10", liaison));
  auto overview = http.get(std::string("/api/v1/units/") + district + "/overview",
                           token("liaison", district));
  EXPECT_EQ(ticket_and_worklist_reads() - before, 0)
      << "served from the unit actors' projections, not read ticket by ticket";
  EXPECT_EQ(overview.status, 200);
  EXPECT_EQ(page["tickets"].size(), 10u);
  EXPECT_GE(page["counts"]["open"].get<int>(), 30);
  ASSERT_TRUE(page["next_cursor"].is_string());
  auto next = body_of(
      http.get(inbox + "?limit=10&cursor=" + page["next_cursor"].get<std::string>(), liaison));
  EXPECT_NE(next["tickets"][0]["ticket_no"], page["tickets"][0]["ticket_no"]);
  expect_error(http.get(inbox + "?status=lost", liaison), 422, "invalid_field", "status");
  expect_error(http.get(inbox + "?cursor=x", liaison), 422, "invalid_field", "cursor");
  expect_error(http.get(inbox + "?limit=0", liaison), 422, "invalid_field", "limit");
}

// More than the server lets a stream queue (1 MiB) while the client was
// away: all of it is replayed, in batches (which wait whenever the client
// has not taken 256 KiB; a fast client on loopback rarely makes them).
TEST_F(push, ALongAbsenceIsReplayedInFull) {
  const auto liaison = token("liaison", street);
  const auto target = std::string("/api/v1/units/") + street + "/events";
  auto sse = listen(target, liaison);
  const auto first = submit("absence-0");
  auto mark = next_for(*sse, first["ticket_no"], std::chrono::seconds(2));
  ASSERT_TRUE(mark);
  sse->close();
  std::set<std::string> missed;
  const auto operator_ = token("operator");
  for (int i = 1; i <= 2000; ++i) {
    auto d = yuzhong_demand("absence-" + std::to_string(i));
    d["caller"]["phone"] = std::to_string(13900000000LL + i); // no repeats (M-S-2)
    auto r = http.post("/api/v1/demands", d.dump(), operator_);
    ASSERT_EQ(r.status, 201) << r.body;
    missed.insert(body_of(r)["ticket_no"].get<std::string>());
  }
  auto again = listen(target, liaison, mark->id);
  std::set<std::string> heard;
  std::size_t bytes = 0;
  for (const auto& e : again->drain(std::chrono::seconds(2))) {
    bytes += e.data.size();
    if (e.event == "dispatched")
      heard.insert(json::parse(e.data)["ticket_no"].get<std::string>());
  }
  EXPECT_GT(bytes, std::size_t(1) << 20) << "the replay is larger than the stream's buffer";
  EXPECT_EQ(heard, missed);
}

TEST_F(push, AUnitHearsOnlyItsOwnEvents_M_D_3) {
  sse_client other("127.0.0.1", service->port(), std::string("/api/v1/units/") + street + "/events",
                   token("liaison", "500103001"));
  EXPECT_EQ(other.status(), 403);
  sse_client anonymous("127.0.0.1", service->port(), "/api/v1/office/events", "");
  EXPECT_EQ(anonymous.status(), 401);
}
