// Issue 14: the archiver against a real redis-server and a real PostgreSQL
// (both started by the test, both killed with it): nothing leaves Redis
// before its time, nothing is deleted by a node whose lease has moved, and
// a batch written twice is stored once.
#include <gtest/gtest.h>

#include "adapters/archive/archiver.hpp"
#include "adapters/archive/demands.hpp"
#include "adapters/archive/embedded_pg.hpp"
#include "adapters/redis/codec.hpp"
#include "tests/routing/chongqing.hpp"
#include "tests/routing/plain_calendar.hpp"
#include "tests/support/redis_fixture.hpp"

using namespace hotline;
using namespace hotline::test;

namespace {

constexpr routing::instant day = 24LL * 3'600'000;
constexpr routing::instant closed_at = 1'791'000'000'000; // 2026-10-03, Shanghai

struct archiver_test : ::testing::Test {
  redis_server redis;
  temp_dir pg_dir{"hotline-archiver-pg"};
  std::unique_ptr<archive::embedded_pg> pg;
  std::unique_ptr<redis::pool> pool;
  std::unique_ptr<redis::store> store;
  cluster::ownership own{"n1", cluster::default_partitions};
  std::unique_ptr<archive::pg_pool> pg_pool;
  std::unique_ptr<archive::tables> tables;
  routing::instant now = closed_at;

  void SetUp() override {
    archive::embedded_pg_options o;
    o.data_dir = pg_dir.path();
    o.die_with_parent = true;
    pg = std::make_unique<archive::embedded_pg>(o);
    pool = std::make_unique<redis::pool>(redis.where(), 2);
    store = std::make_unique<redis::store>(*pool);
    own_every_partition(*pool, own);
    pg_pool = std::make_unique<archive::pg_pool>(pg->conninfo(), 2);
    tables = std::make_unique<archive::tables>(*pg_pool);
    tables->ensure_schema();
  }

  std::unique_ptr<archive::archiver> make_archiver() {
    return std::make_unique<archive::archiver>(
        *store, *tables, own, [this] { return now; }, archive::archiver_options{});
  }

  long long redis_int(const std::vector<std::string>& cmd) {
    redis::connection c(redis.where());
    auto r = c.command(cmd);
    redis::check(r.get(), cmd[0].c_str());
    return r->type == REDIS_REPLY_INTEGER ? redis::reply_integer(r.get()) : -1;
  }

  long long pg_count(const std::string& sql) {
    archive::pg_connection c(pg->conninfo());
    return c.exec(sql).integer(0, 0);
  }

  // A closed ticket as the append script leaves it; the archiver moves
  // the stored bytes as they are, so any bytes do.
  void closed_ticket(const std::string& no) {
    redis::connection c(redis.where());
    c.command({"RPUSH", "hl:t:" + no, "registered", "closed"});
    c.command({"SADD", "hl:tickets", no});
    c.command({"ZADD", store->closed_key(store->partition_of(no)), std::to_string(closed_at), no});
  }
};

} // namespace

TEST_F(archiver_test, NothingLeavesRedisBeforeTheConfiguredTimeAfterItsClose_M_SV_3) {
  closed_ticket("20261003-000001");
  auto a = make_archiver();
  now = closed_at + 7 * day - 1;
  EXPECT_EQ(a->run_once(), 0u);
  EXPECT_EQ(redis_int({"EXISTS", "hl:t:20261003-000001"}), 1);
  EXPECT_EQ(pg_count("SELECT count(*) FROM hl_archive_events"), 0);
  now = closed_at + 7 * day;
  EXPECT_EQ(a->run_once(), 1u);
  EXPECT_EQ(redis_int({"EXISTS", "hl:t:20261003-000001"}), 0);
  EXPECT_EQ(redis_int({"SCARD", "hl:tickets"}), 0);
  EXPECT_EQ(tables->events("20261003-000001"), (std::vector<std::string>{"registered", "closed"}));
  EXPECT_EQ(
      pg_count("SELECT count(*) FROM hl_archive_days WHERE day = '2026-10-03' AND tickets = 1"), 1);
}

TEST_F(archiver_test, ANodeWhoseLeaseMovedDeletesNothingAndTheOwnerStoresItOnce) {
  const std::string no = "20261003-000002";
  closed_ticket(no);
  const auto lease = store->lease_key(store->partition_of(no));
  redis::connection c(redis.where());
  auto held = c.command({"GET", lease});
  const std::string ours = redis::reply_string(held.get());
  // Another node took the partition while this one was paused.
  c.command({"SET", lease, "n2|999"});
  auto a = make_archiver();
  now = closed_at + 8 * day;
  EXPECT_EQ(a->run_once(), 0u);
  EXPECT_EQ(pg_count("SELECT count(*) FROM hl_archive_events"), 2) << "committed, harmless";
  EXPECT_EQ(redis_int({"LLEN", "hl:t:" + no}), 2) << "but Redis keeps it";
  // The owner archives it again: the same rows, once.
  c.command({"SET", lease, ours});
  EXPECT_EQ(a->run_once(), 1u);
  EXPECT_EQ(pg_count("SELECT count(*) FROM hl_archive_events"), 2);
  EXPECT_EQ(pg_count("SELECT count(*) FROM hl_archive_tickets"), 1);
  EXPECT_EQ(redis_int({"EXISTS", "hl:t:" + no}), 0);
  EXPECT_EQ(a->run_once(), 0u);
}

TEST(ArchivePostgres, AUrlsPasswordNeverReachesALog) {
  EXPECT_EQ(archive::redact_pg_url("postgresql://hotline:s3cret@db:5432/hotline"),
            "postgresql://hotline:***@db:5432/hotline");
  EXPECT_EQ(archive::redact_pg_url("host=db user=hotline password=s3cret dbname=hotline"),
            "host=db user=hotline password=*** dbname=hotline");
  EXPECT_EQ(archive::redact_pg_url("postgresql://db/hotline"), "postgresql://db/hotline");
}

// Issue 14, M-E-1: the evaluation's facts of an archived ticket.
namespace {

struct archive_facts_test : archiver_test {
  routing::calendar cal = plain_2026();
  routing::policy pol{&cal, 3, 15};

  // A complaint handled by 解放碑街道 on time and closed satisfied.
  std::vector<std::string> handled_events() {
    const routing::instant t = *routing::parse_instant("2026-11-02T09:00:00+08:00");
    routing::registered r;
    r.at = t;
    r.kind = routing::demand_kind::complaint;
    routing::dispatched d;
    d.at = t;
    d.unit_id = "500103003";
    d.supervisor_id = "500103";
    d.due = cal.add_working_days(t, 15).due;
    d.limit_days = 15;
    std::vector<routing::event> events{r,
                                       d,
                                       routing::accepted{t + 3'600'000, "500103003"},
                                       routing::replied{t + 86'400'000, "500103003", "已处理"},
                                       routing::called_back{t + 2 * 86'400'000},
                                       routing::closed{t + 2 * 86'400'000, "M-SV-2"}};
    std::vector<std::string> out;
    for (const auto& e : events)
      out.push_back(redis::encode(e));
    return out;
  }
  archive::closed_ticket ticket(const std::string& no) {
    return {no, *routing::parse_instant("2026-11-04T09:00:00+08:00"), handled_events()};
  }
};

} // namespace

TEST_F(archive_facts_test, FactsAreWrittenWithTheTicketAndOnlyOnceWhenABatchIsWrittenAgain_M_E_1) {
  tables->derive_facts(archive::derive_with(pol, {}, test::cq().directory));
  tables->store({ticket("20261102-000001")}, now);
  tables->store({ticket("20261102-000001")}, now);
  EXPECT_EQ(pg_count("SELECT count(*) FROM hl_archive_facts"), 1);
  const auto sums
      = archive::facts(*pg_pool).sums(*routing::evaluation::parse_period("2026-11"), "500103003");
  ASSERT_EQ(sums.size(), 1u);
  using routing::evaluation::count;
  const auto& n = sums.begin()->second;
  EXPECT_EQ(n[static_cast<std::size_t>(count::received)], 1);
  EXPECT_EQ(n[static_cast<std::size_t>(count::answered_on_time)], 1);
  EXPECT_EQ(n[static_cast<std::size_t>(count::satisfied)], 1);
}

// Issue 14 item 5 (M-D-1): the brief's demand row goes with the ticket too.
TEST_F(archive_facts_test, TheBriefsDemandRowIsWrittenWithTheTicketAndTalliedBySql_M_D_1) {
  tables->derive_facts(archive::derive_with(pol, {}, test::cq().directory));
  tables->store({ticket("20261102-000001")}, now);
  tables->store({ticket("20261102-000001")}, now);
  EXPECT_EQ(pg_count("SELECT count(*) FROM hl_archive_demands"), 1);
  const auto nov = *routing::volume::parse_span("2026-11");
  routing::volume::tally t;
  archive::demands(*pg_pool).tally(t, nov.from, nov.to);
  EXPECT_EQ(t.demands, 1);
  EXPECT_EQ(t.dispatched, 1);
  EXPECT_EQ(t.closed, 1);
  EXPECT_EQ(t.by_kind.at("complaint"), 1);
  EXPECT_EQ(t.by_district.at("500103"), 1);
  EXPECT_EQ((t.hotspots.at({"500103003", ""})), 1);
  ASSERT_EQ(t.callbacks.size(), 1u);
  EXPECT_EQ(t.callbacks.begin()->first, *routing::parse_date("2026-11-04"));
  EXPECT_EQ(t.callbacks.begin()->second.satisfied, 1);
  routing::volume::tally october;
  archive::demands(*pg_pool).tally(october, *routing::parse_date("2026-10-01"),
                                   *routing::parse_date("2026-10-31"));
  EXPECT_EQ(october.demands, 0);
  EXPECT_TRUE(october.callbacks.empty());
}

TEST_F(archive_facts_test, TicketsArchivedBeforeTheFactsTableGetTheirFactsOnce_M_E_1) {
  // Archived by a version without facts.
  tables->store({ticket("20261102-000002"), ticket("20261102-000003")}, now);
  EXPECT_EQ(pg_count("SELECT count(*) FROM hl_archive_facts"), 0);
  archive::facts f(*pg_pool);
  EXPECT_FALSE(f.derived());
  EXPECT_EQ(f.derive_earlier(archive::derive_with(pol, {}, test::cq().directory), 1), 2u);
  EXPECT_TRUE(f.derived());
  EXPECT_EQ(pg_count("SELECT count(*) FROM hl_archive_facts"), 2);
  EXPECT_EQ(pg_count("SELECT count(*) FROM hl_archive_demands"), 2) << "and their demand rows";
  // Once: the marker stops a second derivation.
  archive::pg_connection c(pg->conninfo());
  c.exec("DELETE FROM hl_archive_facts");
  EXPECT_EQ(f.derive_earlier(archive::derive_with(pol, {}, test::cq().directory)), 0u);
  EXPECT_EQ(pg_count("SELECT count(*) FROM hl_archive_facts"), 0);
}
