// The evaluation's pure part (issue 14, M-E-1): a ticket's events give each
// unit's facts; sums of facts give rates, a weighted score and ranks within
// a kind of unit (docs/EVALUATION.md).
#include <gtest/gtest.h>

#include "routing/evaluation.hpp"
#include "tests/routing/plain_calendar.hpp"

using namespace hotline::routing;
using namespace hotline::routing::evaluation;
using hotline::test::plain_2026;

namespace {

constexpr const char* street_a = "500103001";
constexpr const char* street_b = "500103002";

struct facts_test : ::testing::Test {
  calendar cal = plain_2026();
  policy pol{&cal, 3, 15};
  rules rule; // response within 1 working day
  // Monday 2026-11-23; the 15-working-day limit ends Monday 2026-12-14 24:00.
  instant monday = *parse_instant("2026-11-23T10:00:00+08:00");
  std::vector<event> events;
  ticket_state s;

  static instant at(const char* iso) { return *parse_instant(iso); }

  void run(const command& c, instant now) {
    auto d = decide(s, c, now, pol);
    auto* out = std::get_if<std::vector<event>>(&d);
    ASSERT_NE(out, nullptr) << std::get<workflow_error>(d).message;
    for (const auto& e : *out) {
      events.push_back(e);
      s = apply(std::move(s), e);
    }
  }

  void dispatch(const std::string& unit = street_a) {
    register_demand r;
    r.intake.request_id = "req-1";
    r.intake.kind = demand_kind::complaint;
    r.intake.category = "env.noise";
    r.intake.content = "夜间施工噪音";
    assignment a;
    a.unit_id = unit;
    a.supervisor_id = "500103";
    r.route = a;
    run(r, monday);
  }

  std::vector<fact> facts(instant as_of) {
    return facts_of("20261123-000001", events, pol, rule, as_of);
  }

  static const fact& of(const std::vector<fact>& f, const std::string& unit) {
    for (const auto& x : f)
      if (x.unit == unit)
        return x;
    throw std::runtime_error("no fact of " + unit);
  }
};

} // namespace

TEST_F(facts_test, AnOnTimeSatisfiedTicketCountsOnceInEveryFigureItMeets_M_E_1) {
  dispatch();
  run(accept_ticket{street_a}, monday + 3'600'000);
  run(reply_ticket{street_a, "已处理"}, at("2026-11-25T10:00:00+08:00"));
  run(record_callback{satisfaction::basically_satisfied, true}, at("2026-11-26T10:00:00+08:00"));
  const auto f = facts(at("2026-12-31T00:00:00+08:00"));
  ASSERT_EQ(f.size(), 1u);
  const auto& a = f[0];
  EXPECT_EQ(a.unit, street_a);
  EXPECT_EQ(a.part, handling_role::sole);
  EXPECT_EQ(a.month, "2026-11");
  for (auto c : {count::received, count::responded, count::answered, count::answered_on_time,
                 count::called_back, count::satisfied, count::resolved})
    EXPECT_EQ(a[c], 1) << to_string(c);
  for (auto c : {count::overdue, count::returned, count::reopened, count::supervised,
                 count::noticed, count::extensions_requested, count::cooperated})
    EXPECT_EQ(a[c], 0) << to_string(c);
}

TEST_F(facts_test, AcceptedAfterTheResponseLimitAndAnsweredLateCountsAgainstTheUnit_M_E_1) {
  dispatch();
  // The limit ends Tuesday 24:00 (one working day after Monday's receipt).
  run(accept_ticket{street_a}, at("2026-11-25T00:00:01+08:00"));
  run(reply_ticket{street_a, "已处理"}, at("2026-12-15T09:00:00+08:00"));
  const auto& a = of(facts(at("2026-12-31T00:00:00+08:00")), street_a);
  EXPECT_EQ(a[count::responded], 0);
  EXPECT_EQ(a[count::answered], 1);
  EXPECT_EQ(a[count::overdue], 1);
  EXPECT_EQ(a[count::answered_on_time], 0);
}

TEST_F(facts_test, AnUnansweredTicketIsOverdueOnlyOnceItsDeadlinePassed_M_DL_2) {
  dispatch();
  run(accept_ticket{street_a}, at("2026-11-24T23:59:59+08:00"));
  const auto before = of(facts(at("2026-12-14T23:00:00+08:00")), street_a);
  EXPECT_EQ(before[count::responded], 1);
  EXPECT_EQ(before[count::overdue], 0);
  EXPECT_EQ(before[count::answered_on_time], 0);
  const auto after = of(facts(at("2026-12-15T00:00:01+08:00")), street_a);
  EXPECT_EQ(after[count::overdue], 1);
}

TEST_F(facts_test, AReturnCountsForTheReturningUnitAndTheNextUnitReceivesTheTicket_M_RT_4) {
  dispatch();
  run(return_ticket{street_a, "不属本街道管辖"}, monday + 60'000);
  assignment b;
  b.unit_id = street_b;
  b.supervisor_id = "500103";
  run(designate{b, {}}, at("2026-12-01T09:00:00+08:00"));
  const auto f = facts(at("2026-12-01T10:00:00+08:00"));
  ASSERT_EQ(f.size(), 2u);
  const auto& a = of(f, street_a);
  EXPECT_EQ(a[count::returned], 1);
  EXPECT_EQ(a[count::responded], 1) << "a return in time is a response";
  EXPECT_EQ(a[count::answered_on_time] + a[count::overdue], 0);
  const auto& nb = of(f, street_b);
  EXPECT_EQ(nb.month, "2026-12") << "the month the unit received it";
  EXPECT_EQ(nb[count::received], 1);
}

TEST_F(facts_test, AReopenedTicketCountsTheReopenAndItsLastCallback_M_SV_2) {
  dispatch();
  run(accept_ticket{street_a}, monday);
  run(reply_ticket{street_a, "已处理"}, monday + 86'400'000);
  run(record_callback{satisfaction::not_satisfied, false}, monday + 2 * 86'400'000);
  run(accept_ticket{street_a}, monday + 3 * 86'400'000);
  run(reply_ticket{street_a, "已重新处理"}, monday + 4 * 86'400'000);
  run(record_callback{satisfaction::satisfied, true}, monday + 5 * 86'400'000);
  ASSERT_EQ(s.status, ticket_status::closed);
  const auto& a = of(facts(monday + 6 * 86'400'000), street_a);
  EXPECT_EQ(a[count::reopened], 1);
  EXPECT_EQ(a[count::called_back], 1);
  EXPECT_EQ(a[count::satisfied], 1);
  EXPECT_EQ(a[count::resolved], 1);
  EXPECT_EQ(a[count::answered_on_time], 1);
}

TEST_F(facts_test, AnApprovedExtensionMovesTheDeadlineTheAnswerIsJudgedBy_M_DL_5) {
  dispatch();
  run(accept_ticket{street_a}, monday);
  run(request_extension{street_a, "需要协调施工方", "已约谈", at("2026-12-19T00:00:00+08:00")},
      at("2026-12-01T10:00:00+08:00"));
  run(decide_extension{"500103", true, "同意"}, at("2026-12-02T10:00:00+08:00"));
  run(reply_ticket{street_a, "已处理"}, at("2026-12-16T10:00:00+08:00"));
  const auto& a = of(facts(at("2026-12-31T00:00:00+08:00")), street_a);
  EXPECT_EQ(a[count::extensions_requested], 1);
  EXPECT_EQ(a[count::extensions_granted], 1);
  EXPECT_EQ(a[count::answered_on_time], 1);
  EXPECT_EQ(a[count::overdue], 0);
}

TEST_F(facts_test, SupervisionAndPublicNoticeAreCountedForTheLateUnit_M_SV_1) {
  dispatch();
  const instant due = s.assignment->due;
  run(fire_timer{escalation_level::reminder, ""}, due - 3'600'000);
  run(fire_timer{escalation_level::supervision, ""}, due);
  run(fire_timer{escalation_level::notice, ""}, due + pol.notice_after_ms);
  const auto& a = of(facts(due + pol.notice_after_ms), street_a);
  EXPECT_EQ(a[count::supervised], 1);
  EXPECT_EQ(a[count::noticed], 1);
  EXPECT_EQ(a[count::responded], 0);
  EXPECT_EQ(a[count::overdue], 1);
}

TEST_F(facts_test, ACooperatingUnitIsJudgedByItsOpinionsSubDeadline_M_DL_4) {
  register_demand r;
  r.intake.request_id = "req-1";
  r.intake.kind = demand_kind::complaint;
  r.intake.category = "env.noise";
  r.intake.content = "跨街道噪音";
  r.route = needs_coordination{{{"M-RT-2", "跨街道"}}};
  run(r, monday);
  assignment lead;
  lead.unit_id = street_a;
  lead.supervisor_id = "500103";
  run(designate{lead, {street_b}}, monday);
  const instant sub = opinion_deadline(s, pol);
  run(submit_opinion{street_b, "同意"}, sub + 1);
  const auto f = facts(sub + 2);
  EXPECT_EQ(of(f, street_a).part, handling_role::lead);
  const auto& b = of(f, street_b);
  EXPECT_EQ(b.part, handling_role::cooperating);
  EXPECT_EQ(b[count::cooperated], 1);
  EXPECT_EQ(b[count::received], 0);
  EXPECT_EQ(b[count::opinions_late], 1);
  EXPECT_EQ(b[count::opinions_on_time], 0);
}

TEST_F(facts_test, ATicketDisposedOfAtOnceHasNoUnitFacts_M_C_1) {
  register_demand r;
  r.intake.request_id = "req-1";
  r.intake.kind = demand_kind::consultation;
  r.intake.category = "housing.provident-fund";
  r.intake.content = "公积金怎么提取";
  disposal how;
  how.kind = disposal_kind::direct_answer;
  how.answer = "可通过渝快办办理";
  r.how = how;
  run(r, monday);
  EXPECT_TRUE(facts(monday + 1).empty());
}

namespace {

counts make(std::initializer_list<std::pair<count, long long>> xs) {
  counts n{};
  for (const auto& [c, v] : xs)
    n[static_cast<std::size_t>(c)] = v;
  return n;
}

directory two_streets_and_a_department() {
  directory d;
  d.add_unit({"500103", "渝中区人民政府", unit_kind::district_government, "cq.office", "cq.office",
              "500103", ""});
  d.add_unit({street_a, "七星岗街道", unit_kind::township, "500103", "500103", "500103", ""});
  d.add_unit({street_b, "解放碑街道", unit_kind::township, "500103", "500103", "500103", ""});
  d.add_unit({"500103003", "两路口街道", unit_kind::township, "500103", "500103", "500103", ""});
  d.add_unit({"500103.housing", "渝中区住房城乡建委", unit_kind::district_department, "500103",
              "500103", "500103", "housing"});
  return d;
}

} // namespace

TEST(EvaluationFormulas, RatesAreRatiosOfSumsAndTheScoreTheirWeightedMean_M_E_1) {
  rules r;
  r.weights = {{"response_rate", 1}, {"satisfaction_rate", 3}};
  std::map<std::string, counts> sums{{street_a, make({{count::received, 4},
                                                      {count::responded, 3},
                                                      {count::called_back, 2},
                                                      {count::satisfied, 1},
                                                      {count::resolved, 2},
                                                      {count::answered_on_time, 3},
                                                      {count::overdue, 1}})}};
  const auto lines = evaluate(sums, {}, two_streets_and_a_department(), r);
  ASSERT_EQ(lines.size(), 1u);
  const auto& l = lines[0];
  EXPECT_DOUBLE_EQ(*l.rates.at("response_rate"), 0.75);
  EXPECT_DOUBLE_EQ(*l.rates.at("on_time_rate"), 0.75);
  EXPECT_DOUBLE_EQ(*l.rates.at("resolution_rate"), 1.0);
  EXPECT_DOUBLE_EQ(*l.rates.at("satisfaction_rate"), 0.5);
  EXPECT_FALSE(l.rates.at("opinion_on_time_rate")) << "no opinions: no denominator";
  // (1 × 0.75 + 3 × 0.5) / 4 = 0.5625
  EXPECT_DOUBLE_EQ(*l.score, 56.25);
  EXPECT_EQ(l.rank, 1);
}

TEST(EvaluationFormulas, ARateWithoutDenominatorLeavesItsWeightOut_M_E_1) {
  rules r;
  r.weights = {{"response_rate", 1}, {"satisfaction_rate", 3}};
  std::map<std::string, counts> sums{
      {street_a, make({{count::received, 2}, {count::responded, 1}})}};
  const auto lines = evaluate(sums, {}, two_streets_and_a_department(), r);
  EXPECT_DOUBLE_EQ(*lines[0].score, 50.0);
}

TEST(EvaluationFormulas, UnitsAreRankedWithinTheirKindAndEqualScoresShareARank_M_E_1) {
  rules r;
  r.weights = {{"response_rate", 1}};
  r.min_received = 2;
  std::map<std::string, counts> sums{
      {street_a, make({{count::received, 4}, {count::responded, 2}})},
      {street_b, make({{count::received, 2}, {count::responded, 1}})},
      {"500103003", make({{count::received, 1}, {count::responded, 1}})},
      {"500103.housing", make({{count::received, 3}, {count::responded, 1}})}};
  const auto lines = evaluate(sums, {}, two_streets_and_a_department(), r);
  ASSERT_EQ(lines.size(), 4u);
  std::map<std::string, std::optional<int>> rank;
  for (const auto& l : lines)
    rank[l.unit] = l.rank;
  EXPECT_EQ(rank[street_a], 1);
  EXPECT_EQ(rank[street_b], 1) << "50.00 and 50.00: a tie";
  EXPECT_EQ(rank["500103003"], std::nullopt) << "1 ticket is below min_received 2";
  EXPECT_EQ(rank["500103.housing"], 1) << "alone in its kind";
  // Ordered by kind, then rank, then id; the unranked last in its kind.
  EXPECT_EQ(lines[0].unit, street_a);
  EXPECT_EQ(lines[1].unit, street_b);
  EXPECT_EQ(lines[2].unit, "500103003");
  EXPECT_EQ(lines[3].unit, "500103.housing");
}

TEST(EvaluationFormulas, ReturnsAndReopensLowerTheScoreWhenWeighted_M_RT_4) {
  rules r;
  r.weights = {{"return_rate", 1}};
  std::map<std::string, counts> sums{
      {street_a, make({{count::received, 4}, {count::returned, 1}})}};
  EXPECT_DOUBLE_EQ(*evaluate(sums, {}, two_streets_and_a_department(), r)[0].score, 75.0);
}

TEST(EvaluationFormulas, KnowledgeBaseUpkeepIsTheShareOfArticlesNotPastReview_M_KB_2) {
  rules r;
  r.weights = {{"kb_review_rate", 1}};
  std::map<std::string, kb_upkeep> kb{{street_a, {4, 1}}};
  const auto lines = evaluate({}, kb, two_streets_and_a_department(), r);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_DOUBLE_EQ(*lines[0].score, 75.0);
  EXPECT_EQ(lines[0].rank, std::nullopt) << "received nothing: below min_received 1";
}

TEST(EvaluationFormulas, APeriodIsAMonthOrAYear) {
  const auto m = parse_period("2026-11");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->first_month, "2026-11");
  EXPECT_EQ(format_date(last_day(*m)), "2026-11-30");
  const auto y = parse_period("2026");
  ASSERT_TRUE(y);
  EXPECT_EQ(y->first_month, "2026-01");
  EXPECT_EQ(y->last_month, "2026-12");
  EXPECT_EQ(format_date(last_day(*y)), "2026-12-31");
  EXPECT_TRUE(y->contains("2026-07"));
  EXPECT_FALSE(y->contains("2027-01"));
  for (const char* bad : {"", "2026-13", "2026-1", "26-11", "2026-11-01", "abcd", "2026-00"})
    EXPECT_FALSE(parse_period(bad)) << bad;
}
