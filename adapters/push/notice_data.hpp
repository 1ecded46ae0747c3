#pragma once
// The data of a notice as units and systems receive it (issue 10): one
// JSON object, the same in the Server-Sent Event's `data:` line and in a
// webhook's body (which add the event id). The acceptance information a
// unit needs comes with the steps that hand it a ticket (M-D-2); no caller
// data at all, not even masked (M-D-3): events also leave for other
// systems, and staff see the masked caller in the ticket view and reveal
// the contact, audited, when they must call.

#include <string>

#include "routing/notice.hpp"

namespace hotline::push {

std::string notice_data(const routing::notice& n, const routing::ticket_summary& t,
                        const routing::ticket_state& after, const routing::directory& dir);

} // namespace hotline::push
