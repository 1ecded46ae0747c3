#include "actors/ticket.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "adapters/monitor/counters.hpp"
#include "adapters/push/notice_data.hpp"
#include "adapters/redis/codec.hpp"

namespace hotline::actors {

namespace {

using self_ptr = ticket_actor::stateful_pointer<ticket_actor_state>;

failure unavailable(const std::exception& e) {
  spdlog::error("ticket: store unavailable: {}", e.what());
  return {"unavailable", "storage is unavailable, nothing was changed; retry", ""};
}

// Issue 10: the worklists and notices of `events`, which take the ticket
// from `before` to `after`; `told` gets every unit whose worklist or
// stream changes, for the unit actors of this node.
redis::push_writes push_of(const std::string& no, const routing::ticket_state& before,
                           const std::vector<routing::event>& events,
                           const routing::ticket_summary& summary, const services& svc,
                           std::vector<std::string>& told) {
  redis::push_writes w;
  const auto summary_before = routing::summarize(no, before, svc.policy);
  w.holders_before = routing::holders(summary_before, svc.policy);
  w.holders_after = routing::holders(summary, svc.policy);
  w.summary = redis::encode(summary);
  w.keep_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        (std::chrono::system_clock::now() - svc.push_retention).time_since_epoch())
                        .count();
  // One walk over the events, each seen with the state before it: its
  // notices; the office's decision it is (issue 11: evidence for proposals,
  // M-RT-2, M-RT-4); an answer citing an article, or a consultation answered
  // at once without one (issue 13, M-KB-3). All are written with the events,
  // so nothing is lost.
  std::vector<routing::evidence> decisions;
  routing::ticket_state s = before;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (auto d = routing::decision_in(s, events[i]))
      decisions.push_back(std::move(*d));
    if (const auto* d = std::get_if<routing::disposed>(&events[i]);
        d && d->kind == routing::disposal_kind::direct_answer) {
      const auto month = routing::format_date(routing::shanghai_date(d->at)).substr(0, 7);
      if (!d->article_id.empty()) {
        w.hashes.push_back(
            {"kb:cited:" + month, no, d->article_id + "|" + std::to_string(d->article_version)});
      } else if (s.intake && s.intake->kind == routing::demand_kind::consultation) {
        const nlohmann::json gap{{"cat", s.intake->category},
                                 {"terms", routing::content_terms(s.intake->content)},
                                 {"at", d->at}};
        w.hashes.push_back({"kb:uncited:" + month, no, gap.dump()});
      }
    }
    auto next = routing::apply(s, events[i]);
    const auto notices = routing::notices_for(s, events[i], next, svc.policy);
    if (!notices.empty()) {
      // After the last event the summary is the one the caller made.
      const auto t = i + 1 == events.size() ? summary : routing::summarize(no, next, svc.policy);
      for (const auto& n : notices)
        w.notices.push_back({n.step, n.units, push::notice_data(n, t, next, svc.config.directory)});
    }
    s = std::move(next);
  }
  if (!decisions.empty()) {
    const auto& intake = *s.intake;
    const auto facts
        = routing::facts_of(no, intake, svc.router.locate({intake.address, intake.coords}));
    for (const auto& d : decisions) {
      auto e = facts;
      e.unit_id = d.unit_id;
      e.chosen = d.chosen;
      e.at = d.at;
      w.hashes.push_back({"learn:" + e.category, routing::evidence_key(e), redis::encode(e)});
    }
  }
  // Issue 14 item 4 (M-D-1): the overview's counters and the warnings'
  // hourly buckets, with the events.
  monitor::count_steps(w, svc.store.prefix(), no, summary_before, summary, events, s, svc.router,
                       svc.config.directory, svc.config.warnings);
  auto add = [&](const std::vector<std::string>& us) {
    for (const auto& u : us)
      if (std::find(told.begin(), told.end(), u) == told.end())
        told.push_back(u);
  };
  add(w.holders_before);
  add(w.holders_after);
  for (const auto& n : w.notices)
    add(n.units);
  return w;
}

// Loads the ticket's events the first time they are needed.
std::optional<failure> ensure_loaded(self_ptr self, const services& svc) {
  auto& st = self->state;
  if (st.loaded)
    return std::nullopt;
  try {
    st.ticket = routing::fold(svc.store.load(st.no));
    st.loaded = true;
    return std::nullopt;
  } catch (const std::exception& e) {
    return unavailable(e);
  }
}

ticket_reply reply_of(self_ptr self) {
  ticket_reply r;
  r.ticket_no = self->state.no;
  r.state = self->state.ticket;
  return r;
}

ticket_reply failed(self_ptr self, failure f) {
  ticket_reply r = reply_of(self);
  r.error = std::move(f);
  return r;
}

// A number with no ticket behind it: answer so, and offer to stop at once,
// so look-ups of unknown numbers do not keep actors in memory.
ticket_reply not_found(self_ptr self, const office_actor& office) {
  self->send(office, idle_atom::value, self->state.no, self->state.activity);
  return failed(self, {"not_found", "no ticket " + self->state.no, "ticket_no"});
}

using job = ticket_actor_state::command_job;

// A command retried with its Idempotency-Key after it was applied (here or
// by the previous owner) is answered with the ticket as it is.
ticket_reply claimed_by(self_ptr self, const services& svc, const std::string& holder) {
  auto& st = self->state;
  if (holder != st.no)
    return failed(self, {"conflict", "Idempotency-Key was already used for another ticket",
                         "Idempotency-Key"});
  st.loaded = false; // applied before, maybe by another node
  if (auto f = ensure_loaded(self, svc))
    return failed(self, *f);
  return reply_of(self);
}

void finish(self_ptr self, const office_actor& office, const services* svc,
            const redis::store::batch_result& res);

// Runs `j` up to its append: answers it at once when no append is needed
// (a refusal, a retry already applied); else hands the append to the group
// commit (issue 16) and keeps what it computed in `flight` until Redis has
// answered (`finish`).
void start(self_ptr self, const office_actor& office, const services* svc, job j) {
  auto& st = self->state;
  auto answer = [&](ticket_reply r) { j.rp.deliver(std::move(r)); };
  if (auto f = ensure_loaded(self, *svc))
    return answer(failed(self, *f));
  const bool registering = std::holds_alternative<routing::register_demand>(j.cmd);
  if (!registering && st.ticket.status == routing::ticket_status::none)
    return answer(not_found(self, office));
  // Issue 4: every write is fenced by this node's lease of the ticket's
  // partition; without it, the owner elsewhere must do it.
  const auto fence = svc->own.fence(svc->store.partition_of(st.no));
  if (!fence)
    return answer(failed(self, {"moved", "ticket " + st.no + " is owned by another node now", ""}));
  // A command retried after it was applied is refused by `decide` when its
  // effect shows in the state, or meets its claim in the append script
  // when it does not. Only the first case costs a look-up, and only on a
  // refusal.
  const bool command_claim = j.claim.rfind("cmd:", 0) == 0;
  const routing::instant now = svc->clk.now();
  auto d = routing::decide(st.ticket, j.cmd, now, svc->policy);
  if (auto* err = std::get_if<routing::workflow_error>(&d)) {
    if (command_claim) {
      try {
        if (auto holder = svc->store.find_claim(j.claim))
          return answer(claimed_by(self, *svc, *holder));
      } catch (const std::exception& e) {
        return answer(failed(self, unavailable(e)));
      }
    }
    return answer(failed(self, {err->code, err->message, err->field}));
  }
  auto& events = std::get<std::vector<routing::event>>(d);
  // M-SV-1: the timers the ticket wants after these events are written with
  // them, so a timer fires exactly once.
  routing::ticket_state after = st.ticket;
  for (const auto& e : events)
    after = routing::apply(std::move(after), e);
  const auto timers = routing::timers_for(after, svc->policy);
  // No events (a timer no longer wanted): the append only puts the timers
  // right, still version-checked and fenced.
  auto summary = routing::summarize(st.no, after, svc->policy);
  std::vector<std::string> told;
  const auto push = push_of(st.no, st.ticket, events, summary, *svc, told);
  auto prepared = svc->store.prepare_append(st.no, st.ticket.version, st.ticket, events,
                                            events.empty() ? std::string() : j.claim, &timers,
                                            fence, j.by, &push);
  st.flight.reset(new ticket_actor_state::in_flight{
      std::move(j), std::move(events), std::move(after), std::move(summary), std::move(told)});
  if (!svc->appender) {
    // No group commit (actors alone on CAF's deterministic test scheduler,
    // where no other thread may answer): one round trip, here.
    std::vector<redis::store::prepared_append> one{std::move(prepared)};
    redis::store::batch_result r;
    try {
      r = svc->store.append_batch(one)[0];
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    return finish(self, office, svc, r);
  }
  // Issue 16 item 2: the actor does not wait on Redis; the outcome comes
  // back as a message, and commands arriving meanwhile wait in `waiting`.
  auto me = caf::actor_cast<ticket_actor>(self);
  const bool timer = std::holds_alternative<routing::fire_timer>(st.flight->job.cmd);
  svc->appender->submit(
      svc->store.partition_of(st.no), std::move(prepared),
      [me](redis::store::batch_result r) {
        caf::anon_send(me, appended_atom::value, std::move(r));
      },
      timer);
}

// The append of the command in flight was answered: apply and acknowledge
// it only if it was persisted (DESIGN rule 2).
void finish(self_ptr self, const office_actor& office, const services* svc,
            const redis::store::batch_result& res) {
  auto& st = self->state;
  auto f = std::move(*st.flight);
  st.flight.reset();
  auto& j = f.job;
  auto answer = [&](ticket_reply r) { j.rp.deliver(std::move(r)); };
  if (!res.error.empty()) {
    // The script may have run before the connection failed: forget what we
    // hold and read the truth again on the next message.
    spdlog::error("ticket: {}: append failed, outcome unknown: {}", st.no, res.error);
    st.loaded = false;
    return answer(failed(self, {"unavailable",
                                "storage failed; the outcome is unknown: read the ticket or retry "
                                "(intake is idempotent)",
                                ""}));
  }
  using outcome = redis::append_result::outcome;
  if (res.result.result == outcome::fenced) {
    // Another node took the partition: it writes this ticket now.
    spdlog::warn("ticket: {}: write fenced (lease lost); not applied", st.no);
    st.loaded = false;
    return answer(failed(self, {"moved", "ticket " + st.no + " is owned by another node now", ""}));
  }
  if (res.result.result == outcome::request_taken) {
    // (An intake's request id taken — a retry that raced its first attempt
    // — goes back to the office, which tells a replay from a repeat by the
    // fingerprint.)
    if (j.claim.rfind("cmd:", 0) == 0)
      return answer(claimed_by(self, *svc, res.result.existing_ticket));
    return answer(failed(self, {"request_taken", res.result.existing_ticket, "request_id"}));
  }
  if (f.events.empty())
    return answer(reply_of(self));
  if (res.result.result == outcome::version_conflict) {
    // Another writer got in first (only possible across nodes, or with a
    // second actor of this ticket after passivation): reload and decide
    // again, once.
    st.loaded = false;
    if (auto fail = ensure_loaded(self, *svc))
      return answer(failed(self, *fail));
    if (j.attempt > 0)
      return answer(failed(self, {"conflict", "ticket changed concurrently; retry", "ticket_no"}));
    ++j.attempt;
    return start(self, office, svc, std::move(j));
  }
  const bool registering = std::holds_alternative<routing::register_demand>(j.cmd);
  st.ticket = std::move(f.after); // persisted: the state we computed is the truth
  // The units of this node hear it before the caller does, so a unit's
  // worklist read after the answer shows the step.
  if (svc->tell_units)
    svc->tell_units(f.summary, f.told);
  spdlog::info("ticket: {} {} -> {} (v{})", st.no, routing::event_type(f.events.back()),
               routing::to_string(st.ticket.status), st.ticket.version);
  if (svc->on_intake && (registering || std::holds_alternative<routing::link_repeat>(j.cmd)))
    svc->on_intake();
  auto r = reply_of(self);
  r.created = registering;
  if (!st.ticket.open())
    self->send(office, idle_atom::value, st.no, st.activity);
  answer(std::move(r));
}

// The answer to a read of the state.
ticket_reply current(self_ptr self, const office_actor& office) {
  if (self->state.ticket.status == routing::ticket_status::none)
    return not_found(self, office);
  return reply_of(self);
}

// Issue 16 item 2: reads the ticket on the group commit's lanes (the timers'
// lane for a timer, which must not wait behind intake work); the actor goes
// on when its events come (`loaded_atom`).
void read_events(self_ptr self, const services* svc, const job& next) {
  self->state.loading = true;
  auto me = caf::actor_cast<ticket_actor>(self);
  svc->appender->load(
      svc->store.partition_of(self->state.no), self->state.no,
      [me](redis::store::load_result r) { caf::anon_send(me, loaded_atom::value, std::move(r)); },
      !next.read_only && std::holds_alternative<routing::fire_timer>(next.cmd));
}

// Starts the waiting commands in order while none is in flight (reading the
// ticket first if it is not in memory); stops the actor once nothing is
// left if the office asked it to.
void pump(self_ptr self, const office_actor& office, const services* svc) {
  auto& st = self->state;
  while (!st.flight && !st.loading && !st.waiting.empty()) {
    const auto& next = st.waiting.front();
    if (!st.loaded) {
      // Issue 16: a registration comes with a number the office has just
      // drawn in its partition, so nothing is stored under it and there is
      // nothing to read. Were something there, the append's version check
      // (0) refuses it and `finish` reads the ticket and decides again:
      // never a second intake.
      if (!next.read_only && next.attempt == 0
          && std::holds_alternative<routing::register_demand>(next.cmd))
        st.loaded = true;
      else if (svc->appender)
        return read_events(self, svc, next);
    }
    auto j = std::move(st.waiting.front());
    st.waiting.erase(st.waiting.begin()); // a few at most
    if (j.read_only)
      j.rp.deliver(current(self, office)); // loaded: only queued with the lanes
    else
      start(self, office, svc, std::move(j));
  }
  if (st.waiting.empty())
    st.waiting.shrink_to_fit(); // an idle actor holds no queue
  if (!st.flight && st.waiting.empty() && st.stop_asked)
    self->quit();
}

} // namespace

ticket_actor::behavior_type ticket(self_ptr self, std::string no, office_actor office,
                                   const services* svc) {
  self->state.no = std::move(no);
  return {
      [=](command_atom, const routing::command& cmd, const std::string& claim,
          const routing::person& by) -> caf::result<ticket_reply> {
        ++self->state.activity;
        auto rp = self->make_response_promise<ticket_reply>();
        self->state.waiting.push_back({cmd, claim, by, rp, 0});
        pump(self, office, svc);
        return rp;
      },
      [=](appended_atom, const redis::store::batch_result& r) {
        finish(self, office, svc, r);
        pump(self, office, svc);
      },
      [=](loaded_atom, redis::store::load_result& r) {
        auto& st = self->state;
        st.loading = false;
        if (r.error.empty()) {
          st.ticket = routing::fold(r.events);
          st.loaded = true;
        } else if (!st.waiting.empty()) {
          // The message that asked for it fails; the next one reads again.
          spdlog::error("ticket: {}: store unavailable: {}", st.no, r.error);
          auto j = std::move(st.waiting.front());
          st.waiting.erase(st.waiting.begin());
          j.rp.deliver(failed(
              self, {"unavailable", "storage is unavailable, nothing was changed; retry", ""}));
        }
        pump(self, office, svc);
      },
      [=](get_atom) -> caf::result<ticket_reply> {
        auto& st = self->state;
        ++st.activity;
        if (st.loaded || !svc->appender) {
          if (auto f = ensure_loaded(self, *svc))
            return failed(self, *f);
          return current(self, office);
        }
        auto rp = self->make_response_promise<ticket_reply>();
        job j;
        j.rp = rp;
        j.read_only = true;
        st.waiting.push_back(std::move(j));
        pump(self, office, svc);
        return rp;
      },
      [=](stop_atom) {
        // What the office sent before runs first; an append in flight is
        // answered before the actor stops.
        if (self->state.flight || !self->state.waiting.empty())
          self->state.stop_asked = true;
        else
          self->quit();
      },
  };
}

} // namespace hotline::actors
