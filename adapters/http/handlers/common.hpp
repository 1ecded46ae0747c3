#pragma once
// What the handlers share: turning actor replies into answers or errors,
// and the scope checks their role rule cannot make (which ticket, which
// unit).

#include "actors/interfaces.hpp"
#include "adapters/http/call.hpp"
#include "adapters/http/context.hpp"
#include "adapters/redis/audit_log.hpp"

namespace hotline::http::handlers {

/// The ticket of a reply, or throws: its failure as an api_error, or
/// partition_moved when the ticket's partition moved to another node.
actors::ticket_reply must(const call_ptr& c, actors::ticket_reply t);

/// M-D-3: the office and the units the ticket concerns (assigned, its
/// supervisor, cooperating, the concrete handler) may read it; others 403.
void need_involved(const call_ptr& c, const actors::ticket_reply& t);

/// A handling unit's staff act in their unit's name only; 403 for the
/// office's accounts.
const std::string& acting_unit(const call_ptr& c);

/// An audit entry of `action` by the caller of `c` (who, unit, address).
redis::audit_entry audit_entry_of(const call_ptr& c, std::string action);
/// Appends an entry of `action` about `subject` to the audit log (M-D-3);
/// returns its id. Blocks on Redis: call it from the blocking pool.
std::string audit(const call_ptr& c, const std::string& action, const std::string& subject);

/// The knowledge base of this node (issue 13), or a 503.
knowledge::service& kbase(const call_ptr& c);

/// Runs `f` on the blocking pool, answering 503 if Redis fails.
void with_storage(const call_ptr& c, std::function<void()> f);

} // namespace hotline::http::handlers
