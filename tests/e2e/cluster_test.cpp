// Several hotlined nodes on one Redis (issue 4), over real HTTP: partitions
// spread over the nodes, any node answers any request, a dead node's
// partitions move, and retried commands apply once. The fault tests
// (tests/fault/run.sh) do the same under load, with kills and pauses.
#include <csignal>
#include <future>
#include <thread>

#include "tests/e2e/e2e.hpp"

using namespace hotline::test;

namespace {

constexpr int lease_ms = 1000;

struct cluster : ::testing::Test {
  static inline std::unique_ptr<redis_server> redis;
  static inline std::unique_ptr<temp_dir> data;
  static void SetUpTestSuite() {
    redis = std::make_unique<redis_server>();
    data = std::make_unique<temp_dir>("hotline-cluster");
  }
  static void TearDownTestSuite() {
    redis.reset();
    data.reset();
  }
  void SetUp() override { redis->flush(); }

  std::unique_ptr<service_process> start(const std::string& id,
                                         std::vector<std::string> extra = {}) {
    std::vector<std::string> flags{"--redis", redis->where().url(), "--node-id", id};
    if (std::find(extra.begin(), extra.end(), "--lease-ms") == extra.end())
      flags.insert(flags.end(), {"--lease-ms", std::to_string(lease_ms)});
    flags.insert(flags.end(), extra.begin(), extra.end());
    return std::make_unique<service_process>(data->path(), flags);
  }

  static json view(std::uint16_t port) {
    http_client http{"127.0.0.1", port};
    auto r = http.get("/api/v1/cluster");
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }

  // Partitions per live node as `port` sees them, once every partition is
  // owned and the counts equal `want` (by node id); false if not within
  // `limit` (the protocol runs on Redis's clock, so this waits for events
  // with a bound, it does not sleep for a deadline).
  static bool settles(std::uint16_t port, const std::map<std::string, int>& want,
                      std::chrono::seconds limit = std::chrono::seconds(20)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      auto v = view(port);
      std::map<std::string, int> have;
      for (const auto& n : v["nodes"])
        if (n["partition_count"].get<int>() > 0)
          have[n["node_id"]] = n["partition_count"];
      if (v["unowned"].empty() && have == want)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
};

} // namespace

TEST_F(cluster, ANodeThatJoinsGetsItsFairShareAndAnyNodeAnswersAnyRequest) {
  auto n1 = start("n1");
  EXPECT_TRUE(settles(n1->port(), {{"n1", 256}})) << "alone, it owns every partition";
  auto n2 = start("n2");
  ASSERT_TRUE(settles(n1->port(), {{"n1", 128}, {"n2", 128}})) << view(n1->port()).dump(2);
  auto v = view(n2->port());
  EXPECT_EQ(v["node_id"], "n2");
  EXPECT_EQ(v["partitions"], 256);
  for (const auto& n : v["nodes"]) {
    EXPECT_EQ(n["status"], "alive");
    EXPECT_LT(n["lease_age_ms_max"].get<int>(), lease_ms);
  }

  // Twenty demands, each through either node: about half of them belong to
  // a partition the other node owns and are forwarded to it.
  http_client h1{"127.0.0.1", n1->port()}, h2{"127.0.0.1", n2->port()};
  std::vector<std::string> numbers;
  for (int i = 0; i < 20; ++i) {
    auto& http = i % 2 ? h2 : h1;
    auto r = http.post("/api/v1/demands", yuzhong_demand("cluster-" + std::to_string(i)).dump());
    ASSERT_EQ(r.status, 201) << r.body;
    numbers.push_back(body_of(r)["ticket_no"]);
  }
  EXPECT_EQ(ticket_count(redis->where()), 20);
  const auto unit = unit_token(*data, "500103003");
  // Each ticket accepted through the node that did not register it, with an
  // Idempotency-Key; the retry through the other node applies nothing more.
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    auto& http = i % 2 ? h1 : h2;
    auto& other = i % 2 ? h2 : h1;
    const std::vector<std::pair<std::string, std::string>> key{
        {"Idempotency-Key", "accept-" + numbers[i]}};
    auto r = http.request("POST", "/api/v1/tickets/" + numbers[i] + "/accept", "{}", unit,
                          "application/json", key);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body_of(r)["status"], "accepted");
    auto again = other.request("POST", "/api/v1/tickets/" + numbers[i] + "/accept", "{}", unit,
                               "application/json", key);
    EXPECT_EQ(again.status, 200) << again.body;
    auto steps = body_of(h1.get("/api/v1/tickets/" + numbers[i] + "/timeline", unit))["steps"];
    EXPECT_EQ(std::count_if(steps.begin(), steps.end(),
                            [](const json& s) { return s["type"] == "accepted"; }),
              1);
  }
  // Both nodes forwarded, both served forwarded requests.
  for (auto* http : {&h1, &h2}) {
    auto metrics = http->get("/metrics").body;
    EXPECT_EQ(metrics.find("hotline_forwarded_total 0\n"), std::string::npos) << metrics;
    EXPECT_EQ(metrics.find("hotline_forwarded_served_total 0\n"), std::string::npos);
  }
}

TEST_F(cluster, ADeadNodesPartitionsMoveAndItsTicketsStayWritable) {
  auto n1 = start("n1");
  auto n2 = start("n2");
  ASSERT_TRUE(settles(n1->port(), {{"n1", 128}, {"n2", 128}}));
  http_client h1{"127.0.0.1", n1->port()};
  // Demands until one lands in a partition of n2's.
  std::string theirs;
  for (int i = 0; i < 64 && theirs.empty(); ++i) {
    auto r = h1.post("/api/v1/demands", yuzhong_demand("dead-" + std::to_string(i)).dump());
    ASSERT_EQ(r.status, 201) << r.body;
    const std::string no = body_of(r)["ticket_no"];
    const auto p = (std::stoull(no.substr(9)) - 1) % 256;
    const auto v = view(n1->port());
    for (const auto& n : v["nodes"])
      if (n["node_id"] == "n2")
        for (const auto& q : n["partitions"])
          if (q == p)
            theirs = no;
  }
  ASSERT_FALSE(theirs.empty());
  n2->stop(SIGKILL);
  ASSERT_TRUE(settles(n1->port(), {{"n1", 256}})) << view(n1->port()).dump(2);
  const auto after = view(n1->port());
  for (const auto& n : after["nodes"]) {
    if (n["node_id"] == "n2") {
      EXPECT_EQ(n["status"], "dead");
    }
  }
  const auto unit = unit_token(*data, "500103003");
  auto r = h1.post("/api/v1/tickets/" + theirs + "/accept", "{}", unit);
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(cluster, ANodeWithAnotherPartitionCountIsRefused) {
  auto n1 = start("n1");
  EXPECT_THROW(service_process(data->path(), {"--redis", redis->where().url(), "--node-id", "n2",
                                              "--partitions", "64"}),
               std::runtime_error);
  EXPECT_TRUE(settles(n1->port(), {{"n1", 256}})) << "the first one is untouched";
}

// Issue 5, surge: beyond --max-inflight a request is refused at once with
// 503 and Retry-After, and what was accepted completes.
TEST_F(cluster, BeyondItsCapacityANodeShedsRequestsAtOnceWithRetryAfter) {
  auto n1 = start("n1", {"--max-inflight", "1", "--lease-ms", "5000"});
  ASSERT_TRUE(settles(n1->port(), {{"n1", 256}}));
  http_client probe{"127.0.0.1", n1->port()};
  auto inflight = [&] {
    auto m = probe.get("/metrics").body;
    auto at = m.find("\nhotline_inflight ");
    return at == std::string::npos ? -1 : std::stoi(m.substr(at + 18));
  };
  // Redis holds every command for a moment: the first intake waits there.
  hotline::redis::connection admin(redis->where());
  admin.command({"CLIENT", "PAUSE", "1500", "ALL"});
  auto first = std::async(std::launch::async, [&] {
    http_client http{"127.0.0.1", n1->port()};
    return http.post("/api/v1/demands", yuzhong_demand("surge-1").dump());
  });
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (inflight() != 1 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(inflight(), 1);
  http_client second{"127.0.0.1", n1->port()};
  const auto t0 = std::chrono::steady_clock::now();
  auto shed = second.post("/api/v1/demands", yuzhong_demand("surge-2").dump());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500))
      << "refused at once, not queued behind the first";
  expect_error(shed, 503, "overloaded", nullptr);
  EXPECT_EQ(shed.headers["retry-after"], "1");
  EXPECT_EQ(first.get().status, 201) << "the accepted one completes";
  EXPECT_EQ(second.post("/api/v1/demands", yuzhong_demand("surge-2").dump()).status, 201)
      << "and the node takes work again at once";
  EXPECT_NE(probe.get("/metrics").body.find("hotline_shed_total 1\n"), std::string::npos);
}
