// hotlined against a Redis that wants AUTH, as deployed: the ACL file
// deploy/redis/users.acl (its password placeholders filled in), two nodes
// as the `hotline` user with --redis-password-file. It proves the ACL grants
// every command hotlined sends (intake, forwarding between nodes, leases,
// timers), and that the password shows nowhere: not in hotlined's output
// (stdout and stderr, every log line at debug) nor in /api/v1/cluster.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/e2e/e2e.hpp"
#include "tests/support/webhook_receiver.hpp"

extern char** environ;

using namespace hotline;
using namespace hotline::test;

namespace {

constexpr const char* hotline_password = "hl-e2e-Pw-4c1b9f";
constexpr const char* admin_password = "admin-e2e-Pw-77d0";

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The deploy ACL file with each `#NAME_PASSWORD_SHA256` placeholder made a
/// clear-text password (`>…`): the rules under test are the file's own.
std::string deploy_acl() {
  auto acl = read_all(std::filesystem::path(HOTLINE_SOURCE_DIR) / "deploy/redis/users.acl");
  const std::regex placeholder("#([A-Z]+)_PASSWORD_SHA256");
  std::string out;
  auto last = acl.cbegin();
  for (std::sregex_iterator it(acl.begin(), acl.end(), placeholder), end; it != end; ++it) {
    out.append(last, (*it)[0].first);
    const auto who = (*it)[1].str();
    out += who == "HOTLINE" ? std::string(">") + hotline_password
           : who == "ADMIN" ? std::string(">") + admin_password
                            : ">unused-" + who;
    last = (*it)[0].second;
  }
  out.append(last, acl.cend());
  return out;
}

/// hotlined with stdout and stderr both in one file, so a test can read
/// everything it printed, including why it would not start.
struct hotlined_run {
  pid_t pid = -1;
  std::filesystem::path log;
  std::uint16_t port = 0; // 0: it exited before serving
  int status = 0;         // its wait status, once it exited

  hotlined_run(const std::filesystem::path& data_dir, const std::filesystem::path& log_file,
               const std::vector<std::string>& extra)
      : log(log_file) {
    std::vector<std::string> args{std::string(HOTLINE_BIN_DIR) + "/hotlined",
                                  "--data-dir",
                                  data_dir.string(),
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--config",
                                  chongqing_config().string(),
                                  "--log-level",
                                  "debug",
                                  "--lease-ms",
                                  "1000"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    const int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
      throw std::runtime_error("cannot start hotlined");
    // Until it serves or ends; the log is a file, so this polls, bounded.
    const std::regex serving("serving http://[^:]+:([0-9]+)/");
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < give_up) {
      std::smatch m;
      const auto out = output();
      if (std::regex_search(out, m, serving)) {
        port = static_cast<std::uint16_t>(std::stoi(m[1]));
        return;
      }
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    throw std::runtime_error("hotlined neither served nor ended; output: " + output());
  }
  ~hotlined_run() { stop(); }

  std::string output() const { return read_all(log); }
  int exit_code() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
  void stop() {
    if (pid <= 0)
      return;
    ::kill(pid, SIGTERM);
    ::waitpid(pid, &status, 0);
    pid = -1;
  }
};

struct redis_acl : ::testing::Test {
  static inline std::unique_ptr<temp_dir> dir;
  static inline std::unique_ptr<redis_server> redis;
  static void SetUpTestSuite() {
    dir = std::make_unique<temp_dir>("hotline-acl-e2e");
    std::ofstream(dir->path() / "users.acl") << deploy_acl();
    redis_auth auth;
    auth.aclfile = dir->path() / "users.acl";
    auth.user = "admin";
    auth.password = admin_password;
    auth.tcp = true;
    redis = std::make_unique<redis_server>(auth);
  }
  static void TearDownTestSuite() {
    redis.reset();
    dir.reset();
  }
  void SetUp() override { redis->flush(); }

  /// A password file with `content` and `mode`.
  static std::string password_file(const std::string& name, const std::string& content,
                                   mode_t mode = 0600) {
    const auto path = dir->path() / name;
    std::ofstream(path, std::ios::binary) << content;
    ::chmod(path.c_str(), mode);
    return path.string();
  }
  /// redis://127.0.0.1:PORT, no user.
  static std::string url() {
    auto ep = redis->tcp_where();
    ep.user.clear();
    return ep.url();
  }
  std::unique_ptr<hotlined_run> start(const std::string& log, std::vector<std::string> flags) {
    return std::make_unique<hotlined_run>(dir->path() / "data", dir->path() / log, flags);
  }
  /// An automation token of the nodes' data dir, e.g. ("--office", "supervisor").
  static std::string token(const std::string& who, const std::string& role) {
    std::vector<std::string> args{"token", "--data-dir", (dir->path() / "data").string(), "--role",
                                  role};
    if (who == "--office")
      args.push_back(who);
    else
      args.insert(args.end(), {"--unit", who});
    return run_cli(args);
  }
  static json cluster_view(std::uint16_t port) {
    http_client http{"127.0.0.1", port};
    auto r = http.get("/api/v1/cluster", token("--office", "supervisor"));
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }
};

} // namespace

TEST_F(redis_acl, TwoNodesAsTheHotlineUserOfTheDeployAclServeIntakeAndNeverShowThePassword) {
  const auto pw = password_file("hotline.pw", std::string(hotline_password) + "\n");
  const std::vector<std::string> flags{
      "--redis", url(), "--redis-user", "hotline", "--redis-password-file", pw};
  auto flags_of = [&](const std::string& id) {
    auto f = flags;
    f.insert(f.end(), {"--node-id", id});
    return f;
  };
  auto n1 = start("n1.log", flags_of("n1"));
  ASSERT_NE(n1->port, 0) << n1->output();
  auto n2 = start("n2.log", flags_of("n2"));
  ASSERT_NE(n2->port, 0) << n2->output();
  // Half the partitions each (the lease loop hands them over in rounds),
  // so about half the writes through either node are forwarded to the other.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (bool halves = false; !halves && std::chrono::steady_clock::now() < until;) {
    auto v = cluster_view(n1->port);
    halves = v["unowned"].empty() && v["nodes"].size() == 2;
    for (const auto& n : v["nodes"])
      halves = halves && n["partition_count"] == 128;
    if (!halves)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  http_client h1{"127.0.0.1", n1->port}, h2{"127.0.0.1", n2->port};
  const auto unit
      = run_cli({"token", "--data-dir", (dir->path() / "data").string(), "--unit", "500103003"});
  for (int i = 0; i < 16; ++i) {
    auto& http = i % 2 ? h2 : h1;
    auto& other = i % 2 ? h1 : h2;
    auto r = http.post("/api/v1/demands", yuzhong_demand("acl-" + std::to_string(i)).dump());
    ASSERT_EQ(r.status, 201) << r.body << "\n" << n1->output() << n2->output();
    const std::string no = body_of(r)["ticket_no"];
    auto accepted = other.request("POST", "/api/v1/tickets/" + no + "/accept", "{}", unit);
    EXPECT_EQ(accepted.status, 200) << accepted.body;
    auto steps = other.get("/api/v1/tickets/" + no + "/timeline", unit);
    EXPECT_EQ(steps.status, 200) << steps.body;
  }
  // People through the ACL too: an admin adds an operator, who signs in and
  // reveals a caller's contact; an auditor reads the log (issue 9).
  auto added = h1.post("/api/v1/users",
                       json{{"username", "acl.operator"},
                            {"display_name", "话务员甲"},
                            {"unit_id", "office"},
                            {"roles", {"operator"}},
                            {"password", "a long passphrase"}}
                           .dump(),
                       token("--office", "admin"));
  ASSERT_EQ(added.status, 201) << added.body;
  auto login
      = h2.post("/api/v1/session",
                json{{"username", "acl.operator"}, {"password", "a long passphrase"}}.dump());
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string session = body_of(login)["token"];
  const std::string no
      = body_of(h1.post("/api/v1/demands", yuzhong_demand("acl-reveal").dump()))["ticket_no"];
  auto shown = h2.post("/api/v1/tickets/" + no + "/caller-contact",
                       json{{"purpose", "clarification"}}.dump(), session);
  EXPECT_EQ(shown.status, 200) << shown.body;
  auto log = h1.get("/api/v1/audit?ticket=" + no, token("--office", "auditor"));
  ASSERT_EQ(log.status, 200) << log.body;
  EXPECT_EQ(body_of(log)["entries"].size(), 1u) << log.body;
  EXPECT_EQ(h2.request("DELETE", "/api/v1/session", "", session).status, 204);
  EXPECT_EQ(h1.get("/api/v1/session", session).status, 401);
  // Webhooks through the ACL (issue 10): a subscription made on one node,
  // an event in the feed, delivered by the owner of its partition.
  webhook_receiver receiver{"acl-webhook-secret-0123"};
  auto made = h1.post("/api/v1/webhooks",
                      json{{"url", receiver.url()}, {"secret", "acl-webhook-secret-0123"}}.dump(),
                      token("--office", "supervisor"));
  ASSERT_EQ(made.status, 201) << made.body;
  {
    redis::connection admin(redis->where());
    auto r = admin.command({"XADD", "hl:push:feed", "*", "e", "dispatched", "u", "500103003", "d",
                            R"({"ticket_no":"20261201-000001","status":"dispatched"})", "s", ""});
    redis::check(r.get(), "XADD");
    const auto id = redis::reply_string(r.get());
    EXPECT_TRUE(receiver.wait_for([&](const auto& w) { return w.accepted_once().count(id); }))
        << n1->output() << n2->output();
  }
  EXPECT_EQ(h2.request("DELETE", "/api/v1/webhooks/" + std::string(body_of(made)["id"]), "",
                       token("--office", "supervisor"))
                .status,
            204);
  for (auto* http : {&h1, &h2}) {
    auto metrics = http->get("/metrics", token("--office", "supervisor")).body;
    EXPECT_EQ(metrics.find("hotline_forwarded_total 0\n"), std::string::npos) << metrics;
  }
  for (auto port : {n1->port, n2->port}) {
    const auto view = cluster_view(port).dump();
    EXPECT_EQ(view.find(hotline_password), std::string::npos) << view;
  }
  n2->stop();
  n1->stop();
  for (const auto* n : {n1.get(), n2.get()}) {
    const auto out = n->output();
    EXPECT_EQ(out.find(hotline_password), std::string::npos) << out;
    EXPECT_EQ(out.find("NOPERM"), std::string::npos) << out;
    EXPECT_EQ(out.find("no permissions"), std::string::npos) << out;
    EXPECT_EQ(out.find("can't access"), std::string::npos) << out;
    EXPECT_EQ(out.find("can't run"), std::string::npos) << out;
    EXPECT_NE(out.find("redis redis://hotline@127.0.0.1:"), std::string::npos) << out;
    EXPECT_EQ(n->exit_code(), 0) << out;
  }
}

TEST_F(redis_acl, APasswordFileOthersMayReadStopsStartUpNamingTheFile) {
  const auto pw = password_file("open.pw", std::string(hotline_password) + "\n", 0644);
  auto n = start("open.log",
                 {"--redis", url(), "--redis-user", "hotline", "--redis-password-file", pw});
  EXPECT_EQ(n->port, 0);
  EXPECT_EQ(n->exit_code(), 1);
  const auto out = n->output();
  EXPECT_NE(out.find("hotlined: the Redis password file " + pw), std::string::npos) << out;
  EXPECT_NE(out.find("(mode 0644): chmod 600 " + pw), std::string::npos) << out;
  EXPECT_EQ(out.find(hotline_password), std::string::npos) << out;
}

TEST_F(redis_acl, AWrongPasswordStopsStartUpWithAClearErrorWithoutThePassword) {
  const std::string wrong = "not-the-hotline-pw-31e";
  const auto pw = password_file("wrong.pw", wrong + "\n");
  auto n = start("wrong.log",
                 {"--redis", url(), "--redis-user", "hotline", "--redis-password-file", pw});
  EXPECT_EQ(n->port, 0);
  EXPECT_EQ(n->exit_code(), 1);
  const auto out = n->output();
  EXPECT_NE(out.find("refused authentication as user hotline (WRONGPASS"), std::string::npos)
      << out;
  EXPECT_EQ(out.find(wrong), std::string::npos) << out;
}

TEST_F(redis_acl, NoPasswordStopsStartUpSayingRedisRequiresAuthentication) {
  auto n = start("none.log", {"--redis", url()});
  EXPECT_EQ(n->port, 0);
  EXPECT_EQ(n->exit_code(), 1);
  EXPECT_NE(n->output().find("requires authentication (NOAUTH"), std::string::npos) << n->output();
  auto user_only = start("user-only.log", {"--redis", url(), "--redis-user", "hotline"});
  EXPECT_EQ(user_only->exit_code(), 2);
  EXPECT_NE(user_only->output().find("needs a password: --redis-password-file"), std::string::npos)
      << user_only->output();
}

TEST_F(redis_acl, APasswordInTheRedisUrlWorksIsWarnedAboutAndIsNeverPrinted) {
  auto ep = redis->tcp_where();
  const auto with_password = "redis://hotline:" + std::string(hotline_password)
                             + "@127.0.0.1:" + std::to_string(ep.port);
  auto n = start("url.log", {"--redis", with_password, "--node-id", "url"});
  ASSERT_NE(n->port, 0) << n->output();
  const auto view = cluster_view(n->port).dump();
  EXPECT_EQ(view.find(hotline_password), std::string::npos) << view;
  n->stop();
  const auto out = n->output();
  EXPECT_NE(out.find("the password in --redis is visible to every user"), std::string::npos) << out;
  EXPECT_NE(out.find("redis redis://hotline@127.0.0.1:" + std::to_string(ep.port)),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find(hotline_password), std::string::npos) << out;
}
