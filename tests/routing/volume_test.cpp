// Issue 14 item 5 (M-D-1): what a brief counts of the demands of a period.
#include <gtest/gtest.h>

#include "routing/volume.hpp"
#include "tests/routing/chongqing.hpp"

using namespace hotline::routing;
namespace v = hotline::routing::volume;

namespace {

instant at(const char* iso) {
  return *parse_instant(iso);
}

registered intake(const char* when, demand_kind k, const char* category, channel via) {
  registered r;
  r.at = at(when);
  r.kind = k;
  r.category = category;
  r.via = via;
  return r;
}

dispatched to(const char* unit, const char* when) {
  dispatched d;
  d.at = at(when);
  d.unit_id = unit;
  return d;
}

called_back callback(const char* when, satisfaction s) {
  called_back c;
  c.at = at(when);
  c.result = s;
  return c;
}

civil_date day(const char* s) {
  return *parse_date(s);
}

const directory& cq() {
  return hotline::test::cq().directory;
}

} // namespace

TEST(Volume, ATicketCountsWhereItWasFirstPlacedAndItsLastCallback_M_C_2_M_SV_2) {
  const std::vector<event> events{
      intake("2026-11-03T10:00:00+08:00", demand_kind::complaint, "env.noise", channel::phone),
      to("500103001", "2026-11-03T10:00:01+08:00"),
      returned{at("2026-11-03T11:00:00+08:00"), "500103001", "不属于本街道"},
      to("500105001", "2026-11-03T12:00:00+08:00"),
      callback("2026-11-20T09:00:00+08:00", satisfaction::not_satisfied),
      callback("2026-12-02T09:00:00+08:00", satisfaction::basically_satisfied),
      closed{at("2026-12-02T09:00:00+08:00"), "M-SV-2"}};
  const auto d = v::demand_of("20261103-000001", events, cq());
  ASSERT_TRUE(d);
  EXPECT_EQ(d->received, day("2026-11-03"));
  EXPECT_EQ(d->district, "500103") << "the first placement, 渝中区";
  EXPECT_EQ(d->township, "500103001");
  EXPECT_TRUE(d->dispatched);
  EXPECT_FALSE(d->at_once);
  EXPECT_TRUE(d->closed);
  ASSERT_TRUE(d->called_back);
  EXPECT_EQ(*d->called_back, day("2026-12-02"));
  EXPECT_TRUE(d->satisfied) << "basically satisfied counts as satisfied";
}

TEST(Volume, ADirectAnswerIsADemandWithoutAPlace_M_C_1) {
  disposed answer;
  answer.at = at("2026-11-04T09:00:00+08:00");
  const std::vector<event> events{
      intake("2026-11-04T09:00:00+08:00", demand_kind::consultation, "gov.policy", channel::web),
      answer, closed{at("2026-11-04T09:00:00+08:00"), "M-C-1"}};
  const auto d = v::demand_of("20261104-000001", events, cq());
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->at_once);
  EXPECT_FALSE(d->dispatched);
  EXPECT_EQ(d->district, "");
  EXPECT_EQ(d->township, "");
}

TEST(Volume, NoRegistrationNoDemand) {
  EXPECT_FALSE(v::demand_of("x", {to("500103001", "2026-11-03T10:00:00+08:00")}, cq()));
}

TEST(Volume, ATallyCountsReceiptsInTheSpanAndCallbacksOnTheirOwnDay_M_D_1) {
  v::demand a;
  a.received = day("2026-10-30");
  a.category = "env.noise";
  a.called_back = day("2026-11-02");
  a.satisfied = true;
  v::demand b;
  b.received = day("2026-11-02");
  b.kind = demand_kind::complaint;
  b.category = "env.noise";
  b.via = channel::wechat;
  b.district = "500103";
  b.township = "500103001";
  b.dispatched = true;
  v::demand c = b;
  c.called_back = day("2026-11-02");
  c.satisfied = false;
  v::demand late = b;
  late.received = day("2026-12-01");

  const auto nov = *v::parse_span("2026-11");
  v::tally t;
  for (const auto& d : {a, b, c, late})
    v::add(t, d, nov.from, nov.to);
  EXPECT_EQ(t.demands, 2) << "a came in October, late in December";
  EXPECT_EQ(t.dispatched, 2);
  EXPECT_EQ(t.by_kind.at("complaint"), 2);
  EXPECT_EQ(t.by_channel.at("wechat"), 2);
  EXPECT_EQ(t.by_district.at("500103"), 2);
  EXPECT_EQ((t.hotspots.at({"500103001", "env.noise"})), 2);
  ASSERT_EQ(t.callbacks.size(), 1u);
  EXPECT_EQ(t.callbacks.at(day("2026-11-02")).callbacks, 2)
      << "a's October demand, called in November";
  EXPECT_EQ(t.callbacks.at(day("2026-11-02")).satisfied, 1);
}

TEST(Volume, ASpanIsADayOrAMonthAndNothingElse) {
  const auto m = v::parse_span("2026-02");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->from, day("2026-02-01"));
  EXPECT_EQ(m->to, day("2026-02-28"));
  EXPECT_FALSE(m->daily);
  const auto dec = v::parse_span("2026-12");
  ASSERT_TRUE(dec);
  EXPECT_EQ(dec->to, day("2026-12-31"));
  const auto d = v::parse_span("2026-11-30");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->daily);
  EXPECT_EQ(d->from, d->to);
  for (const char* bad : {"2026", "2026-13", "2026-11-31", "26-11", "2026/11", "", "2026-1"})
    EXPECT_FALSE(v::parse_span(bad)) << bad;
}

TEST(Volume, TopKeepsTheLargestFirstTiesInKeyOrder) {
  const std::map<std::string, long long> m{{"b", 2}, {"a", 2}, {"c", 5}, {"d", 1}};
  const auto t = v::top(m, 3);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].first, "c");
  EXPECT_EQ(t[1].first, "a");
  EXPECT_EQ(t[2].first, "b");
}
