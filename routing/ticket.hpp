#pragma once
// The ticket workflow (服务工单): a ticket is the fold of its events.
//   decide(state, command, now, policy) → events | error   (pure)
//   apply(state, event)                  → state            (pure)
// Statuses for this stage of the project:
//   registered → dispatched → accepted (签收) → replied → called_back → closed
//   registered → coordinating (M-RT-2: awaiting the office's designation)

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "routing/calendar.hpp"
#include "routing/directory.hpp"
#include "routing/disposal.hpp"
#include "routing/router.hpp"

namespace hotline::routing {

enum class channel { phone, web, app, wechat, integrator };
std::string_view to_string(channel c);
std::string_view label_zh(channel c);
std::optional<channel> parse_channel(std::string_view s);

enum class satisfaction { satisfied, basically_satisfied, not_satisfied };
std::string_view to_string(satisfaction s);
std::optional<satisfaction> parse_satisfaction(std::string_view s);

enum class ticket_status {
  none,         // no event yet
  registered,   // recorded, not yet dispatched
  coordinating, // M-RT-2: waits for the office to designate units
  dispatched,   // assigned to a unit, deadline running
  accepted,     // 签收 by the unit
  replied,      // the unit answered
  called_back,  // 回访 recorded but not satisfied/resolved: awaits re-handling
  closed,
};
std::string_view to_string(ticket_status s);
std::string_view label_zh(ticket_status s);
std::optional<ticket_status> parse_status(std::string_view s);

// --- events (the truth; DESIGN rule 1) -------------------------------------

/// M-R-1: what was recorded at intake. Caller data arrives already sealed
/// (encrypted) by the adapter: the domain never sees it in clear.
struct registered {
  instant at = 0;
  std::string request_id;
  channel via = channel::phone;
  demand_kind kind = demand_kind::consultation;
  std::string category;
  std::string content;
  std::string address;
  std::optional<point> coords;
  std::string caller_sealed; // opaque: AES-256-GCM of name, phone, code
  std::string fingerprint;   // keyed hash of the whole request: a retry must match it
  std::string repeat_key;    // keyed hash of caller + matter: a repeat links here while open
  std::optional<instant> given_deadline; // M-DL-3, kept for a later designation
  /// M-S-2 from an unverified channel (anonymous web or app): the same
  /// phone and matter as this open ticket, but nobody confirmed it is the
  /// same caller, so it was not linked; staff see it as unconfirmed.
  std::string possible_repeat_of;
};

/// M-C-2, M-RT-1, M-DL-1..3, M-DL-6: assignment with its deadline.
struct dispatched {
  instant at = 0;
  std::string unit_id;
  std::string supervisor_id;
  std::vector<reason> reasons;
  confidence sure;    // issue 11: how sure the router (or the office) was
  int limit_days = 0; // 0 when the deadline was given at assignment
  instant due = 0;
  bool provisional = false;
  std::string deadline_rule;            // M-DL-1, M-DL-2 or M-DL-3
  std::vector<std::string> cooperating; // M-RT-2/M-DL-4: cooperating units of the lead
};

/// M-RT-2: the router could not name one unit; the office designates.
struct coordination_requested {
  instant at = 0;
  std::vector<reason> reasons;
};

struct accepted {
  instant at = 0;
  std::string unit_id;
};

struct replied {
  instant at = 0;
  std::string unit_id;
  std::string text;
};

/// M-SV-2: the callback's evaluation.
struct called_back {
  instant at = 0;
  satisfaction result = satisfaction::satisfied;
  bool resolved = true;
};

/// M-P-3: the closed loop ends; the event log is the archive (M-SV-3).
struct closed {
  instant at = 0;
  std::string rule; // why it closed: "M-SV-2"
};

/// M-C-1, M-S-3: the demand was disposed of at once, not as a ticket; a
/// `closed` event follows.
struct disposed {
  instant at = 0;
  disposal_kind kind = disposal_kind::direct_answer;
  std::string answer; // direct_answer
  std::string target; // call_transfer / three_way_call
  std::string refusal_code, basis, rule, referral_name, referral_contact; // refusal
  std::string article_id; // direct_answer: the article cited (issue 13), "" for none
  int article_version = 0;
};

/// M-RT-4: a unit returns (退单) a ticket outside its duties, with reasons;
/// the office re-routes it.
struct returned {
  instant at = 0;
  std::string unit_id;
  std::string reason;
};

/// M-S-2 (repeats): the same caller came back with the same matter while
/// this ticket is open; linked here instead of opening a second ticket.
struct repeat_linked {
  instant at = 0;
  channel via = channel::phone;
  std::string content;
  std::string fingerprint; // of that request, so its retry is recognised
};

/// M-RT-3: the assigned unit names a concrete handler within its authority;
/// it stays accountable and its own answer is what reaches the caller.
struct handler_named {
  instant at = 0;
  std::string by;
  std::string handler_id;
  std::string instruction;
};

/// M-RT-3: the concrete handler reports back to the unit that named it.
struct handler_reported {
  instant at = 0;
  std::string handler_id;
  std::string text;
};

/// M-DL-4: a cooperating unit gives its opinion to the lead unit.
struct opinion_submitted {
  instant at = 0;
  std::string unit_id;
  std::string text;
};

/// M-SV-1: supervision steps up: a reminder (催办) before the deadline, a
/// supervision notice (督办) at it, a public notice (通报) after it, or an
/// escalation by the office at any time.
enum class escalation_level { reminder, supervision, notice, office };
std::string_view to_string(escalation_level l);
std::optional<escalation_level> parse_escalation_level(std::string_view s);
std::string_view label_zh(escalation_level l);

struct escalated {
  instant at = 0;
  escalation_level level = escalation_level::reminder;
  instant due = 0;                   // the deadline it is about
  std::vector<std::string> notified; // units told (the handling unit, supervisor, office)
  std::string reason;                // for an office escalation
  std::string unit;                  // the late unit, if not the lead (a cooperating unit)
};

/// M-SV-2: an unsatisfied or unresolved callback sends the ticket back to
/// the same unit for re-handling (重办) with a fresh deadline.
struct reopened {
  instant at = 0;
  int count = 0; // how many times reopened, this one included
  int limit_days = 0;
  instant due = 0;
  bool provisional = false;
};

/// M-DL-5: the handling unit asks, before its deadline, for more time.
struct extension_requested {
  instant at = 0;
  std::string unit_id;
  std::string reason;   // why it cannot finish in time
  std::string progress; // the progress so far, told to the caller
  instant new_due = 0;
};

/// M-DL-5: the unit one level up approves or refuses; only approval moves
/// the deadline.
struct extension_decided {
  instant at = 0;
  std::string by; // the approving unit (the office for city departments)
  bool approved = false;
  std::string note;
  instant new_due = 0;
};

/// Issue 12 (FixMyStreet's POST servicerequestupdates, M-P-2): the caller
/// follows up an open ticket through an integrator; the text is added to
/// the ticket as given, for the unit to read. Changes no status.
struct follow_up_added {
  instant at = 0;
  channel via = channel::integrator;
  std::string text;
};

using event = std::variant<registered, dispatched, coordination_requested, accepted, replied,
                           called_back, closed, reopened, extension_requested, extension_decided,
                           disposed, returned, opinion_submitted, escalated, handler_named,
                           handler_reported, repeat_linked, follow_up_added>;
std::string_view event_type(const event& e);
instant event_time(const event& e);

// --- state -------------------------------------------------------------------

struct ticket_state {
  ticket_status status = ticket_status::none;
  std::uint64_t version = 0; // number of events applied
  std::optional<registered> intake;
  std::optional<dispatched> assignment;
  std::vector<reason> coordination_reasons;
  std::optional<instant> accepted_at;
  std::optional<replied> answer;
  std::optional<called_back> callback;
  std::optional<instant> closed_at;
  std::optional<disposed> disposal;            // set when not handled as a ticket
  std::map<std::string, std::string> opinions; // cooperating unit → its opinion (M-DL-4)
  std::vector<returned> returns;               // every 退单, in order (M-RT-4)
  std::vector<escalated> escalations;          // M-SV-1, in order
  std::optional<handler_named> handler;        // M-RT-3: the concrete handler, if any
  std::optional<handler_reported> handler_report;
  std::vector<repeat_linked> repeats; // the caller's later calls about the same matter
  int reopen_count = 0;
  std::optional<extension_requested> extension_request; // the latest
  std::optional<extension_decided> extension_decision;  // its decision, once made

  std::vector<follow_up_added> follow_ups; // the caller's follow-ups (issue 12)

  bool extension_pending = false; // a request waits for its decision
  bool open() const { return status != ticket_status::none && status != ticket_status::closed; }
};

ticket_state apply(ticket_state s, const event& e);
ticket_state fold(const std::vector<event>& events);

// --- commands ------------------------------------------------------------------

/// Register a new demand and dispatch it. `route` is the router's answer
/// (assignment or coordination); `deadline` is a deadline given at assignment
/// (M-DL-3), which wins over the policy when present.
struct register_demand {
  registered intake;
  /// Set for a disposal other than a ticket (M-C-1); `route` is then unused.
  std::optional<disposal> how;
  std::variant<assignment, needs_coordination> route;
  std::optional<instant> deadline;
};

struct accept_ticket {
  std::string unit_id;
};

struct reply_ticket {
  std::string unit_id;
  std::string text;
};

struct record_callback {
  satisfaction result = satisfaction::satisfied;
  bool resolved = true;
};

/// M-DL-5: the assigned unit asks for `new_due`, with reasons and the
/// progress so far.
struct request_extension {
  std::string unit_id;
  std::string reason;
  std::string progress;
  instant new_due = 0;
};

/// M-DL-5: `approver` (the unit one level up) decides a pending request.
struct decide_extension {
  std::string approver;
  bool approve = false;
  std::string note;
};

/// M-RT-4: the assigned (lead) unit returns the ticket within the window.
struct return_ticket {
  std::string unit_id;
  std::string reason;
};

/// M-RT-2: the office designates the lead unit and any cooperating units of
/// a ticket waiting for coordination (after M-RT-2 routing, a return, or the
/// reopen limit). The assignment's reasons say why.
struct designate {
  assignment lead;
  std::vector<std::string> cooperating;
};

/// M-DL-4: a cooperating unit's opinion for the lead.
struct submit_opinion {
  std::string unit_id;
  std::string text;
};

/// M-RT-3: the assigned unit names a concrete handler (authority is checked
/// against the directory by the caller of decide).
struct name_handler {
  std::string unit_id;
  std::string handler_id;
  std::string instruction;
};

/// M-RT-3: the concrete handler reports what it did.
struct report_handling {
  std::string handler_id;
  std::string text;
};

/// M-S-2: link a repeat of the same caller and matter to this open ticket.
struct link_repeat {
  channel via = channel::phone;
  std::string content;
  std::string fingerprint;
};

/// M-SV-1: a durable timer of the ticket fell due.
struct fire_timer {
  escalation_level level = escalation_level::reminder;
  std::string unit; // "" for the lead's timers; a cooperating unit's id for its sub-deadline
};

/// M-SV-1: the office escalates the ticket now, with a reason.
struct escalate {
  std::string reason;
};

/// Issue 12: add the caller's follow-up to an open ticket.
struct add_follow_up {
  channel via = channel::integrator;
  std::string text;
};

using command
    = std::variant<register_demand, accept_ticket, reply_ticket, record_callback, request_extension,
                   decide_extension, return_ticket, designate, submit_opinion, fire_timer, escalate,
                   name_handler, report_handling, link_repeat, add_follow_up>;

/// The numbers of the SLA policy (M-DL-1, M-DL-2) and the calendar.
struct policy {
  const calendar* cal = nullptr;
  int consultation_days = 3;
  int other_days = 15;
  int reopen_limit = 2;       // M-SV-2: re-handlings before the office coordinates
  int return_window_days = 2; // M-RT-4: working days after dispatch to return
  int opinion_days_before
      = 3; // M-DL-4: cooperating opinions due this many working days before the lead's deadline
  std::int64_t reminder_before_ms = 24 * 3'600'000LL; // M-SV-1: 催办 this long before the deadline
  std::int64_t notice_after_ms = 72 * 3'600'000LL;    // M-SV-1: 通报 this long after it
  std::string office_id = "cq.office";
};

/// A refused command: stable code, human message, the field at fault.
struct workflow_error {
  std::string code; // "conflict" (illegal transition), "forbidden", "invalid"
  std::string message;
  std::string field;
};

using decision = std::variant<std::vector<event>, workflow_error>;

/// Decides what a command means for a ticket in state `s` at time `now`.
/// Never throws for a bad command: an illegal transition is an error value.
decision decide(const ticket_state& s, const command& c, instant now, const policy& p);

/// A durable timer a ticket wants (M-SV-1): which level, and when.
struct timer {
  escalation_level level = escalation_level::reminder;
  instant at = 0;
  std::string unit; // "" for the lead; a cooperating unit for its opinion's sub-deadline (M-DL-4)
};

/// The timers a ticket in state `s` wants now: none unless it is waiting for
/// its unit's answer (dispatched or accepted); then the reminder, the
/// supervision notice and the public notice of its current deadline that
/// have not fired yet, and for each cooperating unit still without an
/// opinion a reminder and a supervision notice of its sub-deadline (M-DL-4).
std::vector<timer> timers_for(const ticket_state& s, const policy& p);

/// M-DL-4: when cooperating opinions are due: `opinion_days_before` working
/// days before the lead's deadline (never before the dispatch).
instant opinion_deadline(const ticket_state& s, const policy& p);

/// The deadline in force for a dispatch: a provisional one (counted into a
/// year that had no calendar file) is counted again with the calendar as it
/// is now, so it becomes firm once that year's file is loaded (M-DL-6).
deadline current_deadline(const dispatched& d, const calendar& cal);

/// The deadline for a ticket dispatched at `at` (M-DL-1/2/3, M-DL-6).
dispatched make_dispatch(const assignment& a, demand_kind kind, instant at,
                         std::optional<instant> given, const policy& p);

} // namespace hotline::routing
