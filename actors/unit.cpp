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

} // namespace

unit_actor::behavior_type unit(unit_actor::stateful_pointer<unit_state> self, std::string id,
                               office_actor office, const services* svc) {
  if (!svc->config.directory.find_unit(id)) {
    // STYLE 3: refuse to start on a unit that does not exist.
    spdlog::error("unit: refusing to start for unknown unit {}", id);
    self->quit(caf::sec::invalid_argument);
    return unit_actor::behavior_type::make_empty_behavior();
  }
  self->state.id = std::move(id);
  return {
      [=](inbox_atom) -> inbox_reply {
        inbox_reply out;
        try {
          for (const auto& no : svc->store.inbox(self->state.id)) {
            ticket_reply t;
            t.ticket_no = no;
            t.state = routing::fold(svc->store.load(no));
            out.tickets.push_back(std::move(t));
          }
        } catch (const std::exception& e) {
          spdlog::error("unit: {}: store unavailable: {}", self->state.id, e.what());
          out.error = failure{"unavailable", "storage is unavailable; retry", ""};
        }
        return out;
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
