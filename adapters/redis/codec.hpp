#pragma once
// Events on the wire and at rest: MessagePack maps with a type ("t"), a
// schema version ("v") and named fields (DESIGN rule 1). Fields are only
// ever added, with defaults: a decoder ignores keys it does not know and
// defaults keys that are missing.

#include <string>
#include <string_view>

#include "routing/access.hpp"
#include "routing/notice.hpp"
#include "routing/proposal.hpp"
#include "routing/ticket.hpp"

namespace hotline::redis {

constexpr int event_schema_version = 1;

/// `by`, when not empty, is stored with the event (keys "u", "un").
std::string encode(const routing::event& e, const routing::person& by = {});

/// Throws std::runtime_error for bytes that are not an event of a known type.
routing::event decode(std::string_view bytes);

/// An event with the person recorded with it (empty if none).
struct recorded_event {
  routing::event e;
  routing::person by;
};
/// The event and its person from one unpacking; throws like decode.
recorded_event decode_recorded(std::string_view bytes);

/// A ticket's summary for the worklists (hl:wl:{unit}, the push feed's "s").
std::string encode(const routing::ticket_summary& t);
/// Throws std::runtime_error for bytes that are not a summary.
routing::ticket_summary decode_summary(std::string_view bytes);

/// What the office's decision about one ticket teaches (hl:learn:{category}).
std::string encode(const routing::evidence& e);
/// Throws std::runtime_error for bytes that are not evidence.
routing::evidence decode_evidence(std::string_view bytes);

} // namespace hotline::redis
