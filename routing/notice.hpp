#pragma once
// Who is told of a ticket's step, and what each unit's worklist holds
// (issue 10; M-D-2 push to handling units, M-SV-1 supervision reaches the
// supervising unit). Pure: the ticket actor computes these with the events
// and the store writes them in the same atomic append.

#include <optional>
#include <string>
#include <vector>

#include "routing/ticket.hpp"

namespace hotline::routing {

/// What a unit's worklist needs of a ticket, after its latest step.
struct ticket_summary {
  std::string no;
  std::uint64_t version = 0;
  ticket_status status = ticket_status::none;
  std::string category;
  instant updated = 0; // the time of the latest step
  std::string lead;    // the assigned unit
  std::vector<std::string> cooperating;
  std::vector<std::string> opinions_given; // cooperating units that gave theirs (M-DL-4)
  std::string supervisor;                  // one level up (M-DL-5, M-SV-1)
  std::string handler;                     // a concrete handler at work (M-RT-3)
  std::string approver;                    // who must decide a pending extension (M-DL-5)
  instant due = 0;                         // the deadline in force; 0 without one
  instant opinion_due = 0;                 // cooperating opinions due (M-DL-4)
  /// The highest supervision step on the deadline in force (M-SV-1), if any.
  std::optional<escalation_level> escalation;
};

ticket_summary summarize(const std::string& no, const ticket_state& s, const policy& p);

/// Why a unit has a ticket in its worklist.
enum class worklist_role {
  none,
  lead,         // handles it (承办)
  cooperating,  // gives an opinion to the lead (协办, M-DL-4)
  handler,      // named concrete handler (M-RT-3)
  approver,     // decides a pending extension (M-DL-5)
  supervising,  // one level up, told of its supervision (M-SV-1)
  coordinating, // the office: designation, returns, escalations (M-RT-2, M-SV-1)
  callback,     // the office: answered, to be called back (M-SV-2)
};
std::string_view to_string(worklist_role r);
std::string_view label_zh(worklist_role r);

/// The role of `unit` for this ticket; none when the ticket is not in its
/// worklist (closed tickets are in none).
worklist_role role_of(const ticket_summary& t, const std::string& unit, const policy& p);
/// Every unit with the ticket in its worklist, each once.
std::vector<std::string> holders(const ticket_summary& t, const policy& p);

/// One step told to units: the step's name (the SSE `event:` and the
/// webhook's X-Hotline-Event), the rule it follows, and who is told.
struct notice {
  std::string step;
  std::string rule;
  instant at = 0;
  std::vector<std::string> units; // each once, in a stable order
  /// Step-specific facts (level, new deadline, decision …) as name → text.
  std::vector<std::pair<std::string, std::string>> facts;
};

/// The notices of event `e`, which moved the ticket from `before` to
/// `after`. Vocabulary: dispatched, designated, coordination_needed,
/// accepted, replied, returned, opinion_submitted, reminder, supervision,
/// public_notice, office_escalation, handler_named, handler_reported,
/// extension_requested, extension_decided, callback, reopened,
/// repeat_linked, closed. A registration or a disposal tells nobody.
std::vector<notice> notices_for(const ticket_state& before, const event& e,
                                const ticket_state& after, const policy& p);

/// Every step name notices_for may give (for validating subscriptions).
const std::vector<std::string>& notice_steps();

} // namespace hotline::routing
