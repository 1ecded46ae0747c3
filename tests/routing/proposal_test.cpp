// Issue 11 (M-RT-2, M-RT-4): the office's designations become evidence,
// returns count against the unit that returned, and a ticket waiting for
// the office gets the unit chosen most often for its neighbours.
#include <gtest/gtest.h>

#include <algorithm>

#include "routing/proposal.hpp"
#include "tests/routing/chongqing.hpp"

using namespace hotline::routing;
using hotline::test::cq;

namespace {

evidence decided(const std::string& no, const std::string& unit, const std::string& place,
                 const std::string& township, const std::string& content, instant at = 0,
                 bool chosen = true) {
  evidence e;
  e.ticket_no = no;
  e.unit_id = unit;
  e.chosen = chosen;
  e.category = "env.noise";
  e.district = township.empty() ? "" : township.substr(0, 6);
  e.township = township;
  e.place = place;
  e.terms = content_terms(content);
  e.at = at;
  return e;
}

evidence waiting(const std::string& place, const std::string& township,
                 const std::string& content) {
  auto e = decided("Q", "", place, township, content);
  return e;
}

} // namespace

TEST(ContentTerms, ArePairsOfAdjacentHanCharactersAndAsciiWordsWithoutCommonOnes) {
  const auto t = content_terms("反映楼下KTV夜间噪音，希望处理");
  // 反映, 希望, 处理 say nothing of the matter.
  for (const char* common : {"反映", "希望", "处理"})
    EXPECT_EQ(std::count(t.begin(), t.end(), common), 0) << common;
  for (const char* kept : {"楼下", "ktv", "夜间", "间噪", "噪音"})
    EXPECT_EQ(std::count(t.begin(), t.end(), kept), 1) << kept;
  // Punctuation breaks a run: no pair across "，".
  EXPECT_EQ(std::count(t.begin(), t.end(), "音，"), 0);
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  EXPECT_LE(content_terms(std::string(300, 'a') + "噪音噪声扰民", 2).size(), 2u);
}

TEST(ContentTerms, WalkPastBytesThatAreNotUtf8) {
  const auto t = content_terms(std::string("噪音\xff\xfe扰民"));
  EXPECT_EQ(std::count(t.begin(), t.end(), "噪音"), 1);
  EXPECT_EQ(std::count(t.begin(), t.end(), "扰民"), 1);
}

TEST(Decisions, ADesignationAfterCoordinationAndAReturnAreTheOfficesEvidence_M_RT_2_M_RT_4) {
  ticket_state coordinating;
  coordinating.status = ticket_status::coordinating;
  dispatched d;
  d.at = 5;
  d.unit_id = "500103004";
  auto ds = decision_in(coordinating, d);
  ASSERT_TRUE(ds);
  EXPECT_EQ(ds->unit_id, "500103004");
  EXPECT_TRUE(ds->chosen);
  EXPECT_EQ(ds->at, 5);
  // The router's own dispatch at intake teaches nothing.
  EXPECT_FALSE(decision_in(apply(ticket_state{}, registered{}), d));
  // A return counts against the unit that returned.
  ticket_state dispatched_state;
  dispatched_state.status = ticket_status::dispatched;
  auto rs = decision_in(dispatched_state, returned{7, "500103003", "不属本街道"});
  ASSERT_TRUE(rs);
  EXPECT_FALSE(rs->chosen);
  EXPECT_EQ(rs->unit_id, "500103003");
  // One entry per ticket for designations (a later one replaces it), one
  // per ticket and unit for returns.
  auto a = decided("T1", "X", "", "", "");
  auto b = decided("T1", "X", "", "", "", 0, false);
  EXPECT_NE(evidence_key(a), evidence_key(b));
  EXPECT_EQ(evidence_key(a), evidence_key(decided("T1", "Y", "", "", "")));
}

TEST(Proposals, TheUnitChosenMostOftenForTheSamePlaceIsProposed_M_RT_2) {
  const auto& dir = cq().directory;
  std::vector<evidence> known{
      decided("A", "500103004", "王家坡社区", "", "楼下餐馆油烟噪声扰民", 1),
      decided("B", "500103004", "王家坡社区", "", "餐馆夜间噪声", 2),
      decided("C", "500101001", "王家坡社区", "", "广场舞噪声", 3),
      decided("D", "500103003", "领事巷社区", "", "餐馆油烟噪声扰民", 4),
  };
  auto p = propose(waiting("王家坡社区", "", "王家坡社区楼下餐馆噪声扰民"), known, dir);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->unit_id, "500103004");
  EXPECT_EQ(p->support, 2);
  EXPECT_EQ(p->basis, "place");
  // The most alike first.
  EXPECT_EQ(p->examples, (std::vector<std::string>{"A", "B"}));
  EXPECT_NE(p->reason.find("不自动派单"), std::string::npos);
}

TEST(Proposals, OnlyTheSameCategoryCountsAndNothingIsInventedWithoutEvidence_M_RT_2) {
  const auto& dir = cq().directory;
  auto other = decided("A", "500103004", "王家坡社区", "", "噪声");
  other.category = "urban.illegal-construction";
  EXPECT_FALSE(propose(waiting("王家坡社区", "", "噪声"), {other}, dir));
  EXPECT_FALSE(propose(waiting("王家坡社区", "", "噪声"), {}, dir));
  // A unit no longer in the directory is never proposed.
  EXPECT_FALSE(propose(waiting("王家坡社区", "", "噪声"),
                       {decided("A", "cq.gone", "王家坡社区", "", "噪声")}, dir));
}

TEST(Proposals, FallBackFromPlaceToTownshipToDistrict_M_RT_2) {
  const auto& dir = cq().directory;
  std::vector<evidence> known{decided("A", "500103012", "", "500103012", "噪声"),
                              decided("B", "500103.ecology-environment", "", "500103013", "噪声")};
  auto same_town = propose(waiting("", "500103012", "噪声"), known, dir);
  ASSERT_TRUE(same_town);
  EXPECT_EQ(same_town->unit_id, "500103012");
  EXPECT_EQ(same_town->basis, "township");
  auto same_district = propose(waiting("", "500103001", "噪声"), known, dir);
  ASSERT_TRUE(same_district);
  EXPECT_EQ(same_district->basis, "district");
  EXPECT_EQ(same_district->support, 1);
  // Another district is no neighbour.
  EXPECT_FALSE(propose(waiting("", "500101001", "噪声"), known, dir));
}

TEST(Proposals, AReturnCountsAgainstTheUnitThatReturned_M_RT_4) {
  const auto& dir = cq().directory;
  std::vector<evidence> known{
      decided("A", "500103003", "", "500103003", "噪声", 1),
      decided("B", "500103003", "", "500103003", "噪声", 2),
      decided("B", "500103003", "", "500103003", "噪声", 3, false), // returned
      decided("C", "500103.urban-management", "", "500103003", "工地噪声", 4),
  };
  // 解放碑街道: chosen twice, returned once → 1; urban management 1, more
  // alike in content → proposed.
  auto p = propose(waiting("", "500103003", "工地噪声"), known, dir);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->unit_id, "500103.urban-management");
  EXPECT_EQ(p->support, 1);
  // Returned as often as chosen: never proposed, even alone.
  const std::vector<evidence> cancelled{
      decided("A", "500103003", "", "500103003", "噪声", 1),
      decided("A", "500103003", "", "500103003", "噪声", 2, false)};
  EXPECT_FALSE(propose(waiting("", "500103003", "噪声"), cancelled, dir));
}

TEST(Proposals, TheTicketItselfIsNoEvidenceForItself) {
  const auto& dir = cq().directory;
  auto self = decided("Q", "500103004", "王家坡社区", "", "噪声");
  EXPECT_FALSE(propose(waiting("王家坡社区", "", "噪声"), {self}, dir));
}
