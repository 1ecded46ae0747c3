// The working-day calendar, M-DL-6, on the official 2025/2026 arrangements.
#include <gtest/gtest.h>

#include "adapters/config/loader.hpp"
#include "routing/calendar.hpp"

using namespace hotline::routing;

namespace {

const calendar& chongqing_calendar() {
  static const auto cfg
      = hotline::config::load(std::string(HOTLINE_SOURCE_DIR) + "/config/chongqing");
  return cfg.calendar;
}

instant at(const char* iso) {
  return *parse_instant(iso);
}

} // namespace

TEST(CivilTime, FormatsInstantsInShanghaiTime) {
  EXPECT_EQ(format_instant(at("2026-11-28T01:30:00Z")), "2026-11-28T09:30:00+08:00");
  EXPECT_EQ(format_instant(at("2026-11-28T23:59:59+08:00")), "2026-11-28T23:59:59+08:00");
  EXPECT_EQ(shanghai_date(at("2026-11-28T16:00:00Z")), (civil_date{2026, 11, 29}));
}

TEST(CivilTime, RejectsTimesWithoutOffsetOrImpossibleDates) {
  EXPECT_FALSE(parse_instant("2026-11-28T09:30:00"));
  EXPECT_FALSE(parse_instant("2026-02-30T09:30:00+08:00"));
  EXPECT_FALSE(parse_instant("not a time"));
  EXPECT_FALSE(parse_date("2026-13-01"));
  EXPECT_TRUE(parse_instant("2026-11-28T09:30:00.123+08:00"));
}

TEST(Calendar, SpringFestival2026IsOffAndItsMakeUpSaturdaysAreWorkingDays) {
  const auto& cal = chongqing_calendar();
  EXPECT_FALSE(cal.is_working_day({2026, 2, 17})); // 春节, a Tuesday
  EXPECT_FALSE(cal.is_working_day({2026, 2, 23})); // last day off, a Monday
  EXPECT_TRUE(cal.is_working_day({2026, 2, 14}));  // 调休上班, a Saturday
  EXPECT_TRUE(cal.is_working_day({2026, 2, 28}));  // 调休上班, a Saturday
  EXPECT_TRUE(cal.is_working_day({2026, 2, 24}));  // back to work, Tuesday
}

TEST(Calendar, NationalDay2026IsOffAndOctoberTenthIsAWorkingSaturday) {
  const auto& cal = chongqing_calendar();
  for (int d = 1; d <= 7; ++d)
    EXPECT_FALSE(cal.is_working_day({2026, 10, d})) << d;
  EXPECT_TRUE(cal.is_working_day({2026, 10, 10}));
  EXPECT_FALSE(cal.is_working_day({2026, 10, 11})); // an ordinary Sunday
}

TEST(Calendar, LimitEndsAtMidnightAfterTheNthWorkingDayNotCountingTheAssignmentDay_M_DL_6) {
  const auto& cal = chongqing_calendar();
  // Assigned on a Monday morning: 3 working days are Tue, Wed, Thu.
  auto dl = cal.add_working_days(at("2026-11-23T10:00:00+08:00"), 3);
  EXPECT_EQ(format_date(dl.last_day), "2026-11-26");
  EXPECT_EQ(format_instant(dl.due), "2026-11-27T00:00:00+08:00");
  EXPECT_FALSE(dl.provisional);
}

TEST(Calendar, FifteenWorkingDaysFromSeptember18CountMakeUpDaysAndSkipHolidays_M_DL_2) {
  // 2026-09-20 (Sun) and 2026-10-10 (Sat) are make-up working days; the
  // Mid-Autumn (09-25..27) and National Day (10-01..07) holidays are not.
  auto dl = chongqing_calendar().add_working_days(at("2026-09-18T15:00:00+08:00"), 15);
  EXPECT_EQ(format_date(dl.last_day), "2026-10-15");
  EXPECT_EQ(format_instant(dl.due), "2026-10-16T00:00:00+08:00");
}

TEST(Calendar, ThreeWorkingDaysAcrossSpringFestival2026) {
  // Thu 02-12 → Fri 02-13, Sat 02-14 (make-up), then Tue 02-24 after the break.
  auto dl = chongqing_calendar().add_working_days(at("2026-02-12T09:00:00+08:00"), 3);
  EXPECT_EQ(format_date(dl.last_day), "2026-02-24");
}

TEST(Calendar, AssignmentLateAtNightCountsFromTheShanghaiDate) {
  // 23:30 on Friday 2026-11-27 in Shanghai is 15:30Z the same day.
  auto dl = chongqing_calendar().add_working_days(at("2026-11-27T15:30:00Z"), 1);
  EXPECT_EQ(format_date(dl.last_day), "2026-11-30");
}

TEST(Calendar, DeadlineReachingIntoAYearWithoutAFileIsProvisional_M_DL_6) {
  const auto& cal = chongqing_calendar();
  ASSERT_FALSE(cal.has_year(2027));
  EXPECT_FALSE(cal.add_working_days(at("2026-11-28T10:00:00+08:00"), 15).provisional);
  auto dl = cal.add_working_days(at("2026-12-20T10:00:00+08:00"), 15);
  EXPECT_TRUE(dl.provisional);
  EXPECT_EQ(dl.last_day.year, 2027);
}

TEST(Calendar, AYearLoadedLaterMakesTheSameDeadlineFirm) {
  calendar cal = chongqing_calendar();
  holiday_year y2027;
  y2027.year = 2027;
  y2027.holidays.push_back({"元旦", {2027, 1, 1}, {2027, 1, 3}});
  cal.add_year(y2027);
  auto dl = cal.add_working_days(at("2026-12-28T10:00:00+08:00"), 5);
  EXPECT_FALSE(dl.provisional);
  // 12-29, 12-30, 12-31, (01-01 off), 01-04, 01-05
  EXPECT_EQ(format_date(dl.last_day), "2027-01-05");
}

// Issue 15: a deadline at midnight ends the day before; people read that day.
TEST(DeadlineDate, AMidnightDeadlineIsTheLastDayBeforeItAGivenTimeItsOwnDay_M_DL_2) {
  EXPECT_EQ(deadline_date(at("2026-12-22T00:00:00+08:00")), "2026-12-21");
  EXPECT_EQ(deadline_date(at("2026-12-21T17:30:00+08:00")), "2026-12-21");
  EXPECT_EQ(deadline_date(at("2026-12-21T16:00:00Z")), "2026-12-21") << "00:00 Shanghai";
  EXPECT_EQ(deadline_date(at("2027-01-01T00:00:00+08:00")), "2026-12-31");
}
