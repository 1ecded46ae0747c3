#pragma once

#include "actors/interfaces.hpp"
#include "actors/services.hpp"

namespace hotline::actors {

struct ticket_actor_state {
  std::string no;
  routing::ticket_state ticket;
  bool loaded = false;
  std::uint64_t activity = 0; // messages handled; passivation compares it
  static inline const char* name = "ticket";
};

/// One open ticket: the only writer of its event stream. Loads its events
/// on first use; persists before it replies (DESIGN rule 2); after
/// `services::passivate_after` without a message, or once closed, it asks
/// the office to let it stop.
ticket_actor::behavior_type ticket(ticket_actor::stateful_pointer<ticket_actor_state> self,
                                   std::string no, office_actor office, const services* svc);

} // namespace hotline::actors
