#pragma once
// Every actor interface and every message type of the actor layer, in one
// place (STYLE 1). The actors are local to a node: requests between nodes
// travel through Redis Streams (adapters/cluster/forwarder), so the types here are allowed as
// local-only ("unsafe") message types instead of being serialized by CAF.

#include <caf/all.hpp>

#include <optional>
#include <string>
#include <vector>

#include "adapters/cluster/partitioning.hpp"
#include "adapters/redis/store.hpp"
#include "routing/access.hpp"
#include "routing/ticket.hpp"
#include "routing/worklist.hpp"

namespace hotline::actors {

// Atoms (at most 10 characters in CAF 0.17).
using intake_atom = caf::atom_constant<caf::atom("intake")>;
using command_atom = caf::atom_constant<caf::atom("command")>;
using inbox_atom = caf::atom_constant<caf::atom("inbox")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using count_atom = caf::atom_constant<caf::atom("count")>;
using drop_atom = caf::atom_constant<caf::atom("drop")>;
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
using notice_atom = caf::atom_constant<caf::atom("notice")>;
using overview_atom = caf::atom_constant<caf::atom("overview")>;
using appended_atom = caf::atom_constant<caf::atom("appended")>;
using loaded_atom = caf::atom_constant<caf::atom("loaded")>;
using caf::get_atom;

/// A refusal that adapters turn into their error format: a stable code, a
/// message, the field at fault.
struct failure {
  // invalid · not_found · forbidden · conflict · unavailable · moved (this
  // node does not own the ticket's partition: forward it to the owner)
  std::string code;
  std::string message;
  std::string field;
};

/// What a caller brings to the hotline (M-R-1), validated by the adapter.
struct intake_request {
  std::string request_id;
  routing::channel via = routing::channel::phone;
  routing::demand_kind kind = routing::demand_kind::consultation;
  std::string category;
  std::string content;
  routing::location where;
  std::string caller_name; // clear text only in memory, sealed before storage
  std::string caller_phone;
  std::optional<routing::instant> deadline; // M-DL-3
  std::optional<routing::disposal> how;     // M-C-1: other than a ticket
  routing::person by;                       // the operator who took it; empty when anonymous
  /// M-S-2: a repeat is linked to the open ticket only when staff (or an
  /// integrator) vouch for the caller; an anonymous one gets a ticket of its
  /// own marked as a possible repeat, so a phone number alone tells a
  /// stranger nothing and appends nothing to another's ticket.
  bool verified = false;
};

/// The answer of a ticket: its number and state, or a failure.
struct ticket_reply {
  std::optional<failure> error;
  std::string ticket_no;
  routing::ticket_state state;
  bool created = false; // false when an intake was a retry of a known request
  bool linked = false;  // true when an intake was a repeat linked to an open ticket (M-S-2)
};

/// Which page of a unit's worklist (issue 10); validated by the adapter.
struct inbox_query {
  routing::worklist_filter filter;
  std::string cursor; // "" for the first page
  std::size_t limit = 50;
};

/// A page of a unit's worklist and its counts, from the unit's projection.
struct inbox_reply {
  std::optional<failure> error;
  routing::worklist_page page;
  routing::worklist_counts counts;
};

/// A unit's counts and, for a unit others answer to (a district
/// government, the office), each subordinate's (issue 10).
struct overview_reply {
  std::optional<failure> error;
  std::string unit_id;
  routing::worklist_counts own;
  std::vector<std::pair<std::string, routing::worklist_counts>> subordinates;
};

/// The only writer of one ticket (DESIGN: ticket actor). Runs decide,
/// persists, applies, then replies; passivates when idle.
using ticket_actor = caf::typed_actor<
    /// Runs a command; `claim` is the intake request id to claim, or "".
    /// `by` is the person giving it, recorded with its events (M-SV-3).
    caf::replies_to<command_atom, routing::command, std::string,
                    routing::person>::with<ticket_reply>,
    /// The current state (loaded from the store on activation).
    caf::replies_to<get_atom>::with<ticket_reply>,
    /// From the group commit (issue 16): the outcome of the append in
    /// flight; the commands that came meanwhile wait for it.
    caf::reacts_to<appended_atom, redis::store::batch_result>,
    /// From the same lanes (issue 16 item 2): the ticket's events, read
    /// without a CAF worker waiting; the messages that came meanwhile wait.
    caf::reacts_to<loaded_atom, redis::store::load_result>,
    /// From the office: stop now (it routes nothing more here; what it
    /// sent before arrives first).
    caf::reacts_to<stop_atom>>;

/// The coordination office: intake, routing, the registry of live ticket
/// and unit actors. Every message to a ticket goes through it, so a ticket
/// actor never receives anything after the office let it passivate.
using office_actor = caf::typed_actor<
    /// M-C-1/M-C-2: register, route and dispatch a demand.
    caf::replies_to<intake_atom, intake_request>::with<ticket_reply>,
    /// A command for ticket `no` (from a unit actor or the office role);
    /// `claim` is "" or an idempotency claim ("cmd:{key}").
    caf::replies_to<command_atom, std::string, routing::command, std::string,
                    routing::person>::with<ticket_reply>,
    /// The state of ticket `no`.
    caf::replies_to<get_atom, std::string>::with<ticket_reply>,
    /// The number of live ticket actors (for metrics and passivation tests).
    caf::replies_to<count_atom>::with<std::size_t>,
    /// A ticket actor reports it is closed or does not exist: the office
    /// may stop it at once.
    caf::reacts_to<idle_atom, std::string, std::uint64_t>,
    /// Self-scheduled: stop the ticket actors idle for `passivate_after`.
    caf::reacts_to<sweep_atom>,
    /// Shutdown: stop every ticket actor; replies how many there were.
    caf::replies_to<stop_atom>::with<std::size_t>,
    /// This node no longer owns the partition: stop its ticket actors.
    caf::reacts_to<drop_atom, cluster::partition_id>>;

/// A handling unit (承办单位), a district government or the office: its
/// worklist, kept live from what its tickets tell it, and its own decisions
/// on tickets.
using unit_actor = caf::typed_actor<
    /// A page of the unit's worklist at `now`.
    caf::replies_to<inbox_atom, inbox_query, routing::instant>::with<inbox_reply>,
    /// A ticket that concerns the unit took a step: its summary after it.
    caf::reacts_to<notice_atom, routing::ticket_summary>,
    /// The unit's counts at `now`; with `subordinates`, also theirs.
    caf::replies_to<overview_atom, routing::instant, bool>::with<overview_reply>,
    /// The unit acts on ticket `no` (accept, reply, …): checked to be this
    /// unit's own act, then handed to the ticket through the office.
    caf::replies_to<command_atom, std::string, routing::command, std::string,
                    routing::person>::with<ticket_reply>>;

} // namespace hotline::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hotline::routing::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hotline::routing::person)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hotline::redis::store::batch_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hotline::redis::store::load_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hotline::actors::intake_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hotline::actors::ticket_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hotline::actors::inbox_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hotline::actors::inbox_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hotline::actors::overview_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(hotline::routing::ticket_summary)
