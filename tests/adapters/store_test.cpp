// The event store against a real redis-server (DESIGN rules 1–3).
#include <gtest/gtest.h>

#include <thread>

#include "adapters/redis/codec.hpp"
#include "adapters/redis/feed.hpp"
#include "adapters/redis/store.hpp"
#include "tests/support/redis_fixture.hpp"

using namespace hotline;
using namespace hotline::routing;

namespace {

struct store_test : ::testing::Test {
  static inline std::unique_ptr<test::redis_server> server;
  static void SetUpTestSuite() { server = std::make_unique<test::redis_server>(); }
  static void TearDownTestSuite() { server.reset(); }
  void SetUp() override { server->flush(); }

  redis::pool pool{server->where(), 4};
  redis::store st{pool};

  std::vector<event> intake_events() {
    registered r;
    r.at = 1000;
    r.request_id = "req-1";
    r.via = channel::web;
    r.kind = demand_kind::complaint;
    r.category = "env.noise";
    r.content = "夜间施工噪音扰民";
    r.address = "渝中区解放碑街道";
    r.coords = point{106.5776, 29.558};
    r.caller_sealed = std::string("\x00\x01\xff sealed", 10);
    dispatched d;
    d.at = 1000;
    d.unit_id = "500103001";
    d.supervisor_id = "500103";
    d.reasons = {{"M-RT-1", "坐标位于渝中区"}};
    d.limit_days = 15;
    d.due = 99999;
    d.deadline_rule = "M-DL-2";
    return {r, d};
  }
};

} // namespace

TEST_F(store_test, EventsRoundTripThroughMessagePackWithEveryField) {
  for (const auto& e : intake_events()) {
    auto back = redis::decode(redis::encode(e));
    EXPECT_EQ(event_type(back), event_type(e));
  }
  auto with_key = std::get<registered>(intake_events()[0]);
  with_key.repeat_key = "rk1";
  with_key.fingerprint = "fp0";
  auto back_key = std::get<registered>(redis::decode(redis::encode(with_key)));
  EXPECT_EQ(back_key.repeat_key, "rk1");
  EXPECT_EQ(back_key.fingerprint, "fp0");
  auto r = std::get<registered>(redis::decode(redis::encode(intake_events()[0])));
  EXPECT_EQ(r.content, "夜间施工噪音扰民");
  EXPECT_EQ(r.caller_sealed, std::string("\x00\x01\xff sealed", 10));
  ASSERT_TRUE(r.coords);
  EXPECT_DOUBLE_EQ(r.coords->lat, 29.558);
  auto d = std::get<dispatched>(redis::decode(redis::encode(intake_events()[1])));
  ASSERT_EQ(d.reasons.size(), 1u);
  EXPECT_EQ(d.reasons[0].text, "坐标位于渝中区");
}

TEST_F(store_test, EveryEventTypeRoundTripsWithItsOwnFields) {
  auto a = std::get<accepted>(redis::decode(redis::encode(accepted{11, "500103001"})));
  EXPECT_EQ(a.at, 11);
  EXPECT_EQ(a.unit_id, "500103001");
  auto r = std::get<replied>(redis::decode(redis::encode(replied{12, "500103001", "已处理完毕"})));
  EXPECT_EQ(r.text, "已处理完毕");
  for (auto sat :
       {satisfaction::satisfied, satisfaction::basically_satisfied, satisfaction::not_satisfied})
    for (bool resolved : {true, false}) {
      auto c = std::get<called_back>(redis::decode(redis::encode(called_back{13, sat, resolved})));
      EXPECT_EQ(c.result, sat);
      EXPECT_EQ(c.resolved, resolved);
    }
  auto cl = std::get<closed>(redis::decode(redis::encode(closed{14, "M-SV-2"})));
  EXPECT_EQ(cl.rule, "M-SV-2");
  auto ro = std::get<reopened>(redis::decode(redis::encode(reopened{16, 2, 15, 99, true})));
  EXPECT_EQ(ro.count, 2);
  EXPECT_EQ(ro.limit_days, 15);
  EXPECT_EQ(ro.due, 99);
  EXPECT_TRUE(ro.provisional);
  auto er = std::get<extension_requested>(redis::decode(
      redis::encode(extension_requested{17, "500103001", "涉及多部门", "已走访", 12345})));
  EXPECT_EQ(er.reason, "涉及多部门");
  EXPECT_EQ(er.progress, "已走访");
  EXPECT_EQ(er.new_due, 12345);
  auto ed = std::get<extension_decided>(
      redis::decode(redis::encode(extension_decided{18, "500103", true, "同意", 12345})));
  EXPECT_EQ(ed.by, "500103");
  EXPECT_TRUE(ed.approved);
  EXPECT_EQ(ed.new_due, 12345);
  disposed dx;
  dx.at = 19;
  dx.kind = disposal_kind::refusal;
  dx.refusal_code = "petition";
  dx.basis = "已进入信访渠道";
  dx.rule = "M-S-2";
  dx.referral_name = "信访部门";
  auto dd = std::get<disposed>(redis::decode(redis::encode(dx)));
  EXPECT_EQ(dd.kind, disposal_kind::refusal);
  EXPECT_EQ(dd.basis, "已进入信访渠道");
  EXPECT_EQ(dd.referral_name, "信访部门");
  auto es
      = std::get<escalated>(redis::decode(redis::encode(escalated{20,
                                                                  escalation_level::supervision,
                                                                  777,
                                                                  {"500103.housing", "cq.office"},
                                                                  "",
                                                                  "500103.housing"})));
  EXPECT_EQ(es.level, escalation_level::supervision);
  EXPECT_EQ(es.due, 777);
  EXPECT_EQ(es.notified.size(), 2u);
  EXPECT_EQ(es.unit, "500103.housing");
  auto hn = std::get<handler_named>(
      redis::decode(redis::encode(handler_named{21, "500103003", "cq.power", "核查"})));
  EXPECT_EQ(hn.handler_id, "cq.power");
  EXPECT_EQ(hn.instruction, "核查");
  auto hr = std::get<handler_reported>(
      redis::decode(redis::encode(handler_reported{22, "cq.power", "已处理"})));
  EXPECT_EQ(hr.text, "已处理");
  auto rl = std::get<repeat_linked>(
      redis::decode(redis::encode(repeat_linked{23, channel::app, "又来了", "fp1"})));
  EXPECT_EQ(rl.via, channel::app);
  EXPECT_EQ(rl.fingerprint, "fp1");
  auto op = std::get<opinion_submitted>(
      redis::decode(redis::encode(opinion_submitted{24, "500103.housing", "意见"})));
  EXPECT_EQ(op.text, "意见");
  auto rt = std::get<returned>(redis::decode(redis::encode(returned{25, "500103003", "不属于"})));
  EXPECT_EQ(rt.reason, "不属于");
  auto fu = std::get<follow_up_added>(
      redis::decode(redis::encode(follow_up_added{26, channel::app, "补充：又开始了"})));
  EXPECT_EQ(fu.at, 26);
  EXPECT_EQ(fu.via, channel::app);
  EXPECT_EQ(fu.text, "补充：又开始了");
  auto co = std::get<coordination_requested>(
      redis::decode(redis::encode(coordination_requested{15, {{"M-RT-2", "属地不明"}}})));
  ASSERT_EQ(co.reasons.size(), 1u);
  EXPECT_EQ(co.reasons[0].rule, "M-RT-2");
}

TEST_F(store_test, ADecoderDefaultsMissingFieldsAndRejectsUnknownTypes) {
  EXPECT_THROW(redis::decode("not msgpack at all"), std::runtime_error);
  const std::string unknown = "\x81\xa1t\xa7"
                              "mystery";
  EXPECT_THROW(redis::decode(unknown), std::runtime_error);
  // A minimal "accepted" event with only its type: fields get defaults.
  const std::string minimal = "\x81\xa1t\xa8"
                              "accepted";
  auto e = redis::decode(minimal);
  EXPECT_EQ(std::get<accepted>(e).at, 0);
}

// Found by fuzz/event_codec_fuzz: a field of the wrong type escaped as
// msgpack::type_error, and a 5-byte array header claiming 4G elements made
// msgpack allocate them all; both are a bad event, a runtime_error.
TEST_F(store_test, ADecoderRefusesFieldsOfTheWrongTypeAndLyingSizesAsBadEvents) {
  EXPECT_THROW(redis::decode(std::string("\x81\xa1t\x01", 4)), std::runtime_error);
  EXPECT_THROW(redis::decode(std::string("\x82\xa1t\xa8"
                                         "accepted\xa4unit\x01",
                                         18)),
               std::runtime_error);
  EXPECT_THROW(redis::decode(std::string("\xdd\xff\xff\xff\xff", 5)), std::runtime_error);
  EXPECT_THROW(redis::decode_recorded(std::string("\xdd\xff\xff\xff\xff", 5)), std::runtime_error);
}

TEST_F(store_test, AppendedEventsLoadBackInOrder) {
  auto events = intake_events();
  auto res = st.append("20261128-000001", 0, {}, events, "req:req-1");
  EXPECT_EQ(res.result, redis::append_result::outcome::appended);
  EXPECT_EQ(res.version, 2u);
  auto loaded = st.load("20261128-000001");
  ASSERT_EQ(loaded.size(), 2u);
  auto s = fold(loaded);
  EXPECT_EQ(s.status, ticket_status::dispatched);
  EXPECT_EQ(s.assignment->unit_id, "500103001");
}

TEST_F(store_test, AnAppendAtAStaleVersionWritesNothing) {
  st.append("20261128-000001", 0, {}, intake_events());
  auto res = st.append("20261128-000001", 0, {}, {accepted{2000, "500103001"}});
  EXPECT_EQ(res.result, redis::append_result::outcome::version_conflict);
  EXPECT_EQ(res.version, 2u);
  EXPECT_EQ(st.load("20261128-000001").size(), 2u);
}

TEST_F(store_test, OfTwoConcurrentWritersAtTheSameVersionExactlyOneWins) {
  st.append("20261128-000001", 0, {}, intake_events());
  auto before = fold(st.load("20261128-000001"));
  std::atomic<int> wins{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < 8; ++i)
    writers.emplace_back([&, i] {
      redis::pool p(server->where(), 1);
      redis::store s(p);
      auto r = s.append("20261128-000001", 2, before, {accepted{2000 + i, "500103001"}});
      if (r.result == redis::append_result::outcome::appended)
        ++wins;
    });
  for (auto& w : writers)
    w.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(st.load("20261128-000001").size(), 3u);
}

TEST_F(store_test, ARequestIdClaimedByOneTicketIsNotClaimedByAnother) {
  st.append("20261128-000001", 0, {}, intake_events(), "req:req-1");
  auto res = st.append("20261128-000002", 0, {}, intake_events(), "req:req-1");
  EXPECT_EQ(res.result, redis::append_result::outcome::request_taken);
  EXPECT_EQ(res.existing_ticket, "20261128-000001");
  EXPECT_TRUE(st.load("20261128-000002").empty());
  EXPECT_EQ(st.find_claim("req:req-1").value(), "20261128-000001");
}

TEST_F(store_test, TicketNumbersAreUniquePerShanghaiDateAndTellTheirPartition_M_R_2) {
  // Partition p numbers p+1, p+1+P, p+1+2P, … of each day (issue 4).
  auto next = [&](routing::civil_date d, cluster::partition_id p) {
    return st.intake_lookup("any", "", d, p).fresh_no;
  };
  EXPECT_EQ(next({2026, 11, 28}, 0), "20261128-000001");
  EXPECT_EQ(next({2026, 11, 28}, 0), "20261128-000257");
  EXPECT_EQ(next({2026, 11, 28}, 5), "20261128-000006");
  EXPECT_EQ(next({2026, 11, 29}, 0), "20261129-000001");
  EXPECT_EQ(st.partition_of("20261128-000257"), 0u);
  EXPECT_EQ(st.partition_of("20261128-000006"), 5u);
}

TEST_F(store_test, AFencedAppendWritesOnlyWhileTheLeaseHoldsItsValue) {
  redis::connection c(server->where());
  const auto p = st.partition_of("20261128-000001");
  c.command({"SET", st.lease_key(p), "n1|7"});
  auto stale
      = st.append("20261128-000001", 0, {}, intake_events(), "req:r", nullptr, std::string("n1|6"));
  EXPECT_EQ(stale.result, redis::append_result::outcome::fenced);
  EXPECT_TRUE(st.load("20261128-000001").empty());
  EXPECT_FALSE(st.find_claim("req:r")) << "a fenced write claims nothing";
  auto current
      = st.append("20261128-000001", 0, {}, intake_events(), "req:r", nullptr, std::string("n1|7"));
  EXPECT_EQ(current.result, redis::append_result::outcome::appended);
  // The lease expired (deleted): the holder of the old value cannot write.
  c.command({"DEL", st.lease_key(p)});
  auto expired = st.append("20261128-000001", 2, fold(st.load("20261128-000001")),
                           {accepted{2000, "500103001"}}, "", nullptr, std::string("n1|7"));
  EXPECT_EQ(expired.result, redis::append_result::outcome::fenced);
  EXPECT_EQ(st.load("20261128-000001").size(), 2u);
}

TEST_F(store_test, AClaimedCommandAnswersTakenEvenAtAStaleVersion) {
  st.append("20261128-000001", 0, {}, intake_events());
  auto first = st.append("20261128-000001", 2, fold(st.load("20261128-000001")),
                         {accepted{2000, "500103001"}}, "cmd:k1");
  EXPECT_EQ(first.result, redis::append_result::outcome::appended);
  // A redelivery of the same command, decided on the state before it.
  auto again = st.append("20261128-000001", 2, fold(st.load("20261128-000001")),
                         {accepted{2000, "500103001"}}, "cmd:k1");
  EXPECT_EQ(again.result, redis::append_result::outcome::request_taken);
  EXPECT_EQ(again.existing_ticket, "20261128-000001");
  EXPECT_EQ(st.load("20261128-000001").size(), 3u);
  EXPECT_EQ(st.find_claim("cmd:k1").value(), "20261128-000001");
}

// Issue 10: the worklists a step leaves and enters, as the ticket actor
// computes them from the domain (routing::holders), with its summary.
redis::push_writes worklists(std::vector<std::string> before, std::vector<std::string> after,
                             std::uint64_t version) {
  redis::push_writes w;
  w.holders_before = std::move(before);
  w.holders_after = std::move(after);
  routing::ticket_summary t;
  t.no = "20261128-000001";
  t.version = version;
  t.status = routing::ticket_status::dispatched;
  w.summary = redis::encode(t);
  return w;
}

TEST_F(store_test, ADispatchedTicketIsInItsUnitsWorklistUntilClosed) {
  auto events = intake_events();
  auto in = worklists({}, {"500103001"}, 2);
  st.append("20261128-000001", 0, {}, events, "", nullptr, std::nullopt, {}, &in);
  EXPECT_EQ(st.inbox("500103001"), std::vector<std::string>{"20261128-000001"});
  ASSERT_EQ(st.worklist("500103001").size(), 1u);
  EXPECT_EQ(st.worklist("500103001")[0].version, 2u);
  auto s = fold(events);
  auto out = worklists({"500103001"}, {}, 3);
  st.append("20261128-000001", 2, s, {closed{3000, "M-SV-2"}}, "", nullptr, std::nullopt, {}, &out);
  EXPECT_TRUE(st.inbox("500103001").empty());
}

TEST_F(store_test, ANoticeGoesToTheFeedAndEachUnitsStreamWithOneId) {
  auto w = worklists({}, {"500103001", "500103.housing"}, 2);
  w.notices.push_back({"dispatched", {"500103001", "500103.housing"}, R"({"ticket_no":"x"})"});
  w.keep_after_ms = 0;
  st.append("20261128-000001", 0, {}, intake_events(), "", nullptr, std::nullopt, {}, &w);
  redis::feed f(pool);
  auto feed = f.after("0-0", 10);
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_EQ(feed[0].step, "dispatched");
  EXPECT_EQ(feed[0].units, (std::vector<std::string>{"500103001", "500103.housing"}));
  EXPECT_EQ(redis::decode_summary(feed[0].summary).version, 2u);
  EXPECT_EQ(feed[0].data, R"({"ticket_no":"x"})") << "read from the first unit's stream";
  for (const auto& unit : {"500103001", "500103.housing"}) {
    auto mine = f.unit_after(unit, "0-0", 10);
    ASSERT_EQ(mine.size(), 1u) << unit;
    EXPECT_EQ(mine[0].id, feed[0].id) << "one event id everywhere";
    EXPECT_EQ(mine[0].data, R"({"ticket_no":"x"})");
  }
  EXPECT_TRUE(f.unit_after("500103001", feed[0].id, 10).empty());
  EXPECT_EQ(redis::with_id(R"({"a":1})", feed[0].id), R"({"id":")" + feed[0].id + R"(","a":1})");
}

TEST_F(store_test, AFencedAppendTellsNobody) {
  auto w = worklists({}, {"500103001"}, 2);
  w.notices.push_back({"dispatched", {"500103001"}, "{}"});
  auto res = st.append("20261128-000001", 0, {}, intake_events(), "", nullptr,
                       std::string("other-node|1"), {}, &w);
  EXPECT_EQ(res.result, redis::append_result::outcome::fenced);
  redis::feed f(pool);
  EXPECT_TRUE(f.after("0-0", 10).empty());
  EXPECT_TRUE(st.inbox("500103001").empty());
}

TEST_F(store_test, AReturnMovesTheTicketFromTheInboxToTheQueueAndCountsIt_M_RT_4) {
  auto events = intake_events();
  auto in = worklists({}, {"500103001"}, 2);
  st.append("20261128-000001", 0, {}, events, "", nullptr, std::nullopt, {}, &in);
  auto s = fold(events);
  auto back_to_office = worklists({"500103001"}, {"cq.office"}, 3);
  st.append("20261128-000001", 2, s, {returned{3000, "500103001", "不属于"}}, "", nullptr,
            std::nullopt, {}, &back_to_office);
  EXPECT_TRUE(st.inbox("500103001").empty());
  EXPECT_EQ(st.coordination_queue(), std::vector<std::string>{"20261128-000001"});
  EXPECT_EQ(st.return_counts()["500103001"], 1);
  s = apply(s, returned{3000, "500103001", "不属于"});
  dispatched d;
  d.at = 4000;
  d.unit_id = "500103.urban-management";
  d.cooperating = {"500103.housing"};
  auto designated = worklists({"cq.office"}, {"500103.urban-management", "500103.housing"}, 4);
  st.append("20261128-000001", 3, s, {d}, "", nullptr, std::nullopt, {}, &designated);
  EXPECT_TRUE(st.coordination_queue().empty());
  EXPECT_TRUE(st.inbox("cq.office").empty());
  EXPECT_EQ(st.inbox("500103.urban-management"), std::vector<std::string>{"20261128-000001"});
  EXPECT_EQ(st.inbox("500103.housing"), std::vector<std::string>{"20261128-000001"});
  auto back = std::get<dispatched>(st.load("20261128-000001").back());
  EXPECT_EQ(back.cooperating, std::vector<std::string>{"500103.housing"});
}

TEST_F(store_test, ClosingOneTicketLeavesAnotherTicketsRepeatKey_M_S_2) {
  auto open_repeat = [&](const std::string& key) {
    return st.intake_lookup("any", key, {2026, 11, 28}, 0).open_repeat;
  };
  // Two tickets of one caller and matter registered in a race: the key names
  // the later one; closing the earlier must not forget the later.
  auto events = intake_events();
  std::get<registered>(events[0]).repeat_key = "rk";
  st.append("20261128-000001", 0, {}, events);
  st.append("20261128-000002", 0, {}, events);
  EXPECT_EQ(open_repeat("rk").value(), "20261128-000002");
  st.append("20261128-000001", 2, fold(events), {closed{5000, "M-SV-2"}});
  EXPECT_EQ(open_repeat("rk").value(), "20261128-000002");
  st.append("20261128-000002", 2, fold(events), {closed{5000, "M-SV-2"}});
  EXPECT_FALSE(open_repeat("rk"));
}

TEST_F(store_test, TheStoreSurvivesAServerScriptFlush) {
  redis::connection c(server->where());
  c.command({"SCRIPT", "FLUSH"});
  auto res = st.append("20261128-000001", 0, {}, intake_events());
  EXPECT_EQ(res.result, redis::append_result::outcome::appended);
}

TEST_F(store_test, HealthMeansRedisAcceptsWritesNotJustThatItAnswers) {
  EXPECT_TRUE(st.ping());
  // A primary that lost its replicas answers PING but refuses writes.
  redis::connection c(server->where());
  redis::check(c.command({"CONFIG", "SET", "min-replicas-to-write", "1"}).get(), "CONFIG SET");
  EXPECT_EQ(c.command({"PING"})->type, REDIS_REPLY_STATUS);
  EXPECT_FALSE(st.ping());
  redis::check(c.command({"CONFIG", "SET", "min-replicas-to-write", "0"}).get(), "CONFIG SET");
  EXPECT_TRUE(st.ping());
}
