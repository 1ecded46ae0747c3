#pragma once

#include <memory>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/services.hpp"

namespace hotline::actors {

struct ticket_actor_state {
  std::string no;
  routing::ticket_state ticket;
  bool loaded = false;
  std::uint64_t activity = 0; // messages handled; passivation compares it
  /// A command and who waits for its answer.
  struct command_job {
    routing::command cmd;
    std::string claim;
    routing::person by;
    caf::typed_response_promise<ticket_reply> rp;
    int attempt = 0;        // a version conflict decides again, once
    bool read_only = false; // a read of the state that came while loading
  };
  /// Issue 16: the command whose append is in the group commit, with what
  /// it computed (applied once Redis confirmed it), and the commands that
  /// arrived meanwhile, run in order after it: one append in flight at a
  /// time keeps the actor the only, sequential writer of its ticket.
  struct in_flight {
    command_job job;
    std::vector<routing::event> events;
    routing::ticket_state after;
    routing::ticket_summary summary;
    std::vector<std::string> told;
  };
  /// Both empty in an idle actor, and then allocate nothing (a deque
  /// would, and there are up to 10,000 live actors).
  std::unique_ptr<in_flight> flight;
  std::vector<command_job> waiting;
  bool loading = false;    // issue 16 item 2: its events are being read
  bool stop_asked = false; // the office asked it to stop: after the queue
  static inline const char* name = "ticket";
};

/// One open ticket: the only writer of its event stream. Loads its events
/// on first use (through the group commit's lanes: no worker waits); persists before it replies
/// (DESIGN rule 2); after `services::passivate_after` without a message, or once closed, it asks
/// the office to let it stop.
ticket_actor::behavior_type ticket(ticket_actor::stateful_pointer<ticket_actor_state> self,
                                   std::string no, office_actor office, const services* svc);

} // namespace hotline::actors
