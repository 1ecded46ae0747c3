#pragma once
// The archive view of a ticket (M-SV-3): every event as a step with who did
// it, when, under which rule and why, labelled in Chinese and English. Pure;
// never shows caller data.

#include <string>
#include <vector>

#include "routing/access.hpp"
#include "routing/directory.hpp"
#include "routing/ticket.hpp"

namespace hotline::routing {

struct timeline_entry {
  instant at = 0;
  std::string type;     // the event type, e.g. "dispatched"
  std::string actor;    // unit id, the office id, or "caller"
  std::string rule;     // "M-RT-1, M-DL-2"
  std::string label_zh; // 派单
  std::string label_en; // dispatched
  std::string detail;   // the facts, in Chinese
  person by;            // the staff member who took the step, if a person did
};

/// The steps of a ticket from its events, oldest first; `people[i]`, when
/// given, is who took step i.
std::vector<timeline_entry> timeline(const std::vector<event>& events, const directory& dir,
                                     const std::vector<person>& people = {});

} // namespace hotline::routing
