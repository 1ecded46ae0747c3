#pragma once

#include <list>
#include <unordered_map>

#include "actors/interfaces.hpp"
#include "actors/services.hpp"

namespace hotline::actors {

struct office_state {
  struct live_ticket {
    ticket_actor handle;
    std::uint64_t routed = 0;              // messages sent to it that it will count
    std::list<std::string>::iterator used; // its place in `lru`
    caf::actor_clock::time_point used_at;  // when a message was last routed to it
  };
  std::unordered_map<std::string, live_ticket> tickets;
  /// Live tickets, the most recently used first: beyond
  /// `services::max_live_tickets`, or idle for `services::passivate_after`,
  /// the least recently used are stopped.
  std::list<std::string> lru;
  /// Ticket actors stopped since the office last returned free memory.
  std::size_t stopped_since_trim = 0;

  /// Forgets ticket `no`'s actor (after telling it to stop).
  void forget(std::unordered_map<std::string, live_ticket>::iterator i) {
    lru.erase(i->second.used);
    tickets.erase(i);
  }
  static inline const char* name = "office";
};

/// The coordination office (12345热线): registers, routes and dispatches
/// demands (M-C-1, M-C-2, M-RT-1), and hosts the registry of ticket actors:
/// it activates them on demand and lets them passivate when idle.
/// M-S-2: the key of a caller and matter ("" for a demand disposed of at
/// once): HMAC of the phone and the category.
std::string repeat_key(const services& svc, const intake_request& req);

/// The partition an intake belongs to: that of its repeat key (so a repeat
/// finds its open ticket on the same node), else of its request id.
cluster::partition_id intake_partition(const services& svc, const intake_request& req);
/// The same, given its repeat key (no second HMAC).
cluster::partition_id intake_partition(const services& svc, const intake_request& req,
                                       const std::string& repeat_key);

office_actor::behavior_type office(office_actor::stateful_pointer<office_state> self,
                                   const services* svc);

} // namespace hotline::actors
