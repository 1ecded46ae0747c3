// Issue 16: group commit and the timer loop's read-ahead, against a real
// redis-server. Every append of a batch keeps its own fencing, request claim
// and version check (DESIGN rules 1 and 2); appends that arrive while a
// round trip is in flight leave together in the next one.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "adapters/redis/appender.hpp"
#include "adapters/redis/store.hpp"
#include "tests/support/redis_fixture.hpp"

using namespace hotline;
using namespace hotline::routing;
using outcome = redis::append_result::outcome;

namespace {

struct group_commit_test : ::testing::Test {
  static inline std::unique_ptr<test::redis_server> server;
  static void SetUpTestSuite() { server = std::make_unique<test::redis_server>(); }
  static void TearDownTestSuite() { server.reset(); }
  void SetUp() override { server->flush(); }

  redis::pool pool{server->where(), 2};
  redis::store st{pool};

  static std::vector<event> intake(const std::string& request_id) {
    registered r;
    r.at = 1000;
    r.request_id = request_id;
    r.category = "env.noise";
    r.content = "夜间施工噪音扰民";
    return {r};
  }
  static std::string no(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "20261128-%06d", i);
    return buf;
  }
};

} // namespace

TEST_F(group_commit_test, EachAppendOfABatchKeepsItsOwnFencingClaimAndVersion_DESIGN_2) {
  redis::connection c(server->where());
  const auto fenced_p = st.partition_of(no(3));
  c.command({"SET", st.lease_key(fenced_p), "n2|9"});
  st.append(no(2), 0, {}, intake("req-2")); // no(2) holds one event already
  st.append(no(5), 0, {}, intake("req-taken"), "req:req-taken");
  std::vector<redis::store::prepared_append> batch{
      st.prepare_append(no(1), 0, {}, intake("req-1"), "req:req-1"),
      st.prepare_append(no(2), 0, {}, intake("req-2b")), // stale version
      st.prepare_append(no(3), 0, {}, intake("req-3"), "req:req-3", nullptr,
                        std::string("n1|1")), // the lease is another node's
      st.prepare_append(no(4), 0, {}, intake("req-4"), "req:req-taken"), // claimed by no(5)
      st.prepare_append(no(6), 0, {}, intake("req-6"), "req:req-6")};
  auto out = st.append_batch(c, batch);
  ASSERT_EQ(out.size(), 5u);
  for (const auto& o : out)
    EXPECT_EQ(o.error, "");
  EXPECT_EQ(out[0].result.result, outcome::appended);
  EXPECT_EQ(out[1].result.result, outcome::version_conflict);
  EXPECT_EQ(out[1].result.version, 1u);
  EXPECT_EQ(out[2].result.result, outcome::fenced);
  EXPECT_EQ(out[3].result.result, outcome::request_taken);
  EXPECT_EQ(out[3].result.existing_ticket, no(5));
  EXPECT_EQ(out[4].result.result, outcome::appended);
  // Only what succeeded was written: one refusal touches nothing of the
  // others, and the others are not held back by it.
  EXPECT_EQ(st.load(no(1)).size(), 1u);
  EXPECT_EQ(st.load(no(2)).size(), 1u);
  EXPECT_TRUE(st.load(no(3)).empty());
  EXPECT_FALSE(st.find_claim("req:req-3"));
  EXPECT_TRUE(st.load(no(4)).empty());
  EXPECT_EQ(st.load(no(6)).size(), 1u);
  EXPECT_EQ(st.find_claim("req:req-6"), no(6));
}

TEST_F(group_commit_test, ABatchSurvivesARedisThatLostItsScriptCache) {
  redis::connection c(server->where());
  st.append(no(1), 0, {}, intake("req-1")); // loads the script
  c.command({"SCRIPT", "FLUSH"});
  std::vector<redis::store::prepared_append> batch{
      st.prepare_append(no(1), 1, fold(st.load(no(1))), {accepted{2000, "500103001"}}),
      st.prepare_append(no(2), 0, {}, intake("req-2"))};
  auto out = st.append_batch(c, batch);
  EXPECT_EQ(out[0].error, "");
  EXPECT_EQ(out[0].result.result, outcome::appended);
  EXPECT_EQ(out[1].result.result, outcome::appended);
  EXPECT_EQ(st.load(no(1)).size(), 2u);
}

TEST_F(group_commit_test, AppendsArrivingDuringARoundTripLeaveTogetherInTheNext) {
  constexpr int n = 200;
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<redis::store::batch_result> results(n);
  int answered = 0;
  {
    redis::appender app(st, server->where(), 1);
    // Redis holds every command for 300 ms: the first round trip is in
    // flight while all the others are submitted (in far less time).
    redis::connection admin(server->where());
    admin.command({"CLIENT", "PAUSE", "300", "ALL"});
    for (int i = 0; i < n; ++i)
      app.submit(0, st.prepare_append(no(i + 1), 0, {}, intake("r" + std::to_string(i))),
                 [&, i](redis::store::batch_result r) {
                   std::lock_guard<std::mutex> lock(mtx);
                   results[i] = std::move(r);
                   ++answered;
                   cv.notify_all();
                 });
    std::unique_lock<std::mutex> lock(mtx);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return answered == n; }));
    EXPECT_EQ(app.appends(), static_cast<std::uint64_t>(n));
    EXPECT_LE(app.round_trips(), 2u) << "one for the first, one for all that came meanwhile";
  }
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(results[i].error, "") << i;
    EXPECT_EQ(results[i].result.result, outcome::appended) << i;
    EXPECT_EQ(st.load(no(i + 1)).size(), 1u) << i; // answered only once persisted
  }
}

// An append whose round trip failed may or may not have run: it says its
// outcome is unknown. A read that failed says so too (item 2).
TEST_F(group_commit_test, AnAppendOrAReadWhoseRoundTripFailedSaysSo) {
  redis::endpoint nowhere;
  nowhere.host = "127.0.0.1";
  nowhere.port = 1; // nothing listens there
  redis::appender app(st, nowhere, 1);
  std::mutex mtx;
  std::condition_variable cv;
  std::optional<redis::store::batch_result> appended;
  std::optional<redis::store::load_result> read;
  app.submit(0, st.prepare_append(no(1), 0, {}, intake("r")), [&](redis::store::batch_result r) {
    std::lock_guard<std::mutex> lock(mtx);
    appended = std::move(r);
    cv.notify_all();
  });
  app.load(0, no(2), [&](redis::store::load_result r) {
    std::lock_guard<std::mutex> lock(mtx);
    read = std::move(r);
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mtx);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return appended && read; }));
  EXPECT_NE(appended->error, "");
  EXPECT_TRUE(st.load(no(1)).empty());
  EXPECT_NE(read->error, "");
  EXPECT_TRUE(read->events.empty());
}

// Issue 16 item 2: the ticket actors read through the same lanes. Reads
// queued while a round trip is in flight leave together, each answered with
// its own ticket's events (none for a number nothing was written under).
TEST_F(group_commit_test, ReadsArrivingDuringARoundTripLeaveTogetherEachWithItsOwnEvents) {
  constexpr int n = 50;
  for (int i = 1; i <= n; i += 2) // odd numbers exist, even ones do not
    st.append(no(i), 0, {}, intake("r" + std::to_string(i)));
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::optional<redis::store::load_result>> got(n + 1);
  int answered = 0;
  {
    redis::appender app(st, server->where(), 1);
    redis::connection admin(server->where());
    admin.command({"CLIENT", "PAUSE", "300", "ALL"});
    for (int i = 1; i <= n; ++i)
      app.load(0, no(i), [&, i](redis::store::load_result r) {
        std::lock_guard<std::mutex> lock(mtx);
        got[i] = std::move(r);
        ++answered;
        cv.notify_all();
      });
    std::unique_lock<std::mutex> lock(mtx);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return answered == n; }));
    EXPECT_EQ(app.appends(), 0u);
    EXPECT_LE(app.read_trips(), 2u) << "one for the first, one for all that came meanwhile";
  }
  for (int i = 1; i <= n; ++i) {
    ASSERT_TRUE(got[i]) << i;
    EXPECT_EQ(got[i]->error, "") << i;
    if (i % 2) {
      ASSERT_EQ(got[i]->events.size(), 1u) << i;
      EXPECT_EQ(std::get<registered>(got[i]->events[0]).request_id, "r" + std::to_string(i));
    } else {
      EXPECT_TRUE(got[i]->events.empty()) << i;
    }
  }
}

TEST_F(group_commit_test, TheTimerLoopReadsAheadWhenTheEarliestTimerFallsDue_M_SV_1) {
  const std::vector<cluster::partition_id> all{st.partition_of(no(1)), st.partition_of(no(2)),
                                               st.partition_of(no(3))};
  EXPECT_FALSE(st.next_timer(all));
  const std::vector<timer> later{{escalation_level::reminder, 5'000'000'000'000, ""}};
  const std::vector<timer> sooner{{escalation_level::supervision, 4'000'000'000'123, ""}};
  st.append(no(1), 0, {}, {}, "", &later);
  st.append(no(2), 0, {}, {}, "", &sooner);
  EXPECT_EQ(st.next_timer(all), 4'000'000'000'123);
  // Only the partitions asked about count.
  EXPECT_EQ(st.next_timer({st.partition_of(no(1))}), 5'000'000'000'000);
  EXPECT_FALSE(st.next_timer({st.partition_of(no(3))}));
}
