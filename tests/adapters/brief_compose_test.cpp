// Issue 14 item 5 (M-D-1, M-E-1, M-SV-2): what a brief says, from figures.
#include <gtest/gtest.h>

#include <cmath>

#include "adapters/brief/compose.hpp"
#include "tests/routing/chongqing.hpp"

namespace b = hotline::brief;
namespace r = hotline::routing;
namespace v = hotline::routing::volume;

namespace {

const b::section& named(const b::document& d, const std::string& title) {
  for (const auto& s : d.sections)
    if (s.title == title)
      return s;
  throw std::runtime_error("no section " + title);
}

std::string headline(const b::document& d, const std::string& label) {
  for (const auto& [l, value] : d.headline)
    if (l == label)
      return value;
  return "?";
}

b::inputs november() {
  b::inputs in;
  in.period = *v::parse_span("2026-11");
  in.generated = "2026-12-01 08:00";
  v::demand noise;
  noise.received = *r::parse_date("2026-11-03");
  noise.kind = r::demand_kind::complaint;
  noise.category = "env.noise";
  noise.district = "500103";
  noise.township = "500103001";
  noise.dispatched = true;
  v::demand answered;
  answered.received = *r::parse_date("2026-11-05");
  answered.category = "env.noise";
  answered.at_once = true;
  answered.closed = true;
  answered.via = r::channel::web;
  for (int i = 0; i < 1234; ++i)
    v::add(in.tally, noise, in.period.from, in.period.to);
  v::add(in.tally, answered, in.period.from, in.period.to);
  in.tally.callbacks[*r::parse_date("2026-11-10")] = {4, 3};
  in.trend = in.tally;
  in.trend_from = in.period.from;
  in.trend_to = in.period.to;
  return in;
}

} // namespace

TEST(BriefCompose, TheHeadlineAndTheBreakdownsInChinese_M_D_1) {
  const auto d = b::compose(november(), hotline::test::cq().directory);
  EXPECT_EQ(d.title, "重庆市12345政务服务便民热线 月报 2026年11月");
  EXPECT_EQ(d.period, "2026-11-01 至 2026-11-30");
  EXPECT_EQ(headline(d, "受理诉求"), "1,235");
  EXPECT_EQ(headline(d, "即时办结"), "1");
  EXPECT_EQ(headline(d, "派发工单"), "1,234");
  EXPECT_EQ(headline(d, "回访满意率"), "75.0%");
  const auto& kinds = named(d, "按诉求类型");
  ASSERT_EQ(kinds.data.rows.size(), 2u);
  EXPECT_EQ(kinds.data.rows[0], (std::vector<std::string>{"投诉", "1,234", "99.9%"}));
  EXPECT_EQ(kinds.data.rows[1][0], "咨询");
  const auto& districts = named(d, "按区县");
  EXPECT_EQ(districts.data.rows[0][0], "渝中区");
  EXPECT_EQ(districts.data.rows[1][0], "不分属地") << "a direct answer has no territory";
  EXPECT_EQ(named(d, "按事项分类").data.rows[0][0], "噪声扰民");
  EXPECT_EQ(named(d, "按受理渠道").data.rows[1][0], "网站");
  const auto& hot = named(d, "热点");
  ASSERT_EQ(hot.data.rows.size(), 1u);
  EXPECT_EQ(hot.data.rows[0][1], "渝中区");
  EXPECT_EQ(hot.data.rows[0][3], "1,234");
}

TEST(BriefCompose, BestByScoreSlowestByOnTimeRateOnlyTheRanked_M_E_1) {
  auto in = november();
  in.units
      = {{"500103001", "乡镇/街道", 10, 0.9, 0.8, 88.0, 2},
         {"500103002", "乡镇/街道", 12, 0.5, 0.9, 91.5, 1},
         {"500103003", "乡镇/街道", 1, std::nullopt, std::nullopt, 40.0, 3},
         {"500103004", "乡镇/街道", 0, std::nullopt, std::nullopt, std::nullopt, std::nullopt}};
  const auto d = b::compose(in, hotline::test::cq().directory);
  const auto& best = named(d, "表现最好的单位");
  ASSERT_EQ(best.data.rows.size(), 3u) << "the unranked unit is left out";
  EXPECT_EQ(best.data.rows[0][5], "91.50");
  EXPECT_EQ(best.data.rows[0][6], "1");
  EXPECT_EQ(best.data.rows[0][3], "50.0%");
  const auto& slow = named(d, "办理最慢的单位");
  ASSERT_EQ(slow.data.rows.size(), 2u) << "no on-time rate, no place among the slowest";
  EXPECT_EQ(slow.data.rows[0][3], "50.0%");
  EXPECT_EQ(slow.data.rows[1][3], "90.0%");
}

TEST(BriefCompose, TheTrendHasEveryDayAndGapsWhereNobodyWasCalled_M_SV_2) {
  const auto d = b::compose(november(), hotline::test::cq().directory);
  const auto& trend = named(d, "满意率趋势");
  ASSERT_TRUE(trend.figure);
  ASSERT_EQ(trend.figure->points.size(), 30u);
  int shown = 0;
  for (const auto& p : trend.figure->points)
    shown += std::isfinite(p.value);
  EXPECT_EQ(shown, 1);
  EXPECT_DOUBLE_EQ(trend.figure->points[9].value, 0.75);
  EXPECT_EQ(trend.data.rows[9], (std::vector<std::string>{"2026-11-10", "4", "3", "75.0%"}));
  EXPECT_EQ(trend.data.rows[0][3], "—");
}

TEST(BriefCompose, WarningsAreListedWithTheirReasons_M_D_1) {
  auto in = november();
  in.warnings
      = {{"2026-11-12 15:00", "激增", "渝中区 噪声扰民 近3小时 41 件，基线 6.2 件，p<0.0001"}};
  const auto d = b::compose(in, hotline::test::cq().directory);
  const auto& w = named(d, "预警");
  ASSERT_EQ(w.data.rows.size(), 1u);
  EXPECT_EQ(w.data.rows[0][2], "渝中区 噪声扰民 近3小时 41 件，基线 6.2 件，p<0.0001");
}

TEST(BriefCompose, ADailyBriefSaysItsDay) {
  auto in = november();
  in.period = *v::parse_span("2026-11-30");
  const auto d = b::compose(in, hotline::test::cq().directory);
  EXPECT_EQ(d.title, "重庆市12345政务服务便民热线 日报 2026年11月30日");
  EXPECT_EQ(d.period, "2026-11-30");
}
