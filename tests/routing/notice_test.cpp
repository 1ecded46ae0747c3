// Issue 10: who is told of each step (M-D-2, M-SV-1), and what a unit's
// worklist holds — pure, from the workflow's own states.
#include <gtest/gtest.h>

#include <algorithm>

#include "routing/notice.hpp"
#include "routing/worklist.hpp"
#include "tests/routing/plain_calendar.hpp"

using namespace hotline::routing;
using hotline::test::plain_2026;

namespace {

struct notices : ::testing::Test {
  calendar cal = plain_2026();
  policy pol{&cal, 3, 15};
  instant monday = *parse_instant("2026-11-23T10:00:00+08:00");
  std::vector<notice> told; // the notices of the latest step

  register_demand demand() {
    register_demand r;
    r.intake.request_id = "req-1";
    r.intake.kind = demand_kind::complaint;
    r.intake.category = "env.noise";
    r.intake.content = "夜间施工噪音";
    assignment a;
    a.unit_id = "500103001";
    a.supervisor_id = "500103";
    r.route = a;
    return r;
  }

  ticket_state run(ticket_state s, const command& c, instant now) {
    auto d = decide(s, c, now, pol);
    auto* events = std::get_if<std::vector<event>>(&d);
    EXPECT_NE(events, nullptr) << std::get<workflow_error>(d).message;
    told.clear();
    if (events)
      for (const auto& e : *events) {
        auto next = apply(s, e);
        for (auto& n : notices_for(s, e, next, pol))
          told.push_back(std::move(n));
        s = std::move(next);
      }
    return s;
  }

  const notice* step(const std::string& name) const {
    for (const auto& n : told)
      if (n.step == name)
        return &n;
    return nullptr;
  }

  static bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  }

  std::vector<std::string> holders_of(const ticket_state& s) {
    return holders(summarize("20261123-000001", s, pol), pol);
  }
};

} // namespace

TEST_F(notices, ADispatchTellsTheUnitItsDeadline_M_D_2) {
  auto s = run({}, demand(), monday);
  ASSERT_EQ(told.size(), 1u) << "registering tells nobody; the dispatch tells the unit";
  EXPECT_EQ(told[0].step, "dispatched");
  EXPECT_EQ(told[0].rule, "M-C-2");
  EXPECT_EQ(told[0].units, std::vector<std::string>{"500103001"});
  auto deadline = std::find_if(told[0].facts.begin(), told[0].facts.end(),
                               [](const auto& f) { return f.first == "deadline"; });
  ASSERT_NE(deadline, told[0].facts.end());
  EXPECT_EQ(deadline->second, "2026-12-15T00:00:00+08:00");
  EXPECT_EQ(holders_of(s), std::vector<std::string>{"500103001"});
  EXPECT_EQ(role_of(summarize("n", s, pol), "500103001", pol), worklist_role::lead);
}

TEST_F(notices, AReminderTellsTheUnitAndSupervisionReachesTheDistrictAndOffice_M_SV_1) {
  auto s = run({}, demand(), monday);
  const auto due = s.assignment->due;
  s = run(s, fire_timer{escalation_level::reminder, ""}, due - pol.reminder_before_ms);
  ASSERT_NE(step("reminder"), nullptr);
  EXPECT_EQ(step("reminder")->units, std::vector<std::string>{"500103001"});
  EXPECT_EQ(step("reminder")->rule, "M-SV-1");
  EXPECT_EQ(holders_of(s), std::vector<std::string>{"500103001"}) << "a reminder is the unit's";
  s = run(s, fire_timer{escalation_level::supervision, ""}, due);
  ASSERT_NE(step("supervision"), nullptr);
  EXPECT_TRUE(has(step("supervision")->units, "500103001"));
  EXPECT_TRUE(has(step("supervision")->units, "500103")) << "the district supervises";
  EXPECT_TRUE(has(step("supervision")->units, "cq.office"));
  const auto t = summarize("n", s, pol);
  EXPECT_EQ(t.escalation, escalation_level::supervision);
  EXPECT_EQ(role_of(t, "500103", pol), worklist_role::supervising);
  s = run(s, fire_timer{escalation_level::notice, ""}, due + pol.notice_after_ms);
  ASSERT_NE(step("public_notice"), nullptr);
  EXPECT_TRUE(has(holders_of(s), "cq.office")) << "the office follows its public notices";
}

TEST_F(notices, AnExtensionGoesToTheDistrictToDecideAndLeavesItOnceDecided_M_DL_5) {
  auto s = run({}, demand(), monday);
  s = run(s, accept_ticket{"500103001"}, monday + 1000);
  s = run(
      s,
      request_extension{"500103001", "需协调多部门", "已现场查看", s.assignment->due + 86'400'000},
      monday + 2000);
  ASSERT_NE(step("extension_requested"), nullptr);
  EXPECT_TRUE(has(step("extension_requested")->units, "500103"));
  EXPECT_EQ(role_of(summarize("n", s, pol), "500103", pol), worklist_role::approver);
  s = run(s, decide_extension{"500103", true, "同意"}, monday + 3000);
  ASSERT_NE(step("extension_decided"), nullptr);
  EXPECT_TRUE(has(step("extension_decided")->units, "500103001"));
  EXPECT_TRUE(has(step("extension_decided")->units, "500103"));
  EXPECT_FALSE(has(holders_of(s), "500103"));
}

TEST_F(notices, AReturnGoesToTheOfficeAndADesignationTellsEveryUnit_M_RT_4_M_RT_2) {
  auto s = run({}, demand(), monday);
  s = run(s, return_ticket{"500103001", "不属于本街道职责"}, monday + 1000);
  ASSERT_NE(step("returned"), nullptr);
  EXPECT_TRUE(has(step("returned")->units, "cq.office"));
  EXPECT_TRUE(has(step("returned")->units, "500103001"));
  EXPECT_EQ(holders_of(s), std::vector<std::string>{"cq.office"});
  designate d;
  d.lead.unit_id = "500103.urban-management";
  d.lead.supervisor_id = "500103";
  d.cooperating = {"500103.housing"};
  s = run(s, d, monday + 2000);
  ASSERT_NE(step("designated"), nullptr);
  EXPECT_EQ(step("designated")->rule, "M-RT-2");
  EXPECT_TRUE(has(step("designated")->units, "500103.urban-management"));
  EXPECT_TRUE(has(step("designated")->units, "500103.housing"));
  EXPECT_EQ(holders_of(s), (std::vector<std::string>{"500103.urban-management", "500103.housing"}));
  EXPECT_EQ(role_of(summarize("n", s, pol), "500103.housing", pol), worklist_role::cooperating);
}

TEST_F(notices, AnAnswerWaitsForTheOfficesCallbackAndTheCloseTellsTheUnit_M_SV_2) {
  auto s = run({}, demand(), monday);
  s = run(s, accept_ticket{"500103001"}, monday + 1000);
  s = run(s, reply_ticket{"500103001", "已协调停工"}, monday + 2000);
  ASSERT_NE(step("replied"), nullptr);
  EXPECT_TRUE(has(step("replied")->units, "cq.office"));
  EXPECT_EQ(role_of(summarize("n", s, pol), "cq.office", pol), worklist_role::callback);
  s = run(s, record_callback{satisfaction::satisfied, true}, monday + 3000);
  ASSERT_NE(step("callback"), nullptr);
  ASSERT_NE(step("closed"), nullptr);
  EXPECT_TRUE(has(step("closed")->units, "500103001"));
  EXPECT_TRUE(holders_of(s).empty());
}

TEST_F(notices, EveryStepNameIsInTheVocabulary) {
  auto s = run({}, demand(), monday);
  std::vector<std::string> seen{told[0].step};
  s = run(s, accept_ticket{"500103001"}, monday + 1000);
  seen.push_back(told.at(0).step);
  s = run(s, reply_ticket{"500103001", "答复"}, monday + 2000);
  seen.push_back(told.at(0).step);
  for (const auto& name : seen)
    EXPECT_TRUE(has(notice_steps(), name)) << name;
}

TEST(worklist_projection, AnOlderSummaryNeverUndoesANewerOne) {
  calendar cal = plain_2026();
  policy pol{&cal, 3, 15};
  worklist w("500103001", pol);
  ticket_summary t;
  t.no = "20261123-000001";
  t.version = 2;
  t.status = ticket_status::dispatched;
  t.lead = "500103001";
  EXPECT_TRUE(w.apply(t));
  EXPECT_EQ(w.size(), 1u);
  auto closed = t;
  closed.version = 5;
  closed.status = ticket_status::closed;
  EXPECT_TRUE(w.apply(closed));
  EXPECT_EQ(w.size(), 0u);
  auto late = t;
  late.version = 4; // arrives after the close, by the other path
  late.status = ticket_status::replied;
  EXPECT_FALSE(w.apply(late));
  EXPECT_EQ(w.size(), 0u);
}

TEST(worklist_projection, CountsOverdueAndDueTodayAtTheInstantAsked_M_SV_1) {
  calendar cal = plain_2026();
  policy pol{&cal, 3, 15};
  worklist w("500103001", pol);
  const instant due = *parse_instant("2026-11-25T00:00:00+08:00"); // last day: the 24th
  for (int i = 0; i < 3; ++i) {
    ticket_summary t;
    t.no = "20261123-00000" + std::to_string(i);
    t.version = 2;
    t.status = ticket_status::dispatched;
    t.lead = "500103001";
    t.due = due + i * 86'400'000LL;
    w.apply(t);
  }
  auto on_24th = w.counts(*parse_instant("2026-11-24T09:00:00+08:00"));
  EXPECT_EQ(on_24th.open, 3u);
  EXPECT_EQ(on_24th.due_today, 1u);
  EXPECT_EQ(on_24th.overdue, 0u);
  auto on_26th = w.counts(*parse_instant("2026-11-26T09:00:00+08:00"));
  EXPECT_EQ(on_26th.overdue, 2u);
  EXPECT_EQ(on_26th.due_today, 1u);
  EXPECT_EQ(on_26th.by_status.at("dispatched"), 3u);
}

TEST(worklist_projection, PagesFollowTheDeadlineAndTheCursor) {
  calendar cal = plain_2026();
  policy pol{&cal, 3, 15};
  worklist w("500103001", pol);
  for (int i = 0; i < 5; ++i) {
    ticket_summary t;
    t.no = "20261123-00000" + std::to_string(i);
    t.version = 2;
    t.status = i == 4 ? ticket_status::accepted : ticket_status::dispatched;
    t.lead = "500103001";
    t.due = 1'000'000 - i; // the later the number, the earlier the deadline
    w.apply(t);
  }
  auto first = w.page({}, "", 2, 0);
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0].no, "20261123-000004");
  EXPECT_EQ(first.items[1].no, "20261123-000003");
  ASSERT_TRUE(valid_worklist_cursor(first.next_cursor));
  auto second = w.page({}, first.next_cursor, 2, 0);
  EXPECT_EQ(second.items.at(0).no, "20261123-000002");
  auto last = w.page({}, second.next_cursor, 2, 0);
  EXPECT_EQ(last.items.size(), 1u);
  EXPECT_TRUE(last.next_cursor.empty());
  auto accepted = w.page(*parse_worklist_filter("accepted"), "", 10, 0);
  ASSERT_EQ(accepted.items.size(), 1u);
  EXPECT_EQ(accepted.roles[0], worklist_role::lead);
  EXPECT_FALSE(parse_worklist_filter("nonsense"));
  EXPECT_FALSE(valid_worklist_cursor("abc"));
}
