// Ticket, unit and office actors over a real redis-server, in virtual time.
#include <gtest/gtest.h>

#include <future>
#include <spdlog/fmt/fmt.h>

#include "actors/office.hpp"
#include "actors/runtime.hpp"
#include "actors/ticket.hpp"
#include "actors/unit.hpp"
#include "adapters/crypto/crypto.hpp"
#include "tests/support/actor_harness.hpp"
#include "tests/support/redis_fixture.hpp"

using namespace hotline;
using namespace hotline::actors;
namespace r = hotline::routing;

namespace {

struct actor_test : ::testing::Test {
  static inline std::unique_ptr<test::redis_server> server;
  static inline std::unique_ptr<config::hotline_config> cfg;
  static void SetUpTestSuite() {
    server = std::make_unique<test::redis_server>();
    cfg = std::make_unique<config::hotline_config>(config::load(test::chongqing_config()));
  }
  static void TearDownTestSuite() {
    server.reset();
    cfg.reset();
  }
  void SetUp() override {
    server->flush();
    test::own_every_partition(pool, own);
  }

  redis::pool pool{server->where(), 2};
  redis::store store{pool};
  manual_clock clk{*r::parse_instant("2026-11-23T10:00:00+08:00")};
  cluster::ownership own{"test-node", store.partitions()};
  services svc{*cfg, store, crypto::vault(std::string(32, 'k')), clk, own};
  test::actor_harness h;
  office_actor office = h.system().spawn(actors::office, &svc);

  intake_request demand(const std::string& request_id = "req-1") {
    intake_request req;
    req.request_id = request_id;
    req.via = r::channel::phone;
    req.kind = r::demand_kind::complaint;
    // The first category a township handles, so that the street named in
    // the address is the unit.
    for (const auto& c : cfg->directory.categories())
      if (!c.competent.empty() && c.coordination.empty()
          && c.competent.front().kind == r::unit_kind::township
          && std::count(c.kinds.begin(), c.kinds.end(), r::demand_kind::complaint)) {
        req.category = c.code;
        break;
      }
    req.content = "夜间施工噪音扰民";
    req.where.address = "重庆市渝中区解放碑街道民族路188号";
    req.caller_name = "张三";
    req.caller_phone = "13812345678";
    return req;
  }

  std::size_t live() { return h.ask<std::size_t>(office, count_atom::value); }

  ~actor_test() override {
    caf::anon_send_exit(office, caf::exit_reason::user_shutdown);
    h.run();
  }
};

} // namespace

TEST_F(actor_test, TheTicketIsPersistedBeforeTheIntakeIsAcknowledged) {
  auto reply = h.ask<ticket_reply>(office, intake_atom::value, demand());
  ASSERT_FALSE(reply.error) << reply.error->message;
  EXPECT_TRUE(reply.created);
  EXPECT_EQ(reply.state.status, r::ticket_status::dispatched);
  // What the reply says is what Redis holds.
  auto stored = r::fold(store.load(reply.ticket_no));
  EXPECT_EQ(stored.version, reply.state.version);
  EXPECT_EQ(stored.assignment->unit_id, reply.state.assignment->unit_id);
  EXPECT_EQ(store.inbox(reply.state.assignment->unit_id),
            std::vector<std::string>{reply.ticket_no});
}

TEST_F(actor_test, CallerDataIsSealedAtRest) {
  auto reply = h.ask<ticket_reply>(office, intake_atom::value, demand());
  redis::connection c(server->where());
  auto raw = c.command({"LRANGE", "hl:t:" + reply.ticket_no, "0", "-1"});
  for (std::size_t i = 0; i < raw->elements; ++i) {
    std::string bytes(raw->element[i]->str, raw->element[i]->len);
    EXPECT_EQ(bytes.find("13812345678"), std::string::npos);
    EXPECT_EQ(bytes.find("张三"), std::string::npos);
  }
  auto secret = svc.vault.open(reply.ticket_no, reply.state.intake->caller_sealed);
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->phone, "13812345678");
  EXPECT_EQ(secret->extraction_code.size(), 6u);
}

TEST_F(actor_test, TheSameRequestIdReturnsTheSameTicketAndCreatesNothing) {
  auto first = h.ask<ticket_reply>(office, intake_atom::value, demand("same"));
  auto again = h.ask<ticket_reply>(office, intake_atom::value, demand("same"));
  EXPECT_FALSE(again.error);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.ticket_no, first.ticket_no);
  // The first ticket of its partition p that day is "…-{p+1}"; the retry
  // created no other ticket.
  const auto p = store.partition_of(first.ticket_no);
  EXPECT_EQ(first.ticket_no, fmt::format("20261123-{:06}", p + 1));
  redis::connection c(server->where());
  EXPECT_EQ(redis::reply_integer(c.command({"SCARD", "hl:tickets"}).get()), 1);
}

TEST_F(actor_test, ARequestIdReusedForADifferentDemandIsAConflictAndRevealsNothing) {
  auto first = h.ask<ticket_reply>(office, intake_atom::value, demand("shared-id"));
  auto other = demand("shared-id");
  other.caller_phone = "13900000000";
  other.content = "另一件事";
  auto res = h.ask<ticket_reply>(office, intake_atom::value, other);
  ASSERT_TRUE(res.error);
  EXPECT_EQ(res.error->code, "conflict");
  EXPECT_EQ(res.error->field, "request_id");
  EXPECT_TRUE(res.ticket_no.empty());
  EXPECT_FALSE(res.state.intake);
}

// The office sweeps every quarter of `passivate_after` and stops the ticket
// actors idle for at least `passivate_after`: between 1 and 1.25 periods
// after their last message. Virtual time moves a quarter at a time so that
// each sweep runs on time.
TEST_F(actor_test, AnIdleTicketActorPassivatesAndReactivatesFromTheStore) {
  const auto quarter = svc.passivate_after / 4;
  auto reply = h.ask<ticket_reply>(office, intake_atom::value, demand());
  EXPECT_EQ(live(), 1u);
  for (int i = 0; i < 3; ++i)
    h.advance(quarter);
  EXPECT_EQ(live(), 1u);
  h.advance(quarter);
  h.advance(quarter);
  EXPECT_EQ(live(), 0u);
  auto back = h.ask<ticket_reply>(office, get_atom::value, reply.ticket_no);
  EXPECT_EQ(live(), 1u);
  EXPECT_EQ(back.state.version, reply.state.version);
  EXPECT_EQ(back.state.status, r::ticket_status::dispatched);
}

TEST_F(actor_test, BeyondTheBoundTheLeastRecentlyUsedTicketActorStops) {
  svc.max_live_tickets = 2;
  auto a = h.ask<ticket_reply>(office, intake_atom::value, demand("lru-a"));
  auto other = demand("lru-b");
  other.caller_phone = "13900000001";
  auto b = h.ask<ticket_reply>(office, intake_atom::value, other);
  h.ask<ticket_reply>(office, get_atom::value, a.ticket_no); // a is used again
  other = demand("lru-c");
  other.caller_phone = "13900000002";
  auto c = h.ask<ticket_reply>(office, intake_atom::value, other);
  EXPECT_EQ(live(), 2u) << "b, the least recently used, stopped";
  // Stopped, not lost: its next message starts it again from the store.
  auto back = h.ask<ticket_reply>(office, get_atom::value, b.ticket_no);
  EXPECT_FALSE(back.error);
  EXPECT_EQ(back.state.version, b.state.version);
  EXPECT_EQ(live(), 2u);
  EXPECT_FALSE(c.error);
}

TEST_F(actor_test, ActivityPostponesPassivation) {
  const auto quarter = svc.passivate_after / 4;
  auto reply = h.ask<ticket_reply>(office, intake_atom::value, demand());
  for (int i = 0; i < 3; ++i)
    h.advance(quarter);
  h.ask<ticket_reply>(office, get_atom::value, reply.ticket_no);
  h.advance(quarter);
  h.advance(quarter); // without the get it would have gone a quarter ago
  EXPECT_EQ(live(), 1u);
  h.advance(quarter);
  h.advance(quarter);
  EXPECT_EQ(live(), 0u);
}

TEST_F(actor_test, AClosedTicketLeavesMemoryAtOnce) {
  auto t = h.ask<ticket_reply>(office, intake_atom::value, demand());
  const auto unit_id = t.state.assignment->unit_id;
  auto u = h.system().spawn(actors::unit, unit_id, office, &svc, actors::unit_lookup{});
  EXPECT_FALSE(h.ask<ticket_reply>(u, command_atom::value, t.ticket_no,
                                   r::command{r::accept_ticket{unit_id}}, std::string(),
                                   r::person{"liaison.jfb", "王联络"})
                   .error);
  EXPECT_FALSE(h.ask<ticket_reply>(u, command_atom::value, t.ticket_no,
                                   r::command{r::reply_ticket{unit_id, "已处理"}}, std::string(),
                                   r::person{})
                   .error);
  auto closed = h.ask<ticket_reply>(
      office, command_atom::value, t.ticket_no,
      r::command{r::record_callback{r::satisfaction::satisfied, true}}, std::string(), r::person{});
  EXPECT_EQ(closed.state.status, r::ticket_status::closed);
  // M-SV-3: the person who accepted is recorded with the event.
  const auto recorded = store.load_recorded(t.ticket_no);
  ASSERT_GE(recorded.size(), 3u);
  EXPECT_EQ(r::event_type(recorded[2].e), "accepted");
  EXPECT_EQ(recorded[2].by.user, "liaison.jfb");
  EXPECT_EQ(recorded[2].by.name, "王联络");
  EXPECT_EQ(recorded[0].by.user, "");
  EXPECT_EQ(live(), 0u);
  EXPECT_TRUE(store.inbox(unit_id).empty());
  caf::anon_send_exit(u, caf::exit_reason::user_shutdown);
}

TEST_F(actor_test, AUnitCannotActInAnotherUnitsName) {
  auto t = h.ask<ticket_reply>(office, intake_atom::value, demand());
  auto other = h.system().spawn(actors::unit, std::string("500103.housing"), office, &svc,
                                actors::unit_lookup{});
  auto res = h.ask<ticket_reply>(other, command_atom::value, t.ticket_no,
                                 r::command{r::accept_ticket{t.state.assignment->unit_id}},
                                 std::string(), r::person{});
  ASSERT_TRUE(res.error);
  EXPECT_EQ(res.error->code, "forbidden");
  // And acting in its own name on a ticket that is not its own: the
  // workflow refuses it.
  auto self_named = h.ask<ticket_reply>(other, command_atom::value, t.ticket_no,
                                        r::command{r::accept_ticket{"500103.housing"}},
                                        std::string(), r::person{});
  ASSERT_TRUE(self_named.error);
  EXPECT_EQ(self_named.error->code, "forbidden");
  EXPECT_EQ(r::fold(store.load(t.ticket_no)).status, r::ticket_status::dispatched);
  caf::anon_send_exit(other, caf::exit_reason::user_shutdown);
}

TEST_F(actor_test, AnUnknownTicketIsNotFoundAndLeavesNothingBehind) {
  auto res = h.ask<ticket_reply>(office, get_atom::value, std::string("20261123-999999"));
  ASSERT_TRUE(res.error);
  EXPECT_EQ(res.error->code, "not_found");
  EXPECT_EQ(live(), 0u); // its actor stopped at once
  redis::connection c(server->where());
  EXPECT_EQ(c.command({"EXISTS", "hl:t:20261123-999999"})->integer, 0);
}

TEST_F(actor_test, AUnitActorRefusesToStartForAnUnknownUnit) {
  auto u = h.system().spawn(actors::unit, std::string("no.such.unit"), office, &svc,
                            actors::unit_lookup{});
  h.run();
  caf::scoped_actor self{h.system()};
  auto pending
      = self->request(u, caf::infinite, inbox_atom::value, inbox_query{}, routing::instant{0});
  h.run();
  bool failed = false;
  pending.receive([&](inbox_reply&) {}, [&](caf::error&) { failed = true; });
  EXPECT_TRUE(failed);
}

// Issue 10: the ticket tells its unit of every step; the unit's worklist
// follows without reading any ticket, and a unit actor started later
// rebuilds it from the one worklist index in Redis.
TEST_F(actor_test, AUnitsWorklistFollowsWhatItsTicketsTellIt) {
  const auto first = demand();
  std::string unit_id;
  unit_actor u;
  svc.tell_units = [&](const r::ticket_summary& t, const std::vector<std::string>& units) {
    if (u && std::find(units.begin(), units.end(), unit_id) != units.end())
      caf::anon_send(u, notice_atom::value, t);
  };
  auto t = h.ask<ticket_reply>(office, intake_atom::value, first);
  unit_id = t.state.assignment->unit_id;
  u = h.system().spawn(actors::unit, unit_id, office, &svc, actors::unit_lookup{});
  auto page = [&] { return h.ask<inbox_reply>(u, inbox_atom::value, inbox_query{}, clk.now()); };
  auto box = page();
  ASSERT_EQ(box.page.items.size(), 1u) << "rebuilt from hl:wl at start";
  EXPECT_EQ(box.page.items[0].no, t.ticket_no);
  EXPECT_EQ(box.page.roles[0], r::worklist_role::lead);
  // A second ticket after the unit started: told, not read.
  auto t2 = h.ask<ticket_reply>(office, intake_atom::value, demand("req-2"));
  redis::connection c(server->where());
  c.command({"DEL", "hl:wl:" + unit_id}); // the actor must not need it now
  box = page();
  ASSERT_EQ(box.page.items.size(), 2u);
  EXPECT_EQ(box.counts.by_status.at("dispatched"), 2u);
  h.ask<ticket_reply>(u, command_atom::value, t.ticket_no, r::command{r::accept_ticket{unit_id}},
                      std::string(), r::person{});
  box = page();
  EXPECT_EQ(box.counts.by_status.at("accepted"), 1u);
  h.ask<ticket_reply>(u, command_atom::value, t.ticket_no,
                      r::command{r::reply_ticket{unit_id, "已处理"}}, std::string(), r::person{});
  h.ask<ticket_reply>(office, command_atom::value, t.ticket_no,
                      r::command{r::record_callback{r::satisfaction::satisfied, true}},
                      std::string(), r::person{});
  box = page();
  ASSERT_EQ(box.page.items.size(), 1u) << "closed: out of the worklist";
  EXPECT_EQ(box.page.items[0].no, t2.ticket_no);
  svc.tell_units = nullptr;
  caf::anon_send_exit(u, caf::exit_reason::user_shutdown);
}

// Data written before issue 10 kept only hl:inbox sets: the worklists are
// built from the tickets once, at start, and never again.
TEST_F(actor_test, WorklistsAreBuiltOnceForTicketsFromBeforeThem) {
  auto t = h.ask<ticket_reply>(office, intake_atom::value, demand());
  const auto unit_id = t.state.assignment->unit_id;
  redis::connection c(server->where());
  c.command({"DEL", "hl:wl:" + unit_id, "hl:schema:worklists"});
  ASSERT_TRUE(store.inbox(unit_id).empty());
  {
    actors::runtime rt(svc);
    EXPECT_EQ(rt.build_worklists(), 1u);
    EXPECT_EQ(store.inbox(unit_id), std::vector<std::string>{t.ticket_no});
    c.command({"DEL", "hl:wl:" + unit_id});
    EXPECT_EQ(rt.build_worklists(), 0u) << "built once";
    EXPECT_TRUE(store.inbox(unit_id).empty());
  }
}

// Issue 16: the ticket actor of a new number does not read Redis first (the
// office has just drawn the number), so an intake costs one read less.
TEST_F(actor_test, ANewTicketIsWrittenWithoutReadingItFirst) {
  redis::connection c(server->where());
  c.command({"CONFIG", "RESETSTAT"});
  auto reply = h.ask<ticket_reply>(office, intake_atom::value, demand());
  ASSERT_FALSE(reply.error) << reply.error->message;
  auto stats = c.command({"INFO", "commandstats"});
  const std::string info(stats->str, stats->len);
  EXPECT_EQ(info.find("cmdstat_lrange:"), std::string::npos) << info;
  EXPECT_EQ(r::fold(store.load(reply.ticket_no)).version, reply.state.version);
}

// ... and if something were stored under the number after all, the
// append's version check refuses the blind write: the actor reads the
// ticket, decides again and refuses; nothing is added (M-R-1, DESIGN rule 2).
TEST_F(actor_test, ARegistrationForANumberAlreadyStoredIsRefusedAndAddsNothing) {
  auto first = h.ask<ticket_reply>(office, intake_atom::value, demand("req-1"));
  ASSERT_FALSE(first.error) << first.error->message;
  const auto before = r::fold(store.load(first.ticket_no));
  // A second actor of the same number, as if the office had drawn it again.
  auto again = h.system().spawn(actors::ticket, first.ticket_no, office, &svc);
  r::register_demand cmd;
  cmd.intake.request_id = "req-2";
  cmd.intake.kind = r::demand_kind::complaint;
  cmd.intake.category = demand().category;
  cmd.intake.content = "另一诉求";
  cmd.route = r::needs_coordination{};
  auto res = h.ask<ticket_reply>(again, command_atom::value, r::command{cmd},
                                 std::string("req:req-2"), r::person{});
  ASSERT_TRUE(res.error);
  EXPECT_NE(res.error->code, "unavailable") << res.error->message;
  const auto after = r::fold(store.load(first.ticket_no));
  EXPECT_EQ(after.version, before.version);
  EXPECT_EQ(after.intake->request_id, "req-1");
  caf::anon_send_exit(again, caf::exit_reason::user_shutdown);
}

// Issue 16 item 2: with the group commit (a runtime), a ticket not in memory
// is read on its lanes, not by a worker waiting on Redis; what arrives while
// it is read waits and runs in the order it came.
TEST_F(actor_test, ATicketNotInMemoryIsReadWithoutBlockingAndItsMessagesKeepTheirOrder) {
  auto t = h.ask<ticket_reply>(office, intake_atom::value, demand());
  ASSERT_FALSE(t.error);
  const auto unit_id = t.state.assignment->unit_id;
  std::promise<ticket_reply> got, first, second, unknown;
  {
    actors::runtime rt(svc); // an office of its own: the ticket is not in memory there
    rt.get(t.ticket_no, [&](ticket_reply r) { got.set_value(std::move(r)); });
    // Two accepts from the unit (one path, so they keep their order): the
    // first takes it, the second finds it taken.
    const r::command accept{r::accept_ticket{unit_id}};
    rt.unit_command(unit_id, t.ticket_no, accept, "", r::person{},
                    [&](ticket_reply r) { first.set_value(std::move(r)); });
    rt.unit_command(unit_id, t.ticket_no, accept, "", r::person{},
                    [&](ticket_reply r) { second.set_value(std::move(r)); });
    rt.get("20261123-999999", [&](ticket_reply r) { unknown.set_value(std::move(r)); });
    auto g = got.get_future().get();
    auto a = first.get_future().get();
    auto b = second.get_future().get();
    auto u = unknown.get_future().get();
    ASSERT_FALSE(g.error) << g.error->message;
    EXPECT_EQ(g.state.version, t.state.version);
    ASSERT_FALSE(a.error) << a.error->message;
    EXPECT_EQ(a.state.status, r::ticket_status::accepted);
    ASSERT_TRUE(b.error);
    EXPECT_NE(b.error->code, "unavailable") << b.error->message;
    EXPECT_EQ(b.state.status, r::ticket_status::accepted);
    ASSERT_TRUE(u.error);
    EXPECT_EQ(u.error->code, "not_found");
  }
  const auto stored = r::fold(store.load(t.ticket_no));
  EXPECT_EQ(stored.status, r::ticket_status::accepted);
  EXPECT_EQ(stored.version, t.state.version + 1);
}
