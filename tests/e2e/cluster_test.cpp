// Several hotlined nodes on one Redis (issue 4), over real HTTP: partitions
// spread over the nodes, any node answers any request, a dead node's
// partitions move, and retried commands apply once. The fault tests
// (tests/fault/run.sh) do the same under load, with kills and pauses.
#include <csignal>
#include <fstream>
#include <functional>
#include <future>
#include <set>
#include <thread>

#include "tests/e2e/e2e.hpp"
#include "tests/support/sse_client.hpp"

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

  // The cluster view and metrics need a role (issue 9): a supervisor's.
  static const std::string& supervisor() {
    static const std::string token = office_token(*data);
    return token;
  }

  static json view(std::uint16_t port) {
    http_client http{"127.0.0.1", port};
    auto r = http.get("/api/v1/cluster", supervisor());
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
    auto metrics = http->get("/metrics", supervisor()).body;
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

// Issue 10: a unit's client on one node hears every step, written by
// either node, exactly once; the writer's death (kill -9) loses nothing,
// and a reconnect with Last-Event-ID to the survivor replays what was
// missed.
TEST_F(cluster, EventsReachAClientOnAnyNodeAcrossTheWritersDeath) {
  auto n1 = start("n1");
  auto n2 = start("n2");
  ASSERT_TRUE(settles(n1->port(), {{"n1", 128}, {"n2", 128}}));
  const auto liaison = role_token(*data, "liaison", "500103003");
  const std::string target = "/api/v1/units/500103003/events";
  auto sse = std::make_unique<sse_client>("127.0.0.1", n2->port(), target, liaison);
  ASSERT_EQ(sse->status(), 200);
  http_client h1{"127.0.0.1", n1->port()};
  std::set<std::string> numbers;
  for (int i = 0; i < 10; ++i) {
    auto r = h1.post("/api/v1/demands", yuzhong_demand("push-" + std::to_string(i)).dump());
    ASSERT_EQ(r.status, 201) << r.body;
    numbers.insert(body_of(r)["ticket_no"].get<std::string>());
  }
  std::map<std::string, int> dispatched; // ticket → dispatched events heard
  std::string last;
  auto hear = [&](sse_client& c, std::size_t want) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (dispatched.size() < want && std::chrono::steady_clock::now() < until)
      if (auto e = c.next(std::chrono::milliseconds(200))) {
        last = e->id;
        if (e->event == "dispatched")
          ++dispatched[json::parse(e->data)["ticket_no"].get<std::string>()];
      }
  };
  hear(*sse, 10);
  ASSERT_EQ(dispatched.size(), 10u);
  // The street's worklist on n2 holds them all, those n1 wrote too (its
  // unit actor follows the feed), within the feed's delay.
  {
    http_client h2{"127.0.0.1", n2->port()};
    // The first read loads the unit actor; later steps reach it by the feed.
    ASSERT_EQ(h2.get("/api/v1/units/500103003/inbox", liaison).status, 200);
    for (int i = 10; i < 15; ++i) {
      auto r = h1.post("/api/v1/demands", yuzhong_demand("push-" + std::to_string(i)).dump());
      ASSERT_EQ(r.status, 201) << r.body;
      numbers.insert(body_of(r)["ticket_no"].get<std::string>());
    }
    std::set<std::string> listed;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (listed != numbers && std::chrono::steady_clock::now() < until) {
      listed.clear();
      const auto box = body_of(h2.get("/api/v1/units/500103003/inbox?limit=500", liaison));
      for (const auto& t : box["tickets"])
        listed.insert(t["ticket_no"].get<std::string>());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(listed, numbers);
  }
  hear(*sse, 15);
  ASSERT_EQ(dispatched.size(), 15u);
  sse->close();
  n1->stop(SIGKILL);
  ASSERT_TRUE(settles(n2->port(), {{"n2", 256}})) << view(n2->port()).dump(2);
  http_client h2{"127.0.0.1", n2->port()};
  for (int i = 15; i < 25; ++i) {
    auto r = h2.post("/api/v1/demands", yuzhong_demand("push-" + std::to_string(i)).dump());
    ASSERT_EQ(r.status, 201) << r.body;
    numbers.insert(body_of(r)["ticket_no"].get<std::string>());
  }
  // Back with the id of the last event heard: the ten missed, then live.
  sse = std::make_unique<sse_client>("127.0.0.1", n2->port(), target, liaison, last);
  ASSERT_EQ(sse->status(), 200);
  hear(*sse, 25);
  EXPECT_EQ(dispatched.size(), 25u);
  for (const auto& no : numbers)
    EXPECT_EQ(dispatched[no], 1) << no << " heard once";
  for (const auto& e : sse->drain(std::chrono::milliseconds(300)))
    EXPECT_NE(e.event, "dispatched") << "nothing more: " << e.data;
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
    auto m = probe.get("/metrics", supervisor()).body;
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
  EXPECT_NE(probe.get("/metrics", supervisor()).body.find("hotline_shed_total 1\n"),
            std::string::npos);
}

namespace {

// Every string value Redis holds, read back type by type (strings, lists,
// sets, hashes, sorted sets, streams), for the leak scan.
std::string every_value(hotline::redis::connection& c) {
  std::string all;
  std::string cursor = "0";
  do {
    auto page = c.command({"SCAN", cursor, "COUNT", "1000"});
    cursor = hotline::redis::reply_string(page->element[0]);
    for (std::size_t i = 0; i < page->element[1]->elements; ++i) {
      const auto key = hotline::redis::reply_string(page->element[1]->element[i]);
      all += key + "\n";
      const auto type = hotline::redis::reply_string(c.command({"TYPE", key}).get());
      hotline::redis::reply_ptr r;
      if (type == "string")
        r = c.command({"GET", key});
      else if (type == "list")
        r = c.command({"LRANGE", key, "0", "-1"});
      else if (type == "set")
        r = c.command({"SMEMBERS", key});
      else if (type == "hash")
        r = c.command({"HGETALL", key});
      else if (type == "zset")
        r = c.command({"ZRANGE", key, "0", "-1"});
      else if (type == "stream")
        r = c.command({"XRANGE", key, "-", "+"});
      std::function<void(const redisReply*)> walk = [&](const redisReply* x) {
        if (!x)
          return;
        if (x->type == REDIS_REPLY_STRING || x->type == REDIS_REPLY_STATUS)
          all += std::string(x->str, x->len) + "\n";
        for (std::size_t k = 0; x->type == REDIS_REPLY_ARRAY && k < x->elements; ++k)
          walk(x->element[k]);
      };
      walk(r.get());
    }
  } while (cursor != "0");
  return all;
}

std::string every_file_below(const std::filesystem::path& dir) {
  std::string all;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file())
      continue;
    std::ifstream in(f.path(), std::ios::binary);
    all += std::string(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

} // namespace

// Issue 9, M-D-3: after forwarded intakes, replies, a reveal and logins on
// two nodes, nothing in Redis — no key, no value, not the AOF — holds a
// caller's name or phone in clear, an extraction code, a bearer token or a
// password.
TEST_F(cluster, NoCallerDataCodeTokenOrPasswordIsKeptInClear_M_D_3) {
  auto n1 = start("n1");
  auto n2 = start("n2");
  ASSERT_TRUE(settles(n1->port(), {{"n1", 128}, {"n2", 128}}));
  const std::string password = "长城-correct-horse-7";
  auto add = run_cli_full({"user", "add", "--data-dir", data->path().string(), "--config",
                           chongqing_config().string(), "--redis", redis->where().url(),
                           "--username", "wang.li", "--unit", "office", "--role", "operator",
                           "--display-name", "王丽"},
                          password + "\n");
  ASSERT_EQ(add.exit_code, 0) << add.err;
  http_client h1{"127.0.0.1", n1->port()}, h2{"127.0.0.1", n2->port()};
  auto login
      = h2.post("/api/v1/session", json{{"username", "wang.li"}, {"password", password}}.dump());
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string session = body_of(login)["token"];
  const auto unit = unit_token(*data, "500103003");
  // An extraction code is six digits, which timestamps contain by chance:
  // what would show a leaked answer is its field name.
  std::vector<std::string> secrets{password, session, unit, supervisor(), "extraction_code"};
  int forwarded = 0;
  for (int i = 0; i < 12; ++i) {
    auto d = yuzhong_demand("leak-" + std::to_string(i));
    d["caller"] = {{"name", "欧阳秘密" + std::to_string(i)},
                   {"phone", "1391234" + std::to_string(5000 + i)}};
    secrets.push_back(d["caller"]["name"]);
    secrets.push_back(d["caller"]["phone"]);
    // Operators' intakes on one node, anonymous ones on the other: about
    // half land in a partition of the other node and are forwarded.
    auto r = i % 2 ? h1.post("/api/v1/demands", d.dump(), session)
                   : h2.post("/api/v1/demands", d.dump());
    ASSERT_EQ(r.status, 201) << r.body;
    const auto t = body_of(r);
    ASSERT_TRUE(t.contains("extraction_code"));
    const std::string no = t["ticket_no"];
    ASSERT_EQ(h1.post("/api/v1/tickets/" + no + "/accept", "{}", unit).status, 200);
    ASSERT_EQ(
        h2.post("/api/v1/tickets/" + no + "/reply", json{{"text", "已处理"}}.dump(), unit).status,
        200);
    auto shown = h1.post("/api/v1/tickets/" + no + "/caller-contact",
                         json{{"purpose", "callback"}}.dump(), session);
    ASSERT_EQ(shown.status, 200) << shown.body;
  }
  for (auto* http : {&h1, &h2}) {
    auto m = http->get("/metrics", supervisor()).body;
    auto at = m.find("\nhotline_forwarded_total ");
    forwarded += std::stoi(m.substr(at + 25));
  }
  EXPECT_GT(forwarded, 0) << "the scan must cover forwarded commands";
  // The AOF holds every command ever written, so also what was deleted.
  hotline::redis::connection c(redis->where());
  const auto values = every_value(c);
  const auto files = every_file_below(redis->dir());
  for (const auto& s : secrets) {
    EXPECT_EQ(values.find(s), std::string::npos) << "a key or value holds '" << s << "'";
    EXPECT_EQ(files.find(s), std::string::npos) << "a file of Redis holds '" << s << "'";
  }
}

// Issue 9: a disabled account's session is refused on every node within a
// second (the session cache holds a verified session for at most 0.5 s).
TEST_F(cluster, ADisabledAccountIsRefusedOnEveryNodeWithinOneSecond_M_U_1) {
  auto n1 = start("n1");
  auto n2 = start("n2");
  ASSERT_TRUE(settles(n1->port(), {{"n1", 128}, {"n2", 128}}));
  const std::string password = "another long passphrase";
  ASSERT_EQ(run_cli_full({"user", "add", "--data-dir", data->path().string(), "--config",
                          chongqing_config().string(), "--redis", redis->where().url(),
                          "--username", "zhao.min", "--unit", "office", "--role", "supervisor"},
                         password + "\n")
                .exit_code,
            0);
  ASSERT_EQ(run_cli_full({"user", "add", "--data-dir", data->path().string(), "--config",
                          chongqing_config().string(), "--redis", redis->where().url(),
                          "--username", "admin.one", "--unit", "office", "--role", "admin"},
                         password + "\n")
                .exit_code,
            0);
  http_client h1{"127.0.0.1", n1->port()}, h2{"127.0.0.1", n2->port()};
  auto login = [&](http_client& h, const std::string& user) {
    auto r = h.post("/api/v1/session", json{{"username", user}, {"password", password}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r)["token"].get<std::string>();
  };
  const auto token = login(h1, "zhao.min");
  const auto admin = login(h1, "admin.one");
  // Both nodes have verified (and cached) the session.
  ASSERT_EQ(h1.get("/api/v1/session", token).status, 200);
  ASSERT_EQ(h2.get("/api/v1/session", token).status, 200);
  auto off = h1.post("/api/v1/users/zhao.min/disable", "{}", admin);
  ASSERT_EQ(off.status, 200) << off.body;
  const auto disabled_at = std::chrono::steady_clock::now();
  std::map<http_client*, std::chrono::steady_clock::duration> refused_after;
  // Polls each node until it refuses (bounded at 5 s; the claim is 1 s).
  while (refused_after.size() < 2
         && std::chrono::steady_clock::now() - disabled_at < std::chrono::seconds(5)) {
    for (auto* h : {&h1, &h2})
      if (!refused_after.count(h) && h->get("/api/v1/session", token).status == 401)
        refused_after[h] = std::chrono::steady_clock::now() - disabled_at;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(refused_after.size(), 2u);
  for (const auto& [h, after] : refused_after)
    EXPECT_LT(after, std::chrono::seconds(1));
  // And it cannot sign in again.
  auto again
      = h2.post("/api/v1/session", json{{"username", "zhao.min"}, {"password", password}}.dump());
  expect_error(again, 401, "invalid_credentials", "password");
  // The admin's act is in the audit log.
  ASSERT_EQ(run_cli_full({"user", "add", "--data-dir", data->path().string(), "--config",
                          chongqing_config().string(), "--redis", redis->where().url(),
                          "--username", "audit.one", "--unit", "office", "--role", "auditor"},
                         password + "\n")
                .exit_code,
            0);
  auto log = body_of(h2.get("/api/v1/audit?user=admin.one", login(h2, "audit.one")));
  ASSERT_FALSE(log["entries"].empty()) << log.dump();
  EXPECT_EQ(log["entries"][0]["action"], "user_disable");
  EXPECT_EQ(log["entries"][0]["subject"], "zhao.min");
}

// Issue 12: an Open311 POST whose partition another node owns is forwarded
// like any intake; the client's report id finds the same ticket when the
// retry comes through the other node, and either node reads it.
TEST_F(cluster, Open311IntakesAreForwardedAndARetryThroughAnotherNodeFilesNothing_M_P_2) {
  auto n1 = start("n1");
  auto n2 = start("n2");
  ASSERT_TRUE(settles(n1->port(), {{"n1", 128}, {"n2", 128}})) << view(n1->port()).dump(2);
  const auto added
      = run_cli_full({"integrator", "add", "--redis", redis->where().url(), "--name", "yukuaiban"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const auto key = added.out.substr(std::string("api_key: ").size(), 68);
  http_client h1{"127.0.0.1", n1->port()}, h2{"127.0.0.1", n2->port()};
  auto form = [&](int i) {
    return "api_key=" + key + "&service_code=env.noise&attribute%5Bkind%5D=complaint"
           + "&attribute%5Bexternal_id%5D=ykb-" + std::to_string(i)
           + "&lat=29.558&long=106.5776&description=" + url_encode("夜间施工噪音")
           + "&first_name=" + url_encode("张三") + "&phone=1381234" + std::to_string(1000 + i);
  };
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    auto r = (i % 2 ? h2 : h1)
                 .request("POST", "/open311/v2/requests.json", form(i), "",
                          "application/x-www-form-urlencoded");
    ASSERT_EQ(r.status, 200) << r.body;
    ids.push_back(body_of(r)[0]["service_request_id"]);
  }
  EXPECT_EQ(ticket_count(redis->where()), 10);
  for (int i = 0; i < 10; ++i) {
    auto again = (i % 2 ? h1 : h2)
                     .request("POST", "/open311/v2/requests.json", form(i), "",
                              "application/x-www-form-urlencoded");
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(body_of(again)[0]["service_request_id"], ids[i]);
    auto read = (i % 2 ? h2 : h1).get("/open311/v2/requests/" + ids[i] + ".json");
    ASSERT_EQ(read.status, 200) << read.body;
    EXPECT_EQ(body_of(read)[0]["status"], "open");
  }
  EXPECT_EQ(ticket_count(redis->where()), 10);
  // Twenty POSTs, each node's partitions about half: some were forwarded
  // (all twenty landing on their owner has odds of one in a million).
  const auto m1 = h1.get("/metrics", supervisor()).body;
  const auto m2 = h2.get("/metrics", supervisor()).body;
  EXPECT_NE(m1.find("o311_post"), std::string::npos) << m1;
  EXPECT_TRUE(m1.find("hotline_forwarded_total 0\n") == std::string::npos
              || m2.find("hotline_forwarded_total 0\n") == std::string::npos)
      << m1 << m2;
}
