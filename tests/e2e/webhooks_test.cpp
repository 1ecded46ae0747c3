// Webhooks (issue 10, item 4) against the real hotlined: subscriptions
// validated with the one error format, then a receiver run by the test
// that checks every signature, fails 30 % of the tries and answers 500 for
// a while, and ends with every event of the feed exactly once after a
// replay of what was parked. Waits are bounded polls.
#include <csignal>
#include <mutex>
#include <random>
#include <thread>

#include "adapters/cluster/partitioning.hpp"
#include "adapters/redis/feed.hpp"
#include "tests/e2e/e2e.hpp"
#include "tests/support/webhook_receiver.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

constexpr const char* secret = "e2e-webhook-secret-0123456789abcdef";

struct webhook_flags {
  static constexpr const char* tag = "hotline-webhooks";
  static std::vector<std::string> extra() {
    return {"--webhook-backoff-ms", "10",  "--webhook-max-attempts", "6",
            "--webhook-timeout-ms", "2000"};
  }
};

struct webhooks_e2e : service_suite<webhook_flags> {
  static redis::endpoint redis_of_service() {
    redis::endpoint ep;
    ep.socket_path = (data->path() / "redis" / "redis.sock").string();
    return ep;
  }
  // Per test: a --gtest_repeat starts a new service with new keys.
  const std::string sup = role_token(*data, "supervisor");
  const std::string& supervisor() const { return sup; }
  json create(const json& body, int status = 201) {
    auto r = http.post("/api/v1/webhooks", body.dump(), supervisor());
    EXPECT_EQ(r.status, status) << r.body;
    return body_of(r);
  }
  json subscription(const std::string& id) {
    auto r = http.get("/api/v1/webhooks/" + id, supervisor());
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }
};

/// The feed entries after `cursor`, as hotlined's Redis holds them.
std::vector<redis::push_entry> feed_after(const redis::endpoint& ep, const std::string& cursor) {
  redis::connection c(ep);
  auto r = c.command({"XRANGE", "hl:push:feed", "(" + cursor, "+"});
  redis::check(r.get(), "XRANGE");
  auto entries = redis::parse_entries(r.get());
  redis::fill_data(c, "hl", entries);
  return entries;
}

bool before(const std::string& a, const std::string& b) {
  return *redis::stream_id::parse(a) < *redis::stream_id::parse(b);
}

} // namespace

TEST_F(webhooks_e2e, SubscriptionsAreValidatedAndBadInputChangesNothing) {
  const json good{{"url", "http://127.0.0.1:9/hook"}, {"secret", secret}};
  auto as_operator = http.post("/api/v1/webhooks", good.dump(), role_token(*data, "operator"));
  expect_error(as_operator, 403, "forbidden", "role");
  expect_error(http.post("/api/v1/webhooks", good.dump()), 401, "unauthorized", "authorization");
  expect_error(http.post("/api/v1/webhooks", "{}", supervisor()), 400, "missing_field", "url");
  auto with = [&](const std::string& key, const json& value) {
    auto b = good;
    b[key] = value;
    return http.post("/api/v1/webhooks", b.dump(), supervisor());
  };
  expect_error(with("url", "ftp://127.0.0.1/hook"), 422, "invalid_field", "url");
  expect_error(with("url", "/hook"), 422, "invalid_field", "url");
  expect_error(with("url", "http://user:pw@127.0.0.1/hook"), 422, "invalid_field", "url");
  expect_error(with("secret", "too-short"), 422, "invalid_field", "secret");
  expect_error(with("secret", 1234567890123456789), 422, "invalid_field", "secret");
  expect_error(with("events", json{"dispatched", "teleported"}), 422, "invalid_field", "events[1]");
  expect_error(with("events", "dispatched"), 422, "invalid_field", "events");
  expect_error(with("units", json{"500103003", "nowhere"}), 422, "invalid_field", "units[1]");
  expect_error(with("event", json::array()), 422, "invalid_field", "event");
  expect_error(http.request("POST", "/api/v1/webhooks", good.dump(), supervisor(), "text/plain"),
               415, "unsupported_media_type", "Content-Type");
  auto list = http.get("/api/v1/webhooks", supervisor());
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(body_of(list)["webhooks"], json::array()) << "nothing was created";

  for (const std::string id : {"wh_0000000000000000", "nothing", "WH_0000000000000000"}) {
    expect_error(http.get("/api/v1/webhooks/" + id, supervisor()), 404, "not_found", "webhook_id");
    expect_error(http.request("DELETE", "/api/v1/webhooks/" + id, "", supervisor()), 404,
                 "not_found", "webhook_id");
    expect_error(http.get("/api/v1/webhooks/" + id + "/dead-letters", supervisor()), 404,
                 "not_found", "webhook_id");
    expect_error(http.post("/api/v1/webhooks/" + id + "/dead-letters/replay", "{}", supervisor()),
                 404, "not_found", "webhook_id");
  }

  // An admin may too; the answer never shows the secret.
  auto made = http.post("/api/v1/webhooks",
                        json{{"url", "https://hooks.example.gov.cn/12345"},
                             {"secret", secret},
                             {"events", {"supervision", "public_notice"}},
                             {"units", {"500103003"}}}
                            .dump(),
                        role_token(*data, "admin"));
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.body.find(secret), std::string::npos);
  const std::string id = body_of(made)["id"];
  auto one = subscription(id);
  EXPECT_EQ(one["url"], "https://hooks.example.gov.cn/12345");
  EXPECT_EQ(one["events"], json({"supervision", "public_notice"}));
  EXPECT_EQ(one["units"], json({"500103003"}));
  EXPECT_EQ(one["created_by"], "token");
  EXPECT_FALSE(one.contains("secret"));
  list = http.get("/api/v1/webhooks", supervisor());
  EXPECT_EQ(body_of(list)["webhooks"].size(), 1u);
  EXPECT_EQ(list.body.find(secret), std::string::npos);
  expect_error(http.post("/api/v1/webhooks/" + id + "/dead-letters/replay",
                         json{{"ids", {"1-0"}}}.dump(), supervisor()),
               422, "invalid_field", "ids[0]");
  expect_error(http.post("/api/v1/webhooks/" + id + "/dead-letters/replay",
                         json{{"ids", {"latest"}}}.dump(), supervisor()),
               422, "invalid_field", "ids[0]");
  EXPECT_EQ(http.request("DELETE", "/api/v1/webhooks/" + id, "", supervisor()).status, 204);
  expect_error(http.request("DELETE", "/api/v1/webhooks/" + id, "", supervisor()), 404, "not_found",
               "webhook_id");
}

TEST_F(webhooks_e2e, AReceiverGetsEveryStepOnceSignedThroughFailuresAndA500Period) {
  webhook_receiver receiver{secret};
  std::mt19937 rng(12345);
  receiver.answer_with([&rng](std::size_t n, const webhook_try&) {
    if (n >= 5 && n < 15)
      return 500; // down for ten tries: the event in flight is parked
    return std::uniform_int_distribution<int>(0, 9)(rng) < 3 ? 500 : 200;
  });
  auto made = create({{"url", receiver.url()}, {"secret", secret}});
  const std::string id = made["id"];
  const std::string start = made["cursor"];

  std::vector<json> tickets;
  for (int i = 0; i < 12; ++i) {
    auto r = http.post("/api/v1/demands", yuzhong_demand("wh-e2e-" + std::to_string(i)).dump());
    ASSERT_EQ(r.status, 201) << r.body;
    tickets.push_back(body_of(r));
  }
  const auto ep = redis_of_service();
  // Every intake is a `dispatched` notice, written with its events.
  const auto entries = feed_after(ep, start);
  ASSERT_FALSE(entries.empty());
  // (The office's early warnings, issue 14, may join the feed meanwhile:
  // no ticket step, so not for this subscription.)
  std::set<std::string> expected;
  for (const auto& e : entries)
    if (e.step != "warning")
      expected.insert(e.id);
  for (const auto& t : tickets) {
    const auto dispatched = std::count_if(entries.begin(), entries.end(), [&](const auto& e) {
      return e.step == "dispatched" && json::parse(e.data)["ticket_no"] == t["ticket_no"];
    });
    EXPECT_EQ(dispatched, 1) << t["ticket_no"];
  }

  // The feed is worked through: delivered, or parked after six tries.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  // Worked through: the cursor at the last entry, or past it when a
  // later entry the subscription does not want was skipped.
  auto behind = [&] {
    return redis::stream_before(subscription(id)["cursor"].get<std::string>(), entries.back().id);
  };
  while (behind() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_FALSE(behind()) << subscription(id).dump();
  auto dead = body_of(http.get("/api/v1/webhooks/" + id + "/dead-letters", supervisor()));
  ASSERT_GE(dead["dead_letters"].size(), 1u) << dead.dump();
  std::vector<std::string> parked;
  for (const auto& d : dead["dead_letters"]) {
    parked.push_back(d["id"]);
    EXPECT_EQ(d["attempts"], 6);
    EXPECT_EQ(d["last_error"], "HTTP 500");
    EXPECT_EQ(d["data"]["id"], d["id"]);
    EXPECT_TRUE(expected.count(d["id"]));
  }
  auto replay = http.post("/api/v1/webhooks/" + id + "/dead-letters/replay", "", supervisor());
  ASSERT_EQ(replay.status, 202) << replay.body;
  EXPECT_EQ(body_of(replay)["queued"], json(parked));

  ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return r.accepted_once() == expected; }))
      << receiver.accepted().size() << " of " << expected.size();
  EXPECT_EQ(receiver.accepted().size(), expected.size()) << "each event once";
  // In feed order, but for what was replayed at the end.
  std::string last = "0-0";
  for (const auto& got : receiver.accepted()) {
    if (std::find(parked.begin(), parked.end(), got) != parked.end())
      continue;
    EXPECT_TRUE(before(last, got)) << got << " after " << last;
    last = got;
  }
  for (const auto& t : receiver.tries()) {
    EXPECT_TRUE(t.signature_ok) << t.id << " " << t.signature;
    EXPECT_EQ(t.content_type, "application/json");
    const auto body = json::parse(t.body);
    EXPECT_EQ(body["id"], t.id);
    for (const char* field : {"ticket_no", "status", "at", "rule"})
      EXPECT_TRUE(body.contains(field)) << field << " in " << t.body;
    const auto e
        = std::find_if(entries.begin(), entries.end(), [&](const auto& x) { return x.id == t.id; });
    ASSERT_NE(e, entries.end());
    EXPECT_EQ(t.event, e->step);
    EXPECT_EQ(body.dump(), json::parse(redis::with_id(e->data, e->id)).dump());
    EXPECT_EQ(t.body.find("张三丰"), std::string::npos) << "no caller data";
  }
  EXPECT_TRUE(
      body_of(http.get("/api/v1/webhooks/" + id + "/dead-letters", supervisor()))["dead_letters"]
          .empty());
  const auto metrics = http.get("/metrics", supervisor()).body;
  EXPECT_NE(metrics.find("hotline_webhook_deliveries_total{outcome=\"parked\"} "
                         + std::to_string(parked.size())),
            std::string::npos)
      << metrics;

  // Nothing in Redis holds the secret in clear.
  redis::connection c(ep);
  auto keys = c.command({"KEYS", "hl:wh:*"});
  for (std::size_t i = 0; i < keys->elements; ++i) {
    const auto key = redis::reply_string(keys->element[i]);
    auto type = c.command({"TYPE", key});
    if (redis::reply_string(type.get()) != "hash")
      continue;
    auto all = c.command({"HGETALL", key});
    for (std::size_t j = 0; j < all->elements; ++j)
      EXPECT_EQ(redis::reply_string(all->element[j]).find(secret), std::string::npos) << key;
  }
  EXPECT_EQ(http.request("DELETE", "/api/v1/webhooks/" + id, "", supervisor()).status, 204);
}

namespace {

/// Two hotlined nodes on one Redis (issue 4) delivering webhooks.
struct webhooks_cluster : ::testing::Test {
  static inline std::unique_ptr<redis_server> redis;
  static inline std::unique_ptr<temp_dir> data;
  static void SetUpTestSuite() {
    redis = std::make_unique<redis_server>();
    data = std::make_unique<temp_dir>("hotline-webhooks-cluster");
  }
  static void TearDownTestSuite() {
    redis.reset();
    data.reset();
  }
  std::unique_ptr<service_process> start(const std::string& id) {
    return std::make_unique<service_process>(
        data->path(), std::vector<std::string>{"--redis", redis->where().url(), "--node-id", id,
                                               "--lease-ms", "1000", "--webhook-backoff-ms", "10",
                                               "--webhook-timeout-ms", "30000"});
  }
  static inline std::string sup;
  static const std::string& supervisor() { return sup; }
  void SetUp() override { sup = role_token(*data, "supervisor"); }
  /// The node holding partition `p` as `port` sees it, once the
  /// partitions are shared evenly by `nodes` live nodes ("" if not so within
  /// 20 s: a bounded wait on the lease protocol, not a sleep for a deadline).
  static std::string owner_of(std::uint16_t port, cluster::partition_id p, std::size_t nodes) {
    http_client http{"127.0.0.1", port};
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      auto v = body_of(http.get("/api/v1/cluster", supervisor()));
      std::size_t holding = 0;
      std::string owner;
      for (const auto& n : v["nodes"]) {
        // Settled: every live node holds its fair share, so p stays put.
        if (n["partition_count"].get<std::size_t>() == cluster::default_partitions / nodes)
          ++holding;
        for (const auto& q : n["partitions"])
          if (q == p)
            owner = n["node_id"];
      }
      if (v["unowned"].empty() && holding == nodes && !owner.empty())
        return owner;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "";
  }
};

} // namespace

// Issue 10, done when: "the same across kill -9 of the node that owns the
// partition in a two-node cluster". The owner is killed while a delivery
// is in flight (the receiver holds its answer); the other node takes the
// partition over and goes on from the durable cursor: every event arrives,
// and only the one in flight twice, with the same id.
TEST_F(webhooks_cluster, AfterAKill9OfTheOwnerTheOtherNodeGoesOnAndEveryEventArrivesOnce) {
  constexpr const char* key = "cluster-webhook-secret-0123456789";
  std::map<std::string, std::unique_ptr<service_process>> nodes;
  nodes["n1"] = start("n1");
  nodes["n2"] = start("n2");
  http_client h1{"127.0.0.1", nodes["n1"]->port()};
  webhook_receiver receiver{key};
  std::mutex m;
  std::string hold; // the event whose first try gets no answer
  receiver.answer_with([&](std::size_t, const webhook_try& t) {
    std::lock_guard<std::mutex> lock(m);
    if (t.id == hold) {
      hold.clear();
      return 0;
    }
    return 200;
  });
  auto made = h1.post("/api/v1/webhooks", json{{"url", receiver.url()}, {"secret", key}}.dump(),
                      supervisor());
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = body_of(made)["id"];
  const auto p = cluster::partition_of_key(id, cluster::default_partitions);
  const auto owner = owner_of(nodes["n1"]->port(), p, 2);
  ASSERT_FALSE(owner.empty());
  const std::string other = owner == "n1" ? "n2" : "n1";

  redis::connection c(redis->where());
  auto add = [&](int i) {
    // A day no real ticket of this test can have: real numbers carry
    // today's Shanghai date, and 20261201-000003 once was both.
    const json d{{"ticket_no", "19990101-00000" + std::to_string(i % 3 + 1)},
                 {"status", "dispatched"},
                 {"at", "2026-12-01T09:00:00+08:00"},
                 {"rule", "M-C-2"},
                 {"event", "dispatched"}};
    auto r = c.command(
        {"XADD", "hl:push:feed", "*", "e", "dispatched", "u", "500103003", "d", d.dump(), "s", ""});
    redis::check(r.get(), "XADD");
    return redis::reply_string(r.get());
  };
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(add(i));
  {
    std::lock_guard<std::mutex> lock(m);
    hold = add(5);
    ids.push_back(hold);
  }
  for (int i = 6; i < 10; ++i)
    ids.push_back(add(i));
  ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return r.tries().size() == 6; }))
      << receiver.tries().size();
  EXPECT_EQ(receiver.accepted(), std::vector<std::string>(ids.begin(), ids.begin() + 5));

  nodes[owner]->stop(SIGKILL);
  EXPECT_EQ(owner_of(nodes[other]->port(), p, 1), other);
  ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return r.accepted_once().size() == 10; }))
      << receiver.accepted().size();
  EXPECT_EQ(receiver.accepted(), ids) << "each once, in order";
  const auto tries = receiver.tries();
  EXPECT_EQ(tries.size(), 11u);
  EXPECT_EQ(
      std::count_if(tries.begin(), tries.end(), [&](const auto& t) { return t.id == ids[5]; }), 2)
      << "only the event in flight is sent again, with its id";
  for (const auto& t : tries)
    EXPECT_TRUE(t.signature_ok) << t.id;
  // Real steps through the survivor: each ticket's `dispatched` once.
  http_client survivor{"127.0.0.1", nodes[other]->port()};
  std::set<std::string> numbers;
  for (int i = 0; i < 5; ++i) {
    auto r = survivor.post("/api/v1/demands",
                           yuzhong_demand("wh-cluster-" + std::to_string(i)).dump());
    ASSERT_EQ(r.status, 201) << r.body;
    numbers.insert(body_of(r)["ticket_no"].get<std::string>());
  }
  ASSERT_TRUE(receiver.wait_for([&](const auto& r) { return r.accepted_once().size() == 15; }))
      << receiver.accepted().size();
  std::map<std::string, int> dispatched;
  for (const auto& t : receiver.tries())
    if (t.event == "dispatched" && t.status == 200)
      ++dispatched[json::parse(t.body)["ticket_no"].get<std::string>()];
  for (const auto& no : numbers)
    EXPECT_EQ(dispatched[no], 1) << no;
}
