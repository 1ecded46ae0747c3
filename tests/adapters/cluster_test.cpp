// The cluster's parts (issue 4) against a real redis-server: partition
// arithmetic, leases with fencing tokens, membership, the lease loop stepped
// round by round, and forwarding through Redis Streams.
#include <gtest/gtest.h>

#include <future>
#include <set>

#include "adapters/cluster/coordination.hpp"
#include "adapters/cluster/forwarder.hpp"
#include "adapters/cluster/node.hpp"
#include "adapters/cluster/partitioning.hpp"
#include "tests/support/redis_fixture.hpp"

using namespace hotline;
using namespace hotline::cluster;

// --- partitions: pure ----------------------------------------------------------

TEST(partitioning, ATicketNumberTellsThePartitionThatNumberedIt) {
  for (partition_id p : {0u, 1u, 77u, 255u})
    for (std::uint64_t n : {1u, 2u, 3900u}) {
      char no[32];
      std::snprintf(no, sizeof no, "20261128-%06llu",
                    static_cast<unsigned long long>(ticket_sequence(n, p, 256)));
      EXPECT_EQ(partition_of_ticket(no, 256), p) << no;
    }
}

TEST(partitioning, NotATicketNumberHasNoPartition) {
  for (const char* bad : {"", "20261128", "20261128-", "2026112-000001", "20261128-00000x",
                          "20261128-000000", "x0261128-000001"})
    EXPECT_FALSE(partition_of_ticket(bad, 256)) << bad;
}

TEST(partitioning, KeysSpreadOverAllPartitionsAndAlwaysLandInTheSameOne) {
  std::vector<int> hits(256);
  for (int i = 0; i < 25600; ++i)
    ++hits[partition_of_key("caller-" + std::to_string(i), 256)];
  for (int h : hits) {
    EXPECT_GT(h, 50);
    EXPECT_LT(h, 160);
  }
  // FNV-1a, not std::hash: the same on every node and build.
  EXPECT_EQ(partition_of_key("repeat-key", 256), partition_of_key("repeat-key", 256));
  EXPECT_EQ(partition_of_key("", 256), 14695981039346656037ull % 256);
}

// --- Redis tables ---------------------------------------------------------------

namespace {

struct cluster_test : ::testing::Test {
  static inline std::unique_ptr<test::redis_server> server;
  static void SetUpTestSuite() { server = std::make_unique<test::redis_server>(); }
  static void TearDownTestSuite() { server.reset(); }
  void SetUp() override { server->flush(); }

  redis::pool pool{server->where(), 4};
  coordination coord{pool, "hl", 8, std::chrono::milliseconds(60000)};

  static std::vector<partition_id> all(partition_id n) {
    std::vector<partition_id> out;
    for (partition_id p = 0; p < n; ++p)
      out.push_back(p);
    return out;
  }
  void expire_lease(partition_id p) {
    redis::connection c(server->where());
    c.command({"DEL", "hl:lease:" + std::to_string(p)});
  }
};

std::size_t count_of(const std::vector<lease_info>& leases, const std::string& node) {
  return static_cast<std::size_t>(std::count_if(
      leases.begin(), leases.end(), [&](const lease_info& l) { return l.node == node; }));
}

} // namespace

TEST_F(cluster_test, APartitionCountOtherThanTheRecordedOneIsRefused) {
  coord.check_partitions();
  coordination other(pool, "hl", 16, std::chrono::milliseconds(1000));
  EXPECT_THROW(other.check_partitions(), std::runtime_error);
  EXPECT_NO_THROW(coord.check_partitions());
}

TEST_F(cluster_test, ALeaseIsTakenOnceAndEachTakingHasAHigherFencingToken) {
  auto first = coord.acquire("n1", {0, 1});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_TRUE(coord.acquire("n2", {0, 1}).empty()) << "held leases are not taken";
  expire_lease(0);
  auto second = coord.acquire("n2", {0, 1});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].first, 0u);
  EXPECT_GT(second[0].second, first[0].second);
  // The old holder's renewal finds it lost; the other lease it keeps.
  EXPECT_EQ(coord.renew("n1", first), std::vector<partition_id>{0});
  auto leases = coord.leases(true);
  EXPECT_EQ(leases[0].node, "n2");
  EXPECT_EQ(leases[1].node, "n1");
  EXPECT_GT(leases[1].ttl_ms, 0);
}

TEST_F(cluster_test, AReleasedLeaseIsFreeAtOnceButOnlyItsHolderCanReleaseIt) {
  auto mine = coord.acquire("n1", {3});
  coord.release("n2", {{3, mine[0].second}}); // not n2's: nothing happens
  EXPECT_EQ(coord.leases()[3].node, "n1");
  coord.release("n1", mine);
  EXPECT_EQ(coord.leases()[3].node, "");
}

TEST_F(cluster_test, MembershipChangesBumpTheTableVersionHeartbeatsDoNot) {
  const auto t = coord.heartbeat("n1", "127.0.0.1:1");
  const auto v1 = coord.version();
  coord.heartbeat("n1", "127.0.0.1:1");
  EXPECT_EQ(coord.version(), v1);
  coord.heartbeat("n2", "127.0.0.1:2");
  EXPECT_EQ(coord.version(), v1 + 1);
  EXPECT_FALSE(coord.declare_dead("n2", t - 1)) << "its heartbeat is newer";
  EXPECT_TRUE(coord.declare_dead("n2", t + 60000));
  EXPECT_FALSE(coord.declare_dead("n2", t + 60000)) << "already dead";
  EXPECT_EQ(coord.version(), v1 + 2);
  coord.leave("n1");
  auto members = coord.members();
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].node_id, "n1");
  EXPECT_EQ(members[0].status, "left");
  EXPECT_EQ(members[1].status, "dead");
  // Coming back is a new incarnation.
  coord.heartbeat("n2", "127.0.0.1:2");
  EXPECT_EQ(coord.members()[1].status, "alive");
  EXPECT_EQ(coord.version(), v1 + 4);
}

// --- the lease loop, round by round ------------------------------------------

TEST_F(cluster_test, PartitionsSpreadEvenlyWhenANodeJoinsAndMoveWhenItDies) {
  std::set<partition_id> lost1, lost2;
  ownership own1("n1", 8), own2("n2", 8);
  node_options o1{"n1", "127.0.0.1:1", std::chrono::milliseconds(60000), 2};
  node_options o2{"n2", "127.0.0.1:2", std::chrono::milliseconds(60000), 2};
  node n1(
      coord, own1, o1, [&](partition_id p) { lost1.insert(p); }, [](partition_id) {});
  node n2(
      coord, own2, o2, [&](partition_id p) { lost2.insert(p); }, [](partition_id) {});
  n1.round();
  EXPECT_EQ(own1.owned().size(), 8u) << "alone, it takes everything";
  n2.round(); // joins: nothing is free yet
  EXPECT_EQ(own2.owned().size(), 0u);
  // n1 gives back at most 2 per round (max_moves), n2 takes them.
  n1.round();
  EXPECT_EQ(own1.owned().size(), 6u);
  EXPECT_EQ(lost1.size(), 2u);
  n2.round();
  EXPECT_EQ(own2.owned().size(), 2u);
  for (int i = 0; i < 3; ++i) {
    n1.round();
    n2.round();
  }
  EXPECT_EQ(own1.owned().size(), 4u);
  EXPECT_EQ(own2.owned().size(), 4u);
  for (auto p : own2.owned())
    EXPECT_FALSE(own1.owns(p)) << "one owner per partition";
  auto leases = coord.leases();
  EXPECT_EQ(count_of(leases, "n1"), 4u);
  EXPECT_EQ(count_of(leases, "n2"), 4u);
  // n2 dies: its heartbeat goes stale and its leases expire (here: deleted,
  // as Redis would after the ttl); n1 declares it dead and takes them.
  {
    redis::connection c(server->where());
    c.command(
        {"HSET", "hl:members", "n2",
         R"({"address":"127.0.0.1:2","status":"alive","started":0,"heartbeat":0,"version":2})"});
  }
  for (auto p : own2.owned())
    expire_lease(p);
  n1.round();
  EXPECT_EQ(own1.owned().size(), 8u);
  EXPECT_EQ(coord.members()[1].status, "dead");
  // n2 wakes up (it was only paused): its renewal finds its leases gone.
  n2.round();
  EXPECT_EQ(lost2.size(), 4u);
  EXPECT_EQ(count_of(coord.leases(), "n1"), 4u + 0u + 4u);
}

TEST_F(cluster_test, ANodeThatCannotRenewInTimeOwnsNothingEvenIfItsLoopIsStuck) {
  ownership own("n1", 4);
  for (const auto& [p, token] : coord.acquire("n1", all(4)))
    own.grant(p, token);
  own.valid_until(std::chrono::steady_clock::now() + std::chrono::hours(1));
  EXPECT_EQ(own.owned().size(), 4u);
  ASSERT_TRUE(own.fence(2));
  // The last renewal is too old: no fencing value, so no write is tried.
  own.valid_until(std::chrono::steady_clock::now() - std::chrono::milliseconds(1));
  EXPECT_TRUE(own.owned().empty());
  EXPECT_FALSE(own.fence(2));
  EXPECT_TRUE(own.lapsed());
  EXPECT_EQ(own.held().size(), 4u) << "still held, to be renewed or dropped";
}

// --- forwarding through streams -----------------------------------------------

namespace {

http::request sample_request(const std::string& body) {
  http::request r;
  r.method = "POST";
  r.path = "/api/v1/tickets/20261128-000001/accept";
  r.query = {{"q", "值"}};
  r.body = body;
  r.authorization = "Bearer t";
  r.content_type = "application/json";
  r.remote_ip = "127.0.0.9";
  return r;
}

forwarded_request sample_command(const std::string& body) {
  routing::principal who;
  who.user = "jfb.liaison";
  who.display_name = "解放碑联络员";
  who.unit_id = "500103003";
  who.roles = routing::role_set::of({routing::role::liaison});
  return {sample_request(body), who};
}

forwarder_options sealed(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  forwarder_options o;
  o.seal_key = std::string(32, 'k');
  o.timeout = timeout;
  return o;
}

// Forwards and waits for the answer (tests only: the API never waits).
std::optional<http::response> forward_and_wait(forwarder& f, partition_id p, forwarded_request fw) {
  std::promise<std::optional<http::response>> answer;
  f.forward(p, std::move(fw), [&](std::optional<http::response> r) { answer.set_value(r); });
  return answer.get_future().get();
}

void never_owner(forwarded_request, answer_fn done) {
  done(std::nullopt);
}

} // namespace

TEST_F(cluster_test, AForwardedCommandIsRunByTheOwnerAndItsAnswerComesBack) {
  ownership asking("n1", 8), owning("n2", 8);
  for (const auto& [p, token] : coord.acquire("n2", all(8)))
    owning.grant(p, token);
  owning.valid_until(std::chrono::steady_clock::now() + std::chrono::hours(1));
  forwarder a(server->where(), pool, asking, sealed());
  forwarder b(server->where(), pool, owning, sealed());
  std::promise<forwarded_request> seen;
  a.start(never_owner);
  b.start([&](forwarded_request fw, answer_fn done) {
    seen.set_value(fw);
    http::response out;
    out.status = 201;
    out.body = R"({"ok":"好","extraction_code":"493021"})";
    out.headers = {{"Retry-After", "1"}};
    done(out);
  });
  auto answer = forward_and_wait(a, 3, sample_command("{\"text\":\"已处理\"}"));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 201);
  EXPECT_EQ(answer->body, R"({"ok":"好","extraction_code":"493021"})");
  ASSERT_EQ(answer->headers.size(), 1u);
  auto fw = seen.get_future().get();
  EXPECT_EQ(fw.req.body, "{\"text\":\"已处理\"}");
  EXPECT_EQ(fw.req.query.at("q"), "值");
  EXPECT_EQ(fw.req.remote_ip, "127.0.0.9");
  // Issue 9: the owner gets who gave the command, never the client's token.
  EXPECT_EQ(fw.req.authorization, "");
  ASSERT_TRUE(fw.who);
  EXPECT_EQ(fw.who->user, "jfb.liaison");
  EXPECT_EQ(fw.who->display_name, "解放碑联络员");
  EXPECT_EQ(fw.who->unit_id, "500103003");
  EXPECT_TRUE(fw.who->roles.has(routing::role::liaison));
  EXPECT_EQ(fw.req.idempotency_key.rfind("fwd-", 0), 0u) << "a forwarded command gets a key";
  b.stop(); // its worker finishes acknowledging
  EXPECT_EQ(b.served(), 1u);
  // Acknowledged and deleted: nothing left in the partition's stream, and
  // the answer was deleted when read.
  redis::connection c(server->where());
  EXPECT_EQ(redis::reply_integer(c.command({"XLEN", "hl:in:3"}).get()), 0);
  EXPECT_EQ(redis::reply_integer(c.command({"XLEN", "hl:reply:n1"}).get()), 0);
}

TEST_F(cluster_test, AForwardedCommandIsSealedInRedisAndAForeignOneIsDropped_M_D_3) {
  ownership asking("n1", 8);
  forwarder a(server->where(), pool, asking, sealed(std::chrono::milliseconds(300)));
  a.start(never_owner);
  // Nobody owns partition 4: the command waits in its stream, readable.
  std::promise<std::optional<http::response>> late;
  auto d = sample_command(R"({"caller":{"name":"欧阳秘密","phone":"13912345678"}})");
  d.req.authorization = "Bearer secret-token";
  a.forward(4, d, [&](std::optional<http::response> r) { late.set_value(r); });
  redis::connection c(server->where());
  auto rep = c.command({"XRANGE", "hl:in:4", "-", "+"});
  ASSERT_EQ(rep->elements, 1u);
  std::string stored;
  for (std::size_t i = 0; i < rep->element[0]->element[1]->elements; ++i)
    stored += redis::reply_string(rep->element[0]->element[1]->element[i]);
  EXPECT_EQ(stored.find("欧阳秘密"), std::string::npos);
  EXPECT_EQ(stored.find("13912345678"), std::string::npos);
  EXPECT_EQ(stored.find("secret-token"), std::string::npos);
  EXPECT_EQ(stored.find("jfb.liaison"), std::string::npos);
  // The caller gives up after the timeout with no answer.
  EXPECT_FALSE(late.get_future().get());
}

TEST_F(cluster_test, WhatADeadOwnerLeftPendingIsClaimedAndRunByTheNextOwner) {
  ownership asking("n1", 8), old_owner("n2", 8), new_owner("n3", 8);
  auto leases = coord.acquire("n2", all(8));
  for (const auto& [p, token] : leases)
    old_owner.grant(p, token);
  old_owner.valid_until(std::chrono::steady_clock::now() + std::chrono::hours(1));
  forwarder a(server->where(), pool, asking, sealed());
  a.start(never_owner);
  std::promise<void> taken, release;
  auto released = release.get_future().share();
  {
    // The old owner reads the command, then hangs (as good as dead) before
    // it answers: the entry stays pending under it, never acknowledged.
    // (Its loop may still be reading partition 5 when the entry is queued
    // again after the release: a later delivery is turned away at once.)
    forwarder b(server->where(), pool, old_owner, sealed());
    std::atomic<int> runs{0};
    b.start([&](forwarded_request, answer_fn done) {
      if (runs++ == 0) {
        taken.set_value();
        released.wait();
      }
      done(std::nullopt);
    });
    auto asked = std::async(std::launch::async,
                            [&] { return forward_and_wait(a, 5, sample_command("{}")); });
    taken.get_future().wait();
    for (partition_id p = 0; p < 8; ++p)
      old_owner.revoke(p);
    // The new owner takes the lease and claims the pending entry.
    coord.release("n2", leases);
    for (const auto& [p, token] : coord.acquire("n3", all(8)))
      new_owner.grant(p, token);
    new_owner.valid_until(std::chrono::steady_clock::now() + std::chrono::hours(1));
    forwarder c(server->where(), pool, new_owner, sealed());
    c.gained(5);
    c.start([](forwarded_request, answer_fn done) {
      http::response out;
      out.status = 200;
      out.body = "claimed";
      done(out);
    });
    auto answer = asked.get();
    release.set_value();
    ASSERT_TRUE(answer) << "the caller got its answer from the new owner";
    EXPECT_EQ(answer->body, "claimed");
  }
}
