// Issue 13: an article's life as pure logic (M-KB-2, M-KB-3): drafted by
// its unit, reviewed by the office, every version kept; a revision under
// review leaves the published version live.
#include <gtest/gtest.h>

#include "routing/knowledge.hpp"

using namespace hotline::routing;
using namespace hotline::routing::kb;

namespace {

const person writer{"liaison-1", "王敏"};
const person reviewer{"office-1", "李强"};

content text(const std::string& title) {
  content c;
  c.title = title;
  c.body = "正文：" + title;
  c.categories = {"env.noise"};
  return c;
}

// Applies what `cmd` decides, or fails the test with the refusal.
article run(article a, const command& cmd, instant at, const person& by) {
  auto d = decide(a, cmd, at, by);
  if (auto* no = std::get_if<refusal>(&d)) {
    ADD_FAILURE() << no->code << ": " << no->message;
    return a;
  }
  for (const auto& e : std::get<std::vector<event>>(d))
    a = apply(std::move(a), e);
  return a;
}

refusal refused(const article& a, const command& cmd) {
  auto d = decide(a, cmd, 9, writer);
  EXPECT_TRUE(std::holds_alternative<refusal>(d));
  return std::holds_alternative<refusal>(d) ? std::get<refusal>(d) : refusal{};
}

} // namespace

TEST(Knowledge, AReturnedDraftIsRevisedAndPublishedWithEveryVersionKept_M_KB_2_M_KB_3) {
  article a;
  a.id = "kb-000001";
  a = run(a, create{"500103003", text("噪声投诉怎么办")}, 1, writer);
  EXPECT_EQ(a.current(), status::draft);
  EXPECT_EQ(a.owner, "500103003");
  a = run(a, submit{"500103003"}, 2, writer);
  EXPECT_EQ(a.current(), status::submitted);
  a = run(a, decide_review{false, "请补充夜间时段"}, 3, reviewer);
  EXPECT_EQ(a.current(), status::returned);
  EXPECT_EQ(a.versions[0].reviews.at(0).comment, "请补充夜间时段");
  a = run(a, revise{"500103003", text("夜间噪声投诉怎么办")}, 4, writer);
  a = run(a, submit{"500103003"}, 5, writer);
  a = run(a, decide_review{true, ""}, 6, reviewer);
  EXPECT_EQ(a.current(), status::published);
  ASSERT_EQ(a.versions.size(), 2u);
  EXPECT_EQ(a.published, 2);
  EXPECT_EQ(a.live()->c.title, "夜间噪声投诉怎么办");
  EXPECT_EQ(a.live()->written_by.name, "王敏");
  EXPECT_EQ(a.live()->approved_by.name, "李强");
  EXPECT_EQ(a.versions[0].c.title, "噪声投诉怎么办"); // kept
}

TEST(Knowledge, ARevisionUnderReviewLeavesThePublishedVersionLive_M_KB_2) {
  article a;
  a.id = "kb-000002";
  a = run(a, create{"500103003", text("第一版")}, 1, writer);
  a = run(a, submit{"500103003"}, 2, writer);
  a = run(a, decide_review{true, ""}, 3, reviewer);
  a = run(a, revise{"500103003", text("第二版")}, 4, writer);
  a = run(a, submit{"500103003"}, 5, writer);
  EXPECT_EQ(a.current(), status::submitted);
  EXPECT_EQ(a.live()->c.title, "第一版");
  EXPECT_EQ(a.in_work()->c.title, "第二版");
  // Not revised again while the office looks at it.
  EXPECT_EQ(refused(a, revise{"500103003", text("第三版")}).code, "conflict");
}

TEST(Knowledge, OnlyTheOwnerMaintainsAndTheOfficeReviewsWhatWasSubmitted_M_KB_2_M_KB_3) {
  article a;
  a.id = "kb-000003";
  a = run(a, create{"500103003", text("条目")}, 1, writer);
  EXPECT_EQ(refused(a, revise{"500103004", text("别人的")}).code, "forbidden");
  EXPECT_EQ(refused(a, submit{"500103004"}).code, "forbidden");
  EXPECT_EQ(refused(a, decide_review{true, ""}).code, "conflict"); // not submitted
  a = run(a, submit{"500103003"}, 2, writer);
  EXPECT_EQ(refused(a, submit{"500103003"}).code, "conflict");
  const auto no_comment = refused(a, decide_review{false, ""});
  EXPECT_EQ(no_comment.code, "invalid");
  EXPECT_EQ(no_comment.field, "comment");
  EXPECT_EQ(refused(a, retire{"500103004", false, "过时"}).code, "forbidden");
  EXPECT_EQ(refused(a, retire{"500103003", false, ""}).field, "reason");
  a = run(a, retire{"", true, "政策已调整"}, 3, reviewer);
  EXPECT_EQ(a.current(), status::retired);
  EXPECT_EQ(refused(a, revise{"500103003", text("复活")}).code, "conflict");
  EXPECT_EQ(refused(article{}, submit{"x"}).code, "forbidden");
}

TEST(Knowledge, ASeededArticleIsPublishedAsTheConfigurationGivesIt) {
  article a
      = fold("kb.test.seed", {drafted{1, "cq.health", text("疫苗接种"), {"config", "配置"}, true}});
  EXPECT_EQ(a.current(), status::published);
  EXPECT_EQ(a.published, 1);
  EXPECT_EQ(a.working, 0);
}

TEST(Knowledge, ReviewByDatesRemindBeforeAndFlagAfter_M_KB_2) {
  content c = text("定期复核");
  c.review_by = civil_date{2027, 3, 10};
  article a = fold("kb.test.due", {drafted{1, "cq.health", c, {"config", "配置"}, true}});
  EXPECT_TRUE(review_due_within(a, {2027, 3, 1}, 14));
  EXPECT_FALSE(review_due_within(a, {2027, 2, 1}, 14));
  EXPECT_FALSE(review_overdue(a, {2027, 3, 10}));
  EXPECT_TRUE(review_overdue(a, {2027, 3, 11}));
}
