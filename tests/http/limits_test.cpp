// Per-client token buckets (issue 9): anonymous request and intake rates.
#include <gtest/gtest.h>

#include "adapters/http/limits.hpp"

using namespace hotline::http;
using std::chrono::milliseconds;

TEST(TokenBuckets, AClientGetsItsBurstThenWaitsForTheRate) {
  token_buckets b(2.0, 3.0); // 2 per second, burst 3
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  EXPECT_FALSE(b.take("a", t0));
  EXPECT_FALSE(b.take("a", t0));
  EXPECT_FALSE(b.take("a", t0));
  auto wait = b.take("a", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1);
  // Half a second later one token has come back.
  EXPECT_FALSE(b.take("a", t0 + milliseconds(500)));
  EXPECT_TRUE(b.take("a", t0 + milliseconds(500)));
}

TEST(TokenBuckets, OneClientsLoadDoesNotTakeAnothersTokens) {
  token_buckets b(1.0, 1.0);
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  EXPECT_FALSE(b.take("127.0.0.2", t0));
  EXPECT_TRUE(b.take("127.0.0.2", t0));
  EXPECT_FALSE(b.take("127.0.0.3", t0));
}

TEST(TokenBuckets, TheRetryAfterCoversASlowRate) {
  token_buckets b(10.0 / 60.0, 10.0); // 10 per minute
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 10; ++i)
    EXPECT_FALSE(b.take("a", t0));
  auto wait = b.take("a", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 6); // one token per six seconds
}

TEST(LimitOptions, StaffKeepAShareButAnonymousCallersKeepAtLeastOneSlot) {
  limit_options o;
  o.max_inflight = 24;
  EXPECT_EQ(o.reserved(), 6u);
  o.max_inflight = 1;
  EXPECT_EQ(o.reserved(), 0u);
  o.max_inflight = 4;
  o.staff_reserved = 10;
  EXPECT_EQ(o.reserved(), 3u);
}

TEST(RatedBuckets, EachIntegratorKeyHasItsOwnRatePerMinute) {
  rated_buckets b;
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  EXPECT_FALSE(b.take("yukuaiban", 2, t0));
  EXPECT_FALSE(b.take("yukuaiban", 2, t0));
  auto wait = b.take("yukuaiban", 2, t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 30); // two a minute: one token per 30 s
  EXPECT_FALSE(b.take("cityapp", 60, t0)) << "another key is not slowed";
  EXPECT_FALSE(b.take("yukuaiban", 2, t0 + std::chrono::seconds(30)));
  // A changed rate (the integrator was updated) starts afresh.
  EXPECT_FALSE(b.take("yukuaiban", 600, t0 + std::chrono::seconds(30)));
}
