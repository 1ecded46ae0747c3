#pragma once
// The data of a notice as units and systems receive it (issue 10): one
// JSON object, the same in the Server-Sent Event's `data:` line and in a
// webhook's body (which add the event id). Caller data only masked
// (M-D-3); the acceptance information a unit needs comes with the steps
// that hand it a ticket (M-D-2).

#include <string>

#include "adapters/crypto/vault.hpp"
#include "routing/notice.hpp"

namespace hotline::push {

std::string notice_data(const routing::notice& n, const routing::ticket_summary& t,
                        const routing::ticket_state& after, const routing::directory& dir,
                        const crypto::vault& vault);

} // namespace hotline::push
