// Issue 16 item 4: automation tokens verified once until they expire, and
// answered by the cache exactly as verify_automation_token answers (M-D-3).
#include "adapters/crypto/token_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace hotline::crypto {
namespace {

const std::string secret = "operator-secret-of-the-test";
const std::string office_id = "cq.office";
constexpr std::int64_t t0 = 1'760'000'000'000;
constexpr std::int64_t hour = 3'600'000;

std::string unit_token(const std::string& unit = "500103", std::int64_t ttl = 24 * hour) {
  return sign_automation_token(
      secret, {false, unit, routing::role_set::of({routing::role::liaison}), t0 + ttl});
}

TEST(token_cache, checks_a_token_s_signature_once_then_answers_from_memory_M_D_3) {
  token_cache cache(secret, office_id);
  const auto token = unit_token();
  for (int i = 0; i < 100; ++i) {
    const auto p = cache.verify(token, t0 + i);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->unit_id, "500103");
    EXPECT_EQ(p->user, "token");
    EXPECT_EQ(p->roles, routing::role_set::of({routing::role::liaison}));
  }
  EXPECT_EQ(cache.signatures_checked(), 1u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(token_cache, refuses_a_cached_token_from_the_millisecond_it_expires_M_D_3) {
  token_cache cache(secret, office_id);
  const auto token = unit_token("500103", hour);
  EXPECT_TRUE(cache.verify(token, t0).has_value());
  EXPECT_TRUE(cache.verify(token, t0 + hour - 1).has_value());
  EXPECT_FALSE(cache.verify(token, t0 + hour).has_value());
  EXPECT_FALSE(cache.verify(token, t0 + hour + 1).has_value());
  EXPECT_EQ(cache.size(), 0u);
}

TEST(token_cache, never_keeps_a_refusal_and_refuses_tampered_or_foreign_tokens_M_D_3) {
  token_cache cache(secret, office_id);
  const auto token = unit_token();
  ASSERT_TRUE(cache.verify(token, t0).has_value());
  std::string tampered = token;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(cache.verify(tampered, t0).has_value());
  EXPECT_FALSE(cache.verify(tampered, t0).has_value());
  EXPECT_FALSE(cache.verify("", t0).has_value());
  // Signed with another key: refused (the cache is per key, as the node).
  token_cache other("another-secret", office_id);
  EXPECT_FALSE(other.verify(token, t0).has_value());
  // A unit token naming the office is refused by the cache too.
  EXPECT_FALSE(cache.verify(unit_token(office_id), t0).has_value());
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.signatures_checked(), 5u);
}

TEST(token_cache, stays_bounded_and_still_verifies_when_full_M_D_3) {
  token_cache cache(secret, office_id, 8);
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(cache.verify(unit_token("5001" + std::to_string(10 + i)), t0).has_value());
  EXPECT_LE(cache.size(), 8u);
  EXPECT_TRUE(cache.verify(unit_token("500110"), t0).has_value());
}

TEST(token_cache, answers_the_same_from_many_threads_M_D_3) {
  token_cache cache(secret, office_id, 16);
  std::vector<std::string> tokens;
  for (int i = 0; i < 32; ++i)
    tokens.push_back(unit_token("5001" + std::to_string(10 + i)));
  std::vector<std::thread> ts;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int k = 0; k < 2000; ++k) {
        const auto& tok = tokens[static_cast<std::size_t>((k * 7 + t) % 32)];
        const auto p = cache.verify(tok, t0 + k);
        if (!p || p->unit_id != "5001" + std::to_string(10 + (k * 7 + t) % 32))
          ++wrong;
      }
    });
  for (auto& t : ts)
    t.join();
  EXPECT_EQ(wrong.load(), 0);
}

} // namespace
} // namespace hotline::crypto
