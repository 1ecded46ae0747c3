#include "actors/office.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include "actors/ticket.hpp"
#include "adapters/crypto/crypto.hpp"

namespace hotline::actors {

namespace {

using self_ptr = office_actor::stateful_pointer<office_state>;

ticket_reply failed(failure f) {
  ticket_reply r;
  r.error = std::move(f);
  return r;
}

failure moved(const std::string& what) {
  return {"moved", what + " belongs to a partition this node does not own", ""};
}

// The state of ticket `no`, handed to `then`: from its live actor if this
// node owns its partition, else read from the store (the owner persists
// before it acknowledges, so the store is never behind an acknowledgement).
template <class F>
void with_state(self_ptr self, const services* svc, const std::string& no, F then);

// The live actor of ticket `no`, activated if needed; counts the message
// about to be sent so that passivation never races with it.
ticket_actor route_to(self_ptr self, const services* svc, const std::string& no) {
  auto& st = self->state;
  auto [i, fresh] = st.tickets.try_emplace(no);
  auto& entry = i->second;
  if (fresh) {
    // Not linked: CAF keeps an actor's links in a list searched on every
    // unlink, so N linked tickets stopping cost the office O(N²) (the
    // benchmark saw it stall for minutes at 190,000). The office stops its
    // tickets itself, also at shutdown (stop_atom).
    entry.handle = self->spawn(ticket, no, caf::actor_cast<office_actor>(self), svc);
    st.lru.push_front(no);
    entry.used = st.lru.begin();
  } else {
    st.lru.splice(st.lru.begin(), st.lru, entry.used);
  }
  entry.used_at = self->clock().now();
  ++entry.routed;
  auto handle = entry.handle;
  // Memory follows the working set: beyond the bound, the least recently
  // used actor stops. It handles what was sent to it before (one sender's
  // messages arrive in order); a later message starts a new actor from the
  // store, and the version check orders the two should they overlap.
  while (st.tickets.size() > svc->max_live_tickets && st.lru.size() > 1) {
    auto oldest = st.tickets.find(st.lru.back());
    self->send(oldest->second.handle, stop_atom::value);
    st.forget(oldest);
    ++st.stopped_since_trim;
  }
  svc->live_ticket_actors.store(st.tickets.size());
  return handle;
}

// Everything a caller submits, in one string, so that a retry can be told
// from a different demand that reuses a request id.
std::string canonical(const intake_request& req) {
  std::string out;
  auto add = [&](const std::string& field) {
    out += std::to_string(field.size());
    out += ':';
    out += field;
  };
  add(std::string(routing::to_string(req.via)));
  add(std::string(routing::to_string(req.kind)));
  add(req.category);
  add(req.content);
  add(req.where.address);
  add(req.where.coords ? fmt::format("{:.7f},{:.7f}", req.where.coords->lon, req.where.coords->lat)
                       : "");
  add(req.caller_name);
  add(req.caller_phone);
  add(req.deadline ? std::to_string(*req.deadline) : "");
  if (req.how) {
    add(std::string(routing::to_string(req.how->kind)));
    add(req.how->answer);
    add(req.how->target);
    add(req.how->refusal ? req.how->refusal->code : "");
  }
  return out;
}

// Answers `rp` with the state of an existing ticket (an intake retry) if
// its request fingerprint is `fingerprint`; a request id reused for another
// demand is a conflict and reveals nothing of the first ticket.
void deliver_existing(self_ptr self, const services* svc,
                      caf::typed_response_promise<ticket_reply> rp, const std::string& no,
                      std::string fingerprint) {
  with_state(self, svc, no, [=](ticket_reply r) mutable {
    bool repeat = false;
    for (const auto& x : r.state.repeats)
      repeat = repeat || x.fingerprint == fingerprint;
    if (!r.error && !repeat && (!r.state.intake || r.state.intake->fingerprint != fingerprint)) {
      rp.deliver(
          failed({"conflict", "request_id was already used for a different demand", "request_id"}));
      return;
    }
    r.created = false;
    r.linked = repeat;
    rp.deliver(std::move(r));
  });
}

// Draws a number, seals the caller data and registers the demand as a new
// ticket (M-R-1, M-R-2), answering `rp`.
void register_new(self_ptr self, const services* svc, caf::typed_response_promise<ticket_reply> rp,
                  const intake_request& req, const std::string& fingerprint,
                  const routing::route_result& route, const std::string& repeat_key,
                  const std::string& no, const std::string& possible_repeat_of = "") {
  // M-R-2: the extraction code (提取码) lets the caller follow the ticket.
  crypto::caller_secret secret{req.caller_name, req.caller_phone, crypto::random_digits(6)};
  routing::register_demand cmd;
  cmd.intake.request_id = req.request_id;
  cmd.intake.via = req.via;
  cmd.intake.kind = req.kind;
  cmd.intake.category = req.category;
  cmd.intake.content = req.content;
  cmd.intake.address = req.where.address;
  cmd.intake.coords = req.where.coords;
  cmd.intake.caller_sealed = svc->vault.seal(no, secret);
  cmd.intake.fingerprint = fingerprint;
  cmd.intake.repeat_key = repeat_key;
  cmd.intake.possible_repeat_of = possible_repeat_of;
  cmd.deadline = req.deadline;
  cmd.how = req.how;
  if (auto* a = std::get_if<routing::assignment>(&route))
    cmd.route = *a;
  else
    cmd.route = std::get<routing::needs_coordination>(route);
  self->request(route_to(self, svc, no), caf::infinite, command_atom::value, routing::command{cmd},
                "req:" + req.request_id, req.by)
      .then(
          [=](ticket_reply r) mutable {
            // Lost a race with a concurrent retry of the same request: the
            // number we drew stays unused and the winner's ticket answers.
            if (r.error && r.error->code == "request_taken")
              deliver_existing(self, svc, rp, r.error->message, fingerprint);
            else
              rp.deliver(std::move(r));
          },
          [=](caf::error&) mutable {
            rp.deliver(failed({"unavailable", "ticket actor failed; retry", ""}));
          });
}

template <class F>
void with_state(self_ptr self, const services* svc, const std::string& no, F then) {
  if (svc->own.owns(svc->store.partition_of(no))) {
    self->request(route_to(self, svc, no), caf::infinite, get_atom::value)
        .then([=](ticket_reply r) mutable { then(std::move(r)); },
              [=](caf::error&) mutable {
                then(failed({"unavailable", "ticket actor failed; retry", ""}));
              });
    return;
  }
  ticket_reply r;
  r.ticket_no = no;
  try {
    r.state = routing::fold(svc->store.load(no));
    if (r.state.status == routing::ticket_status::none)
      r.error = failure{"not_found", "no ticket " + no, "ticket_no"};
  } catch (const std::exception& e) {
    spdlog::error("office: store unavailable: {}", e.what());
    r.error = failure{"unavailable", "storage is unavailable; retry", ""};
  }
  then(std::move(r));
}

} // namespace

std::string repeat_key(const services& svc, const intake_request& req) {
  if (req.how && req.how->kind != routing::disposal_kind::ticket)
    return "";
  return svc.vault.fingerprint("repeat|" + req.caller_phone + "|" + req.category);
}

cluster::partition_id intake_partition(const services& svc, const intake_request& req,
                                       const std::string& repeat_key) {
  // M-S-2: the same caller and matter land in the same partition, so the
  // open ticket a repeat is linked to is written by the same node.
  return cluster::partition_of_key(repeat_key.empty() ? "req|" + req.request_id : repeat_key,
                                   svc.store.partitions());
}

cluster::partition_id intake_partition(const services& svc, const intake_request& req) {
  return intake_partition(svc, req, repeat_key(svc, req));
}

office_actor::behavior_type office(self_ptr self, const services* svc) {
  // Idle tickets are found by one sweep of the office, not by a timer per
  // ticket (a pending timer message would keep a stopped actor's memory).
  const auto sweep_every
      = std::max<caf::timespan>(svc->passivate_after / 4, std::chrono::milliseconds(1));
  self->delayed_send(self, sweep_every, sweep_atom::value);
  return {
      [=](intake_atom, const intake_request& req) -> caf::result<ticket_reply> {
        const routing::instant now = svc->clk.now();
        const std::string fingerprint = svc->vault.fingerprint(canonical(req));
        if (req.deadline && *req.deadline <= now)
          return failed({"invalid", "deadline must be in the future", "deadline"});
        // M-C-1: a demand disposed of at once needs no route; a category,
        // if given for the statistics, must still be known.
        const bool as_ticket = !req.how || req.how->kind == routing::disposal_kind::ticket;
        routing::route_result route = routing::needs_coordination{};
        if (as_ticket) {
          // M-RT-1/M-RT-2: territory and matter.
          route = svc->router.route({req.kind, req.category, req.where});
          if (auto* err = std::get_if<routing::routing_error>(&route))
            return failed({err->code, err->message, err->field});
        } else if (!req.category.empty() && !svc->config.directory.find_category(req.category)) {
          return failed(
              {"unknown_category", "unknown category '" + req.category + "'", "category"});
        }
        // M-S-2 repeats: the same caller with the same matter while a ticket
        // is open is linked to it instead of opening a second one.
        const std::string repeat_key = actors::repeat_key(*svc, req);
        const auto partition = intake_partition(*svc, req, repeat_key);
        if (!svc->own.owns(partition))
          return failed(moved("this intake"));
        auto rp = self->make_response_promise<ticket_reply>();
        // One round trip: a known request id, an open repeat, and a number
        // in the intake's partition (owned here, so this node's actor is the
        // new ticket's writer) in case it is a new ticket.
        redis::store::intake_facts facts;
        try {
          facts = svc->store.intake_lookup(req.request_id, repeat_key, routing::shanghai_date(now),
                                           partition);
        } catch (const std::exception& e) {
          spdlog::error("office: store unavailable at intake: {}", e.what());
          // The promise owns the answer now: a returned value would be lost.
          rp.deliver(
              failed({"unavailable", "storage is unavailable, nothing was changed; retry", ""}));
          return rp;
        }
        {
          // DESIGN rule 3: a known request id answers with its ticket.
          if (facts.existing) {
            deliver_existing(self, svc, rp, *facts.existing, fingerprint);
            return rp;
          }
          // M-S-2, M-D-3: unverified (anonymous) callers are never linked:
          // a ticket of their own, marked for staff, and the answer is the
          // same as for any new demand. It does not take over the repeat
          // index, which keeps pointing at the confirmed ticket.
          if (facts.open_repeat && !req.verified) {
            register_new(self, svc, rp, req, fingerprint, route, "", facts.fresh_no,
                         *facts.open_repeat);
            return rp;
          }
          if (auto& open = facts.open_repeat;
              open && svc->own.owns(svc->store.partition_of(*open))) {
            routing::command link = routing::link_repeat{req.via, req.content, fingerprint};
            self->request(route_to(self, svc, *open), caf::infinite, command_atom::value, link,
                          "req:" + req.request_id, req.by)
                .then(
                    [=](ticket_reply r) mutable {
                      if (!r.error) {
                        r.created = false;
                        r.linked = true;
                        rp.deliver(std::move(r));
                      } else if (r.error->code == "request_taken") {
                        deliver_existing(self, svc, rp, r.error->message, fingerprint);
                      } else if (r.error->code == "conflict") {
                        // Closed meanwhile: a new ticket after all.
                        register_new(self, svc, rp, req, fingerprint, route, repeat_key,
                                     facts.fresh_no);
                      } else {
                        rp.deliver(std::move(r));
                      }
                    },
                    [=](caf::error&) mutable {
                      rp.deliver(failed({"unavailable", "ticket actor failed; retry", ""}));
                    });
            return rp;
          }
        }
        register_new(self, svc, rp, req, fingerprint, route, repeat_key, facts.fresh_no);
        return rp;
      },
      [=](command_atom, const std::string& no, const routing::command& cmd,
          const std::string& claim, const routing::person& by) -> caf::result<ticket_reply> {
        if (!svc->own.owns(svc->store.partition_of(no)))
          return failed(moved("ticket " + no));
        return self->delegate(route_to(self, svc, no), command_atom::value, cmd, claim, by);
      },
      [=](get_atom, const std::string& no) -> caf::result<ticket_reply> {
        if (svc->own.owns(svc->store.partition_of(no)))
          return self->delegate(route_to(self, svc, no), get_atom::value);
        auto rp = self->make_response_promise<ticket_reply>();
        with_state(self, svc, no, [=](ticket_reply r) mutable { rp.deliver(std::move(r)); });
        return rp;
      },
      [=](drop_atom, cluster::partition_id p) {
        // Another node writes these tickets now: stop their actors (a message
        // already sent to one is handled before the stop, and fails fenced).
        auto& live = self->state.tickets;
        for (auto i = live.begin(); i != live.end();) {
          if (svc->store.partition_of(i->first) == p) {
            self->send(i->second.handle, stop_atom::value);
            self->state.lru.erase(i->second.used);
            i = live.erase(i);
          } else {
            ++i;
          }
        }
        svc->live_ticket_actors.store(live.size());
      },
      [=](count_atom) -> std::size_t { return self->state.tickets.size(); },
      [=](sweep_atom) {
        // The least recently used come last: stop from the back while idle
        // for `passivate_after` (they handle what was sent before first).
        auto& st = self->state;
        const auto cutoff = self->clock().now() - svc->passivate_after;
        // The actors stopped by the last sweeps are gone by now; give their
        // memory back to the system, or RSS would stay at its high-water mark
        // (glibc keeps freed memory in its arenas).
        if (st.stopped_since_trim >= 1000) {
          ::malloc_trim(0);
          st.stopped_since_trim = 0;
        }
        while (!st.lru.empty()) {
          auto oldest = st.tickets.find(st.lru.back());
          if (oldest->second.used_at > cutoff)
            break;
          self->send(oldest->second.handle, stop_atom::value);
          st.forget(oldest);
          ++st.stopped_since_trim;
        }
        svc->live_ticket_actors.store(st.tickets.size());
        self->delayed_send(self, sweep_every, sweep_atom::value);
      },
      [=](stop_atom) -> std::size_t {
        auto& st = self->state;
        const auto n = st.tickets.size();
        for (auto& [no, t] : st.tickets)
          self->send(t.handle, stop_atom::value);
        st.tickets.clear();
        st.lru.clear();
        svc->live_ticket_actors.store(0);
        return n;
      },
      [=](idle_atom, const std::string& no, std::uint64_t seen) {
        // Only the live actor of that ticket, and only if nothing was routed
        // to it since: a late report from an earlier incarnation is ignored.
        auto i = self->state.tickets.find(no);
        if (i == self->state.tickets.end() || i->second.routed != seen
            || self->current_sender() != caf::actor_cast<caf::strong_actor_ptr>(i->second.handle))
          return;
        self->send(i->second.handle, stop_atom::value);
        self->state.forget(i);
        svc->live_ticket_actors.store(self->state.tickets.size());
      },
  };
}

} // namespace hotline::actors
