#include "actors/unit.hpp"

#include <spdlog/spdlog.h>

namespace hotline::actors {

namespace {

// The unit a command claims to act for ("" for commands no unit gives).
std::string acting_unit(const routing::command& cmd) {
  if (auto* a = std::get_if<routing::accept_ticket>(&cmd))
    return a->unit_id;
  if (auto* r = std::get_if<routing::reply_ticket>(&cmd))
    return r->unit_id;
  if (auto* e = std::get_if<routing::request_extension>(&cmd))
    return e->unit_id;
  if (auto* d = std::get_if<routing::decide_extension>(&cmd))
    return d->approver;
  if (auto* r = std::get_if<routing::return_ticket>(&cmd))
    return r->unit_id;
  if (auto* o = std::get_if<routing::submit_opinion>(&cmd))
    return o->unit_id;
  if (auto* n = std::get_if<routing::name_handler>(&cmd))
    return n->unit_id;
  if (auto* h = std::get_if<routing::report_handling>(&cmd))
    return h->handler_id;
  return "";
}

// Loads the worklist once; false if Redis did not answer (the next
// request tries again).
bool ensure_loaded(unit_actor::stateful_pointer<unit_state> self, const services& svc) {
  auto& st = self->state;
  if (st.work)
    return true;
  try {
    routing::worklist w(st.id, svc.policy);
    for (const auto& t : svc.store.worklist(st.id))
      w.apply(t);
    st.work = std::move(w);
    return true;
  } catch (const std::exception& e) {
    spdlog::error("unit: {}: store unavailable: {}", st.id, e.what());
    return false;
  }
}

failure unavailable() {
  return failure{"unavailable", "storage is unavailable; retry", ""};
}

} // namespace

unit_actor::behavior_type unit(unit_actor::stateful_pointer<unit_state> self, std::string id,
                               office_actor office, const services* svc, unit_lookup peers) {
  if (!svc->config.directory.find_unit(id)) {
    // STYLE 3: refuse to start on a unit that does not exist.
    spdlog::error("unit: refusing to start for unknown unit {}", id);
    self->quit(caf::sec::invalid_argument);
    return unit_actor::behavior_type::make_empty_behavior();
  }
  self->state.id = std::move(id);
  // The units one level down (in the directory each unit's parent is the
  // unit that supervises it).
  for (const auto* u : svc->config.directory.children(self->state.id))
    self->state.subordinates.push_back(u->id);
  ensure_loaded(self, *svc);
  return {
      [=](inbox_atom, const inbox_query& q, routing::instant now) -> inbox_reply {
        inbox_reply out;
        if (!ensure_loaded(self, *svc)) {
          out.error = unavailable();
          return out;
        }
        out.page = self->state.work->page(q.filter, q.cursor, q.limit, now);
        out.counts = self->state.work->counts(now);
        return out;
      },
      [=](notice_atom, const routing::ticket_summary& t) {
        // Before the load, the load reads this step (or a later one) anyway.
        if (self->state.work)
          self->state.work->apply(t);
      },
      [=](overview_atom, routing::instant now,
          bool with_subordinates) -> caf::result<overview_reply> {
        overview_reply out;
        out.unit_id = self->state.id;
        if (!ensure_loaded(self, *svc)) {
          out.error = unavailable();
          return out;
        }
        out.own = self->state.work->counts(now);
        const auto& subs = self->state.subordinates;
        if (!with_subordinates || subs.empty())
          return out;
        // Asks every subordinate at once and answers when the last is in.
        struct gather {
          overview_reply reply;
          std::size_t left = 0;
        };
        auto g = std::make_shared<gather>();
        g->reply = std::move(out);
        g->reply.subordinates.resize(subs.size());
        g->left = subs.size();
        auto rp = self->make_response_promise<overview_reply>();
        for (std::size_t i = 0; i < subs.size(); ++i) {
          g->reply.subordinates[i].first = subs[i];
          auto done = [g, rp]() mutable {
            if (--g->left == 0)
              rp.deliver(std::move(g->reply));
          };
          auto peer = peers(subs[i]);
          if (!peer) {
            done();
            continue;
          }
          self->request(peer, std::chrono::seconds(10), overview_atom::value, now, false)
              .then(
                  [g, i, done](overview_reply& r) mutable {
                    if (r.error)
                      g->reply.error = r.error;
                    g->reply.subordinates[i].second = std::move(r.own);
                    done();
                  },
                  [g, done](caf::error&) mutable {
                    g->reply.error = unavailable();
                    done();
                  });
        }
        return rp;
      },
      [=](command_atom, const std::string& no, const routing::command& cmd,
          const std::string& claim, const routing::person& by) -> caf::result<ticket_reply> {
        if (acting_unit(cmd) != self->state.id) {
          ticket_reply r;
          r.error = failure{"forbidden", "a unit acts only in its own name", "unit_id"};
          return r;
        }
        return self->delegate(office, command_atom::value, no, cmd, claim, by);
      },
  };
}

} // namespace hotline::actors
