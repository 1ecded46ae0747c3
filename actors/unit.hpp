#pragma once

#include <functional>

#include "actors/interfaces.hpp"
#include "actors/services.hpp"

namespace hotline::actors {

struct unit_state {
  std::string id;
  std::optional<routing::worklist> work;
  std::vector<std::string> subordinates; // units with this one as supervisor
  static inline const char* name = "unit";
};

/// The unit actor of another unit on this node (spawned on first use).
using unit_lookup = std::function<unit_actor(const std::string&)>;

/// A unit (承办单位, district government, the office), issue 10. Keeps a
/// live projection of its worklist: loaded from Redis (one read) when it
/// starts, then told every step of its tickets, by the ticket actors of
/// this node and by the push feed for steps written on other nodes (the
/// newer summary wins, so the two paths never disagree). Answers its
/// worklist and overview from memory; passes its own acts on tickets to
/// the office after checking they are its own.
unit_actor::behavior_type unit(unit_actor::stateful_pointer<unit_state> self, std::string id,
                               office_actor office, const services* svc, unit_lookup peers);

} // namespace hotline::actors
