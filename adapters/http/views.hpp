#pragma once
// JSON views of tickets, intakes, timelines and the cluster. Caller data is
// always masked here (DESIGN rule 6); the only clear view of it is the
// audited caller-contact endpoint.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "actors/interfaces.hpp"
#include "actors/services.hpp"
#include "adapters/cluster/node.hpp"
#include "adapters/redis/store.hpp"

namespace hotline::http {

std::string unit_name(const actors::services& svc, const std::string& id);
nlohmann::json unit_json(const actors::services& svc, const std::string& id);
nlohmann::json reasons_json(const std::vector<routing::reason>& reasons);
/// Issue 11: {"level": "high"|"medium"|"low", "reason": "…"}.
nlohmann::json confidence_json(const routing::confidence& c);
/// The view of a ticket. `staff` adds the routing reasons, supervisor,
/// opinions, handlers, repeats and escalations; caller data always masked.
nlohmann::json ticket_view(const actors::services& svc, const actors::ticket_reply& t, bool staff);
/// The answer to an intake: the ticket, its extraction code and assignment.
nlohmann::json intake_view(const actors::services& svc, const actors::ticket_reply& t);
/// `assignment`, `deadline`, `deadline_date`, … (or `disposal`, or
/// `coordination`) of a ticket's state, into `v`.
void placement_fields(const actors::services& svc, const routing::ticket_state& s,
                      nlohmann::json& v);
/// M-SV-3: the steps of a ticket, with the person who took each (staff).
nlohmann::json timeline_view(const actors::services& svc, const std::string& no,
                             const routing::ticket_state& s,
                             const std::vector<redis::recorded_event>& events);
nlohmann::json cluster_json(const cluster::cluster_view& v);

} // namespace hotline::http
