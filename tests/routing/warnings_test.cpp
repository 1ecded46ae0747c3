// Issue 14 item 4 (M-D-1): the early-warning statistics and rules, pure.
#include <gtest/gtest.h>

#include <cmath>

#include "routing/warnings.hpp"
#include "tests/routing/chongqing.hpp"

using namespace hotline::routing;
using namespace hotline::routing::warn;

namespace {

const instant ten = *parse_instant("2026-11-23T10:00:00+08:00");

// P(X >= k) by the textbook sum 1 - sum_{i<k} e^-m m^i / i!, for small k.
double naive_tail(long long k, double m) {
  double below = 0, term = std::exp(-m);
  for (long long i = 0; i < k; ++i) {
    below += term;
    term *= m / double(i + 1);
  }
  return 1 - below;
}

} // namespace

TEST(warnings, ThePoissonTailMatchesTheTextbookSumWhereThatIsPrecise_M_D_1) {
  for (double m : {0.5, 2.0, 7.5})
    for (long long k : {0LL, 1LL, 3LL, 8LL})
      EXPECT_NEAR(poisson_upper_tail(k, m), naive_tail(k, m), 1e-12) << k << " " << m;
  // P(X >= 1) = 1 - e^-m exactly.
  EXPECT_NEAR(poisson_upper_tail(1, 2.0), 1 - std::exp(-2.0), 1e-15);
}

TEST(warnings, TheFarTailStaysPreciseWhereOneMinusTheSumWouldRoundToZero_M_D_1) {
  // P(X >= 30 | 1) = e^-1 (1/30! + 1/31! + ...) = e^-1/30! (1 + 1/31 + 1/(31*32) + ...)
  double series = 0, term = 1;
  for (int j = 31; j < 40; ++j) {
    series += term;
    term /= j;
  }
  const double expect = std::exp(-1.0 - std::lgamma(31.0)) * series;
  EXPECT_NEAR(poisson_upper_tail(30, 1.0) / expect, 1.0, 1e-6);
  EXPECT_GT(poisson_upper_tail(30, 1.0), 0.0);
  EXPECT_LT(poisson_upper_tail(30, 1.0), 1e-30);
}

TEST(warnings, TheBaselineIsTheSameHoursOfPreviousDaysThenOfTheSameWeekday_M_D_1) {
  surge_rule r;
  r.baseline_days = 7;
  r.baseline_weeks = 4;
  EXPECT_EQ(baseline_offsets(r),
            (std::vector<long long>{24, 48, 72, 96, 120, 144, 168, 336, 504, 672}));
  r.baseline_days = 0;
  r.baseline_weeks = 2;
  EXPECT_EQ(baseline_offsets(r), (std::vector<long long>{168, 336}));
}

TEST(warnings, ABurstFarAboveItsBaselineIsASurgeWithItsFigures_M_D_1) {
  surge_rule r; // alpha 1e-4, min_count 8
  const std::vector<long long> samples{1, 0, 2, 1, 1, 0, 2};
  auto w = surge("env.noise", "500103", 15, samples, ten - 3 * hour_ms, ten, ten, r);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->kind, warning_kind::surge);
  EXPECT_EQ(w->observed, 15);
  EXPECT_DOUBLE_EQ(w->baseline, 1.0);
  EXPECT_NEAR(w->p_value, poisson_upper_tail(15, 1.0), 1e-20);
  EXPECT_LT(w->p_value, r.alpha);
  EXPECT_EQ(w->samples, samples);
  EXPECT_NE(w->reason.find("15"), std::string::npos);
  EXPECT_EQ(w->key.rfind("surge|env.noise|500103|", 0), 0u);
}

TEST(warnings, AnOrdinaryCountOrOneBelowTheMinimumRaisesNothing_M_D_1) {
  surge_rule r;
  // 3 against a mean of 2: ordinary.
  EXPECT_FALSE(surge("env.noise", "500103", 3, {2, 2, 2}, ten - 3 * hour_ms, ten, ten, r));
  // 7 against no history at all is improbable, but below min_count (8).
  EXPECT_FALSE(surge("env.noise", "500103", 7, {0, 0, 0}, ten - 3 * hour_ms, ten, ten, r));
  // 8 against none: the floor of the baseline (0.5) makes it P ~ 6e-8.
  auto w = surge("env.noise", "500103", 8, {0, 0, 0}, ten - 3 * hour_ms, ten, ten, r);
  ASSERT_TRUE(w);
  EXPECT_DOUBLE_EQ(w->baseline, 0.5);
}

TEST(warnings, AWarningKeyIsTheSameWithinAWindowAndChangesWithTheNext_M_D_1) {
  surge_rule r;
  auto a = surge("env.noise", "500103", 20, {1}, ten - 3 * hour_ms, ten, ten, r);
  auto b = surge("env.noise", "500103", 25, {1}, ten - 3 * hour_ms + 60'000, ten + 60'000,
                 ten + 60'000, r);
  auto c = surge("env.noise", "500103", 25, {1}, ten, ten + 3 * hour_ms, ten + 3 * hour_ms, r);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->key, b->key);
  EXPECT_NE(a->key, c->key);
}

TEST(warnings, ManyCallersAboutOnePlaceAndARepeatingCallerAndAnOverdueJump_M_D_1) {
  cluster_rule cr; // 5 callers in 6 h
  EXPECT_FALSE(cluster("env.noise", "解放碑", 4, ten - 6 * hour_ms, ten, ten, cr));
  auto c = cluster("env.noise", "解放碑", 5, ten - 6 * hour_ms, ten, ten, cr);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->observed, 5);
  EXPECT_EQ(c->threshold, 5);
  repeat_rule rr; // 3 calls
  EXPECT_FALSE(repeat("20261123-000001", "env.noise", 2, ten, rr));
  auto p = repeat("20261123-000001", "env.noise", 3, ten, rr);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key, "repeat|20261123-000001");
  overdue_rule orl; // +5 in 24 h
  EXPECT_FALSE(overdue_jump("500103001", 10, 14, ten - 24 * hour_ms, ten, orl));
  auto o = overdue_jump("500103001", 10, 15, ten - 24 * hour_ms, ten, orl);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->observed, 15);
  EXPECT_DOUBLE_EQ(o->baseline, 10);
}

TEST(warnings, BadThresholdsAreNamed) {
  thresholds t;
  EXPECT_TRUE(check(t).empty());
  t.surge.alpha = 0;
  t.cluster.min_callers = 1;
  const auto errors = check(t);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].rfind("surge.alpha", 0), 0u);
  EXPECT_EQ(errors[1].rfind("cluster.min_callers", 0), 0u);
}

TEST(warnings, AnOpenTicketCountsByStatusUnitKindAndTheDistrictOfItsLead_M_D_1) {
  const auto& dir = hotline::test::cq().directory;
  ticket_summary t;
  t.status = ticket_status::dispatched;
  t.lead = "500103003"; // 解放碑街道, 渝中区
  EXPECT_EQ(open_fields(t, dir),
            (std::vector<std::string>{"s:dispatched", "u:500103003", "k:township", "d:500103"}));
  t.lead.clear();
  t.status = ticket_status::coordinating;
  EXPECT_EQ(open_fields(t, dir), (std::vector<std::string>{"s:coordinating", "d:-"}));
  t.status = ticket_status::closed;
  EXPECT_TRUE(open_fields(t, dir).empty());
}
