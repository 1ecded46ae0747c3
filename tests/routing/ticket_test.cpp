// The ticket workflow: every transition of this stage and the illegal ones.
#include <gtest/gtest.h>

#include "routing/ticket.hpp"
#include "tests/routing/plain_calendar.hpp"

using namespace hotline::routing;
using hotline::test::plain_2026;

namespace {

struct workflow : ::testing::Test {
  calendar cal = plain_2026();
  policy pol{&cal, 3, 15};
  instant monday = *parse_instant("2026-11-23T10:00:00+08:00");

  register_demand demand(demand_kind kind = demand_kind::complaint) {
    register_demand r;
    r.intake.request_id = "req-1";
    r.intake.kind = kind;
    r.intake.category = "env.noise";
    r.intake.content = "夜间施工噪音";
    r.intake.address = "渝中区解放碑";
    assignment a;
    a.unit_id = "500103001";
    a.supervisor_id = "500103";
    a.reasons.push_back({"M-RT-1", "test"});
    r.route = a;
    return r;
  }

  ticket_state run(ticket_state s, const command& c, instant now) {
    auto d = decide(s, c, now, pol);
    auto* events = std::get_if<std::vector<event>>(&d);
    EXPECT_NE(events, nullptr) << std::get<workflow_error>(d).message;
    if (events)
      for (const auto& e : *events)
        s = apply(std::move(s), e);
    return s;
  }

  workflow_error refused(const ticket_state& s, const command& c) {
    auto d = decide(s, c, monday, pol);
    EXPECT_TRUE(std::holds_alternative<workflow_error>(d));
    return std::holds_alternative<workflow_error>(d) ? std::get<workflow_error>(d)
                                                     : workflow_error{};
  }

  ticket_state dispatched_ticket() { return run({}, demand(), monday); }
};

} // namespace

TEST_F(workflow, RegisteringADemandRecordsItAndDispatchesIt_M_C_2) {
  auto s = dispatched_ticket();
  EXPECT_EQ(s.status, ticket_status::dispatched);
  EXPECT_EQ(s.version, 2u);
  EXPECT_EQ(s.assignment->unit_id, "500103001");
  EXPECT_EQ(s.intake->at, monday);
}

TEST_F(workflow, AComplaintGetsFifteenWorkingDays_M_DL_2) {
  auto s = dispatched_ticket();
  EXPECT_EQ(s.assignment->limit_days, 15);
  EXPECT_EQ(s.assignment->deadline_rule, "M-DL-2");
  EXPECT_EQ(format_instant(s.assignment->due), "2026-12-15T00:00:00+08:00");
}

TEST_F(workflow, AConsultationGetsTheConfiguredThreeWorkingDays_M_DL_1) {
  auto s = run({}, demand(demand_kind::consultation), monday);
  EXPECT_EQ(s.assignment->limit_days, 3);
  EXPECT_EQ(s.assignment->deadline_rule, "M-DL-1");
  EXPECT_EQ(format_instant(s.assignment->due), "2026-11-27T00:00:00+08:00");
}

TEST_F(workflow, ADeadlineGivenAtAssignmentWins_M_DL_3) {
  auto r = demand();
  r.deadline = *parse_instant("2026-11-25T18:00:00+08:00");
  auto s = run({}, r, monday);
  EXPECT_EQ(s.assignment->due, *r.deadline);
  EXPECT_EQ(s.assignment->deadline_rule, "M-DL-3");
}

TEST_F(workflow, AProvisionalDeadlineIsRecountedOnceItsYearIsLoaded_M_DL_6) {
  // Dispatched on 2026-12-28 with 15 working days: 2027 has no file yet, so
  // 2027-01-01 counts as a working day and the deadline is provisional.
  auto s = run({}, demand(), *parse_instant("2026-12-28T10:00:00+08:00"));
  ASSERT_TRUE(s.assignment->provisional);
  EXPECT_EQ(format_instant(current_deadline(*s.assignment, cal).due), "2027-01-19T00:00:00+08:00");
  holiday_year y2027;
  y2027.year = 2027;
  y2027.holidays.push_back({"元旦", {2027, 1, 1}, {2027, 1, 3}});
  cal.add_year(y2027);
  auto now_firm = current_deadline(*s.assignment, cal);
  EXPECT_FALSE(now_firm.provisional);
  EXPECT_EQ(format_instant(now_firm.due), "2027-01-20T00:00:00+08:00");
}

// --- M-RT-4 returns, M-RT-2 designation, M-DL-4 opinions ---------------------

TEST_F(workflow, AUnitReturnsATicketWithinTheWindowAndTheOfficeGetsIt_M_RT_4) {
  auto s = run(dispatched_ticket(), return_ticket{"500103001", "不属于本街道职责"},
               *parse_instant("2026-11-24T18:00:00+08:00"));
  EXPECT_EQ(s.status, ticket_status::coordinating);
  EXPECT_FALSE(s.assignment);
  ASSERT_EQ(s.returns.size(), 1u);
  EXPECT_EQ(s.coordination_reasons.front().rule, "M-RT-4");
}

TEST_F(workflow, AReturnAfterTheWindowIsRefused_M_RT_4) {
  // Dispatched Monday 2026-11-23: two working days end with Wednesday.
  auto late = decide(dispatched_ticket(), return_ticket{"500103001", "不属于"},
                     *parse_instant("2026-11-26T00:00:00+08:00"), pol);
  EXPECT_EQ(std::get<workflow_error>(late).code, "return_window_passed");
  EXPECT_EQ(refused(dispatched_ticket(), return_ticket{"500103001", ""}).field, "reason");
  EXPECT_EQ(refused(dispatched_ticket(), return_ticket{"500103002", "x"}).code, "forbidden");
}

TEST_F(workflow, TheOfficeDesignatesALeadWithCooperatingUnits_M_RT_2) {
  auto s = run(dispatched_ticket(), return_ticket{"500103001", "不属于"}, monday);
  designate d;
  d.lead = assignment{"500103.urban-management", "500103", {{"M-RT-2", "协调"}}};
  d.cooperating = {"500103.housing", "500103.market-supervision"};
  s = run(s, d, monday + 1000);
  EXPECT_EQ(s.status, ticket_status::dispatched);
  EXPECT_EQ(s.assignment->unit_id, "500103.urban-management");
  EXPECT_EQ(s.assignment->cooperating.size(), 2u);
  EXPECT_EQ(s.assignment->limit_days, 15);
  d.cooperating = {"500103.urban-management"};
  auto again = run(dispatched_ticket(), return_ticket{"500103001", "不属于"}, monday);
  EXPECT_EQ(refused(again, d).field, "cooperating_unit_ids");
  EXPECT_EQ(refused(dispatched_ticket(), d).code, "conflict"); // not waiting for coordination
}

TEST_F(workflow, TheLeadAnswersOnlyWithEveryCooperatingOpinion_M_DL_4) {
  auto s = run(dispatched_ticket(), return_ticket{"500103001", "不属于"}, monday);
  designate d;
  d.lead = assignment{"500103.urban-management", "500103", {{"M-RT-2", "协调"}}};
  d.cooperating = {"500103.housing", "500103.market-supervision"};
  s = run(run(s, d, monday), accept_ticket{"500103.urban-management"}, monday);
  EXPECT_EQ(refused(s, reply_ticket{"500103.urban-management", "统一答复"}).field, "opinions");
  s = run(s, submit_opinion{"500103.housing", "住建意见"}, monday);
  EXPECT_EQ(refused(s, submit_opinion{"500103.housing", "again"}).code, "conflict");
  EXPECT_EQ(refused(s, submit_opinion{"500103001", "x"}).code, "forbidden");
  s = run(s, submit_opinion{"500103.market-supervision", "市场监管意见"}, monday);
  s = run(s, reply_ticket{"500103.urban-management", "统一答复"}, monday);
  EXPECT_EQ(s.status, ticket_status::replied);
  EXPECT_EQ(s.answer->text, "统一答复");
}

// --- M-SV-1 supervision timers ------------------------------------------------

TEST_F(workflow, ADispatchedTicketWantsAReminderASupervisionAndANotice_M_SV_1) {
  auto s = dispatched_ticket(); // due 2026-12-15T00:00+08:00
  auto timers = timers_for(s, pol);
  ASSERT_EQ(timers.size(), 3u);
  EXPECT_EQ(timers[0].level, escalation_level::reminder);
  EXPECT_EQ(format_instant(timers[0].at), "2026-12-14T00:00:00+08:00");
  EXPECT_EQ(format_instant(timers[1].at), "2026-12-15T00:00:00+08:00");
  EXPECT_EQ(format_instant(timers[2].at), "2026-12-18T00:00:00+08:00");
}

TEST_F(workflow, ATimerFiresOnceAndNeverForAnAnsweredTicket_M_SV_1) {
  auto s = dispatched_ticket();
  const instant due = s.assignment->due;
  EXPECT_TRUE(std::get<std::vector<event>>(
                  decide(s, fire_timer{escalation_level::supervision, ""}, due - 1, pol))
                  .empty()); // not yet due
  s = run(s, fire_timer{escalation_level::supervision, ""}, due);
  ASSERT_EQ(s.escalations.size(), 1u);
  EXPECT_EQ(s.escalations[0].notified,
            (std::vector<std::string>{"500103001", "500103", "cq.office"}));
  EXPECT_TRUE(std::get<std::vector<event>>(
                  decide(s, fire_timer{escalation_level::supervision, ""}, due + 5, pol))
                  .empty()); // already fired for this deadline
  EXPECT_EQ(timers_for(s, pol).size(), 2u);
  auto answered = run(run(dispatched_ticket(), accept_ticket{"500103001"}, monday),
                      reply_ticket{"500103001", "ok"}, monday);
  EXPECT_TRUE(timers_for(answered, pol).empty());
  EXPECT_TRUE(std::get<std::vector<event>>(
                  decide(answered, fire_timer{escalation_level::notice, ""}, due + 1e9, pol))
                  .empty());
}

TEST_F(workflow, AnApprovedExtensionReschedulesTheTimers_M_SV_1_M_DL_5) {
  auto s = dispatched_ticket();
  s = run(s, fire_timer{escalation_level::reminder, ""},
          *parse_instant("2026-12-14T00:00:00+08:00"));
  const instant later = *parse_instant("2026-12-31T00:00:00+08:00");
  s = run(s, request_extension{"500103001", "原因", "进展", later},
          *parse_instant("2026-12-14T10:00:00+08:00"));
  s = run(s, decide_extension{"500103", true, ""}, *parse_instant("2026-12-14T11:00:00+08:00"));
  auto timers = timers_for(s, pol);
  ASSERT_EQ(timers.size(), 3u); // the new deadline gets a fresh reminder too
  EXPECT_EQ(timers[1].at, later);
}

TEST_F(workflow, ASilentCooperatingUnitIsEscalatedNotTheLead_M_DL_4_M_SV_1) {
  auto s = run(dispatched_ticket(), return_ticket{"500103001", "不属于"}, monday);
  designate d;
  d.lead = assignment{"500103.urban-management", "500103", {{"M-RT-2", "协调"}}};
  d.cooperating = {"500103.housing", "500103.market-supervision"};
  s = run(s, d, monday); // lead due 2026-12-15T00:00 (15 working days)
  // Opinions are due 3 working days before: at the end of 2026-12-09.
  EXPECT_EQ(format_instant(opinion_deadline(s, pol)), "2026-12-10T00:00:00+08:00");
  s = run(s, submit_opinion{"500103.housing", "意见"}, monday);
  const instant sub_due = opinion_deadline(s, pol);
  s = run(s, fire_timer{escalation_level::supervision, "500103.market-supervision"}, sub_due);
  ASSERT_EQ(s.escalations.size(), 1u);
  EXPECT_EQ(s.escalations[0].unit, "500103.market-supervision");
  EXPECT_EQ(s.escalations[0].notified.front(), "500103.market-supervision");
  // The housing bureau gave its opinion: nothing for it.
  EXPECT_TRUE(
      std::get<std::vector<event>>(
          decide(s, fire_timer{escalation_level::supervision, "500103.housing"}, sub_due, pol))
          .empty());
  // The lead's own timers are untouched by the cooperating unit's lateness.
  int lead_timers = 0;
  for (const auto& t : timers_for(s, pol))
    lead_timers += t.unit.empty() ? 1 : 0;
  EXPECT_EQ(lead_timers, 3);
}

TEST_F(workflow, AConcreteHandlerReportsAndTheNamingUnitAnswers_M_RT_3) {
  auto s = dispatched_ticket();
  EXPECT_EQ(refused(s, name_handler{"500103001", "cq.water", "检修"}).code,
            "conflict"); // accept first
  s = run(s, accept_ticket{"500103001"}, monday);
  EXPECT_EQ(refused(s, name_handler{"500103002", "cq.water", "检修"}).code, "forbidden");
  s = run(s, name_handler{"500103001", "cq.water", "请核查供水管道"}, monday);
  EXPECT_EQ(refused(s, report_handling{"cq.gas", "x"}).code, "forbidden");
  s = run(s, report_handling{"cq.water", "已抢修完毕"}, monday);
  EXPECT_EQ(s.handler_report->text, "已抢修完毕");
  // The handler cannot answer the caller; the naming unit does.
  EXPECT_EQ(refused(s, reply_ticket{"cq.water", "x"}).code, "forbidden");
  s = run(s, reply_ticket{"500103001", "经水务集团抢修，已恢复供水"}, monday);
  EXPECT_EQ(s.answer->unit_id, "500103001");
}

TEST_F(workflow, TheOfficeEscalatesAnyOpenTicketWithAReason_M_SV_1) {
  auto s = run(dispatched_ticket(), escalate{"媒体关注，要求加快办理"}, monday);
  ASSERT_EQ(s.escalations.size(), 1u);
  EXPECT_EQ(s.escalations[0].level, escalation_level::office);
  EXPECT_EQ(refused(dispatched_ticket(), escalate{""}).field, "reason");
}

// --- M-C-1 / M-S-3 disposal at once ----------------------------------------

TEST_F(workflow, ADirectAnswerClosesTheDemandAtOnce_M_C_1) {
  auto r = demand(demand_kind::consultation);
  r.how = disposal{disposal_kind::direct_answer, "公积金提取请携带身份证到任一网点办理", "", {}};
  auto s = run({}, r, monday);
  EXPECT_EQ(s.status, ticket_status::closed);
  ASSERT_TRUE(s.disposal);
  EXPECT_EQ(s.disposal->answer, "公积金提取请携带身份证到任一网点办理");
  EXPECT_FALSE(s.assignment);
}

TEST_F(workflow, ATransferRecordsItsTarget_M_C_1) {
  auto r = demand();
  r.how = disposal{disposal_kind::call_transfer, "", "国网重庆市电力公司95598", {}};
  auto s = run({}, r, monday);
  EXPECT_EQ(s.status, ticket_status::closed);
  EXPECT_EQ(s.disposal->target, "国网重庆市电力公司95598");
  r.how->target.clear();
  EXPECT_EQ(refused({}, r).field, "disposal.target");
}

TEST_F(workflow, ARefusalRecordsItsBasisAndReferral_M_S_2_M_S_3) {
  auto r = demand();
  r.how = disposal{disposal_kind::refusal, "", "",
                   refusal_rule{"litigation", "属于诉讼事项", "M-S-2", "人民法院", "12368"}};
  auto d = decide({}, r, monday, pol);
  const auto& events = std::get<std::vector<event>>(d);
  ASSERT_EQ(events.size(), 3u);
  const auto& x = std::get<disposed>(events[1]);
  EXPECT_EQ(x.basis, "属于诉讼事项");
  EXPECT_EQ(x.referral_contact, "12368");
  EXPECT_EQ(std::get<closed>(events[2]).rule, "M-S-3");
}

TEST_F(workflow, AGivenDeadlineInThePastIsRefused) {
  auto r = demand();
  r.deadline = monday - 1000;
  EXPECT_EQ(refused({}, r).field, "deadline");
}

TEST_F(workflow, ADemandWithUnclearTerritoryWaitsForCoordination_M_RT_2) {
  auto r = demand();
  r.route = needs_coordination{{{"M-RT-2", "属地不明"}}};
  auto s = run({}, r, monday);
  EXPECT_EQ(s.status, ticket_status::coordinating);
  EXPECT_FALSE(s.assignment);
  // Nobody is assigned yet: no unit can accept it.
  EXPECT_EQ(refused(s, accept_ticket{"500103001"}).code, "forbidden");
}

TEST_F(workflow, RegisteringTwiceIsAConflict) {
  EXPECT_EQ(refused(dispatched_ticket(), demand()).code, "conflict");
}

TEST_F(workflow, TheAssignedUnitAcceptsRepliesAndTheSatisfiedCallbackCloses) {
  auto s = dispatched_ticket();
  s = run(s, accept_ticket{"500103001"}, monday + 1000);
  EXPECT_EQ(s.status, ticket_status::accepted);
  s = run(s, reply_ticket{"500103001", "已协调施工方停止夜间施工"}, monday + 2000);
  EXPECT_EQ(s.status, ticket_status::replied);
  EXPECT_EQ(s.answer->text, "已协调施工方停止夜间施工");
  s = run(s, record_callback{satisfaction::satisfied, true}, monday + 3000);
  EXPECT_EQ(s.status, ticket_status::closed);
  EXPECT_EQ(*s.closed_at, monday + 3000);
  EXPECT_EQ(s.version, 6u);
}

TEST_F(workflow, BasicallySatisfiedAndResolvedAlsoCloses_M_SV_2) {
  auto s = run(run(dispatched_ticket(), accept_ticket{"500103001"}, monday),
               reply_ticket{"500103001", "ok"}, monday);
  s = run(s, record_callback{satisfaction::basically_satisfied, true}, monday);
  EXPECT_EQ(s.status, ticket_status::closed);
}

TEST_F(workflow, AnUnsatisfiedOrUnresolvedCallbackReopensToTheSameUnitWithAFreshDeadline_M_SV_2) {
  auto replied_ticket = run(run(dispatched_ticket(), accept_ticket{"500103001"}, monday),
                            reply_ticket{"500103001", "ok"}, monday);
  const instant wednesday = *parse_instant("2026-11-25T09:00:00+08:00");
  auto a = run(replied_ticket, record_callback{satisfaction::not_satisfied, true}, wednesday);
  EXPECT_EQ(a.status, ticket_status::dispatched);
  EXPECT_EQ(a.reopen_count, 1);
  EXPECT_EQ(a.assignment->unit_id, "500103001");
  EXPECT_EQ(a.assignment->deadline_rule, "M-SV-2");
  // 15 working days counted afresh from the reopening (plain calendar).
  EXPECT_EQ(format_instant(a.assignment->due), "2026-12-17T00:00:00+08:00");
  EXPECT_FALSE(a.answer);
  auto b = run(replied_ticket, record_callback{satisfaction::satisfied, false}, monday);
  EXPECT_EQ(b.status, ticket_status::dispatched);
  EXPECT_EQ(b.reopen_count, 1);
}

TEST_F(workflow, AfterTheReopenLimitTheOfficeCoordinates_M_SV_2) {
  pol.reopen_limit = 1;
  auto handled = [&](ticket_state s) {
    s = run(s, accept_ticket{"500103001"}, monday);
    return run(s, reply_ticket{"500103001", "ok"}, monday);
  };
  auto s = run(handled(dispatched_ticket()), record_callback{satisfaction::not_satisfied, false},
               monday);
  ASSERT_EQ(s.status, ticket_status::dispatched);
  s = run(handled(s), record_callback{satisfaction::not_satisfied, false}, monday);
  EXPECT_EQ(s.status, ticket_status::coordinating);
  EXPECT_EQ(s.coordination_reasons.front().rule, "M-SV-2");
}

// --- M-DL-5 extensions ------------------------------------------------------

TEST_F(workflow, AnExtensionMovesTheDeadlineOnlyWhenTheUnitOneLevelUpApproves_M_DL_5) {
  auto s = dispatched_ticket(); // due 2026-12-15T00:00+08:00, supervisor 500103
  const instant asked = *parse_instant("2026-12-14T12:00:00+08:00");
  const instant wanted = *parse_instant("2026-12-31T00:00:00+08:00");
  s = run(s, request_extension{"500103001", "涉及多个部门", "已现场查看", wanted}, asked);
  EXPECT_TRUE(s.extension_pending);
  EXPECT_EQ(format_instant(s.assignment->due), "2026-12-15T00:00:00+08:00"); // not yet
  // Not the unit itself, not another unit: only the supervisor.
  EXPECT_EQ(refused(s, decide_extension{"500103001", true, ""}).code, "forbidden");
  EXPECT_EQ(refused(s, decide_extension{"cq.office", true, ""}).code, "forbidden");
  s = run(s, decide_extension{"500103", true, "同意"}, asked + 1000);
  EXPECT_FALSE(s.extension_pending);
  EXPECT_EQ(s.assignment->due, wanted);
  EXPECT_EQ(s.assignment->deadline_rule, "M-DL-5");
}

TEST_F(workflow, ARefusedExtensionLeavesTheDeadline_M_DL_5) {
  auto s = run(
      dispatched_ticket(),
      request_extension{"500103001", "原因", "进展", *parse_instant("2026-12-31T00:00:00+08:00")},
      monday);
  s = run(s, decide_extension{"500103", false, "不符合延期条件"}, monday);
  EXPECT_EQ(format_instant(s.assignment->due), "2026-12-15T00:00:00+08:00");
  EXPECT_FALSE(s.extension_decision->approved);
}

TEST_F(workflow, AnExtensionRequestedAtOrAfterTheDeadlineIsRefused_M_DL_5) {
  auto s = dispatched_ticket();
  auto late = decide(
      s,
      request_extension{"500103001", "原因", "进展", *parse_instant("2026-12-31T00:00:00+08:00")},
      *parse_instant("2026-12-15T00:00:00+08:00"), pol);
  ASSERT_TRUE(std::holds_alternative<workflow_error>(late));
  EXPECT_EQ(std::get<workflow_error>(late).code, "deadline_passed");
}

TEST_F(workflow, AnExtensionNeedsReasonsALaterDateAndNoOtherPendingRequest_M_DL_5) {
  auto s = dispatched_ticket();
  const instant later = *parse_instant("2026-12-31T00:00:00+08:00");
  EXPECT_EQ(refused(s, request_extension{"500103001", "", "进展", later}).field, "reason");
  EXPECT_EQ(refused(s, request_extension{"500103001", "原因", "进展", monday}).field,
            "new_deadline");
  EXPECT_EQ(refused(s, request_extension{"500103002", "原因", "进展", later}).code, "forbidden");
  s = run(s, request_extension{"500103001", "原因", "进展", later}, monday);
  EXPECT_EQ(refused(s, request_extension{"500103001", "原因", "进展", later + 1}).code, "conflict");
  EXPECT_EQ(refused(dispatched_ticket(), decide_extension{"500103", true, ""}).code, "conflict");
}

TEST_F(workflow, AnotherUnitCannotAcceptOrReply) {
  auto s = dispatched_ticket();
  EXPECT_EQ(refused(s, accept_ticket{"500103002"}).code, "forbidden");
  s = run(s, accept_ticket{"500103001"}, monday);
  EXPECT_EQ(refused(s, reply_ticket{"500103002", "x"}).code, "forbidden");
}

TEST_F(workflow, AnotherUnitLearnsNothingOfTheStatus) {
  auto s = run(dispatched_ticket(), accept_ticket{"500103001"}, monday);
  // Accepting again would be a conflict for the owner; for another unit it
  // is only "not yours".
  EXPECT_EQ(refused(s, accept_ticket{"500103002"}).code, "forbidden");
  EXPECT_EQ(refused(dispatched_ticket(), reply_ticket{"500103002", "x"}).code, "forbidden");
}

TEST_F(workflow, AStrangerGivingAnOpinionOrDecidingAnExtensionGetsForbiddenNotTheStatus_M_D_3) {
  // A closed ticket: for its own units a conflict, for a stranger only "not
  // yours", so that 403/409 does not tell the stranger its status.
  auto s = run(run(run(dispatched_ticket(), accept_ticket{"500103001"}, monday),
                   reply_ticket{"500103001", "x"}, monday),
               record_callback{}, monday);
  ASSERT_EQ(s.status, ticket_status::closed);
  EXPECT_EQ(refused(s, submit_opinion{"500103002", "x"}).code, "forbidden");
  EXPECT_EQ(refused(s, decide_extension{"500104", true, ""}).code, "forbidden");
  EXPECT_EQ(refused(s, decide_extension{"500103", true, ""}).code, "conflict");
  EXPECT_EQ(refused(ticket_state{}, submit_opinion{"500103002", "x"}).code, "forbidden");
  EXPECT_EQ(refused(ticket_state{}, decide_extension{"500103", true, ""}).code, "forbidden");
}

TEST_F(workflow, IllegalTransitionsAreConflictsNotCrashes) {
  const ticket_state none;
  EXPECT_EQ(refused(none, accept_ticket{"500103001"}).code, "forbidden");
  EXPECT_EQ(refused(none, reply_ticket{"500103001", "x"}).code, "forbidden");
  EXPECT_EQ(refused(none, record_callback{}).code, "conflict");
  auto s = dispatched_ticket();
  EXPECT_EQ(refused(s, reply_ticket{"500103001", "x"}).code, "conflict");
  EXPECT_EQ(refused(s, record_callback{}).code, "conflict");
  s = run(s, accept_ticket{"500103001"}, monday);
  EXPECT_EQ(refused(s, accept_ticket{"500103001"}).code, "conflict");
  EXPECT_EQ(refused(s, record_callback{}).code, "conflict");
  s = run(s, reply_ticket{"500103001", "x"}, monday);
  EXPECT_EQ(refused(s, reply_ticket{"500103001", "y"}).code, "conflict");
  s = run(s, record_callback{}, monday);
  ASSERT_EQ(s.status, ticket_status::closed);
  EXPECT_EQ(refused(s, record_callback{}).code, "conflict");
  EXPECT_EQ(refused(s, accept_ticket{"500103001"}).code, "conflict");
}

TEST_F(workflow, ACallersFollowUpIsAddedToAnOpenTicketAndRefusedOnAClosedOne_M_P_2) {
  auto s = dispatched_ticket();
  s = run(s, add_follow_up{channel::integrator, "楼下又开始施工了"}, monday + 10);
  ASSERT_EQ(s.follow_ups.size(), 1u);
  EXPECT_EQ(s.follow_ups[0].text, "楼下又开始施工了");
  EXPECT_EQ(s.follow_ups[0].at, monday + 10);
  EXPECT_EQ(s.status, ticket_status::dispatched) << "a follow-up changes no status";
  auto empty = refused(s, add_follow_up{channel::integrator, ""});
  EXPECT_EQ(empty.code, "invalid");
  EXPECT_EQ(empty.field, "description");
  s = run(s, accept_ticket{"500103001"}, monday);
  s = run(s, reply_ticket{"500103001", "x"}, monday);
  s = run(s, record_callback{}, monday);
  ASSERT_EQ(s.status, ticket_status::closed);
  EXPECT_EQ(refused(s, add_follow_up{channel::integrator, "还有"}).code, "conflict");
  EXPECT_EQ(refused({}, add_follow_up{channel::integrator, "没有工单"}).code, "conflict");
}

TEST_F(workflow, AnEmptyReplyIsRefusedOnTheTextField) {
  auto s = run(dispatched_ticket(), accept_ticket{"500103001"}, monday);
  auto e = refused(s, reply_ticket{"500103001", ""});
  EXPECT_EQ(e.code, "invalid");
  EXPECT_EQ(e.field, "text");
}

TEST_F(workflow, FoldingTheEventsRebuildsTheSameState) {
  auto d = decide({}, demand(), monday, pol);
  auto events = std::get<std::vector<event>>(d);
  auto s = fold(events);
  events.push_back(
      std::get<std::vector<event>>(decide(s, accept_ticket{"500103001"}, monday + 5, pol)).front());
  auto s2 = fold(events);
  EXPECT_EQ(s2.status, ticket_status::accepted);
  EXPECT_EQ(*s2.accepted_at, monday + 5);
  EXPECT_EQ(s2.version, 3u);
}

// Regressions found in review of the issue-3 workflow.

TEST_F(workflow, ANewLeadStartsWithoutThePreviousLeadsHandler_M_RT_3) {
  auto s = run(dispatched_ticket(), accept_ticket{"500103001"}, monday);
  s = run(s, name_handler{"500103001", "cq.water", "核查"}, monday);
  s = run(s, return_ticket{"500103001", "不属于"}, monday);
  EXPECT_FALSE(s.handler);
  designate d;
  d.lead = assignment{"500103.urban-management", "500103", {{"M-RT-2", "协调"}}};
  s = run(run(s, d, monday), accept_ticket{"500103.urban-management"}, monday);
  EXPECT_EQ(refused(s, report_handling{"cq.water", "x"}).code, "forbidden");
  s = run(s, name_handler{"500103.urban-management", "cq.gas", "核查"}, monday);
  EXPECT_EQ(s.handler->handler_id, "cq.gas");
}

TEST_F(workflow, AGivenDeadlineSurvivesCoordination_M_DL_3) {
  auto r = demand();
  r.route = needs_coordination{{{"M-RT-2", "属地不明"}}};
  r.deadline = *parse_instant("2026-11-27T18:00:00+08:00");
  auto s = run({}, r, monday);
  designate d;
  d.lead = assignment{"500103.urban-management", "500103", {{"M-RT-2", "协调"}}};
  s = run(s, d, monday + 1000);
  EXPECT_EQ(s.assignment->due, *r.deadline);
  EXPECT_EQ(s.assignment->deadline_rule, "M-DL-3");
}

TEST_F(workflow, AnAnswerEndsAPendingExtensionRequestAndNobodyDecidesItLater_M_DL_5) {
  auto s = run(
      run(dispatched_ticket(), accept_ticket{"500103001"}, monday),
      request_extension{"500103001", "原因", "进展", *parse_instant("2026-12-31T00:00:00+08:00")},
      monday);
  s = run(s, reply_ticket{"500103001", "已处理"}, monday);
  EXPECT_FALSE(s.extension_pending);
  EXPECT_EQ(refused(s, decide_extension{"500103", true, ""}).code, "conflict");
}

TEST_F(workflow, AReopenedTicketCannotBeReturned_M_RT_4_M_SV_2) {
  auto s = run(run(dispatched_ticket(), accept_ticket{"500103001"}, monday),
               reply_ticket{"500103001", "ok"}, monday);
  s = run(s, record_callback{satisfaction::not_satisfied, false}, monday);
  ASSERT_EQ(s.reopen_count, 1);
  EXPECT_EQ(refused(s, return_ticket{"500103001", "不属于"}).code, "return_window_passed");
}

TEST_F(workflow, CooperatingUnitsGetAtLeastOneWorkingDay_M_DL_4) {
  auto r = demand(demand_kind::consultation); // 3 working days
  r.route = needs_coordination{{{"M-RT-2", "属地不明"}}};
  auto s = run({}, r, monday);
  designate d;
  d.lead = assignment{"500103.urban-management", "500103", {{"M-RT-2", "协调"}}};
  d.cooperating = {"500103.housing"};
  s = run(s, d, *parse_instant("2026-11-23T23:30:00+08:00"));
  // 3 days before a 3-day limit would be the dispatch night itself: the
  // opinion is due with the lead's deadline instead.
  EXPECT_EQ(opinion_deadline(s, pol), s.assignment->due);
}
