#pragma once
// The Open311 GeoReport v2 answers of the hotline (issue 12, M-D-2, M-P-2),
// built from the configuration and a ticket's state: discovery, the service
// list (our category taxonomy), service definitions, service requests and
// errors. Pure: no I/O, no clock reads. Never caller data: no answer here
// has a field for the caller's name, phone or email (M-D-3).

#include <string>
#include <vector>

#include "adapters/config/loader.hpp"
#include "adapters/open311/document.hpp"
#include "routing/ticket.hpp"

namespace hotline::open311 {

/// The one jurisdiction served: Chongqing's administrative division code.
inline constexpr const char* jurisdiction_id = "500000";

/// One error of an `<errors>` answer. `code` is the HTTP status as text;
/// `description` reads "<field>: <reason>" so clients can log it as is.
struct error {
  int status = 400;
  std::string field;
  std::string reason;
};
/// Thrown by validation; the handler renders it with errors_view.
struct failure {
  error e;
};
element errors_view(const std::vector<error>& errors);

/// Service Discovery: `base_url` is ".../open311/v2/".
element discovery_view(const std::string& base_url);
/// The service list: one realtime service per category, code = category
/// code, group = the Chinese name of its top-level group.
element services_view(const routing::directory& dir);
/// The Chinese name of the top-level group of category `code` ("env.noise"
/// → 生态环境); the prefix itself when unknown.
std::string group_name(const std::string& code);
/// A category's definition: the demand kind (咨询/求助/投诉/举报/意见建议) as a
/// required singlevaluelist of the kinds the category takes, and
/// `external_id`, the client's own id that makes a POST safe to repeat.
element service_definition_view(const routing::category& c);

/// The answer to a POST: the new ticket's number as service_request_id.
element created_view(const std::string& ticket_no, const std::string& notice);

/// What an answer about a ticket may show: status, service, dates always;
/// the rest by name (auth::known_integrator_fields), never caller contact.
struct ticket_fields {
  std::vector<std::string> names;
  bool has(const std::string& n) const;
};
/// The fields anybody may read without a key, or with the key of an
/// integrator that did not file the ticket: the handling unit and the
/// deadline, so a public report shows who handles it by when.
ticket_fields public_fields();

/// One `<request>` of a ticket in state `s`.
element request_view(const config::hotline_config& cfg, const std::string& no,
                     const routing::ticket_state& s, const ticket_fields& fields);
/// One step of a ticket as a FixMyStreet `request_update` (the mySociety
/// extension): update_id "{no}.{step}" (steps count from 1 and never
/// change, the event log being append-only), the status after the step,
/// its time, its label (and the answer text when the reader may see
/// status_notes); `type` becomes external_status_code.
struct update {
  std::string ticket_no;
  std::size_t step = 0;
  std::string status;
  routing::instant at = 0;
  std::string type;
  std::string description;
};
element update_view(const update& u);

/// When `s` last changed (the latest step's time).
routing::instant last_update(const routing::ticket_state& s);
/// Open311's two statuses: "closed" once closed, else "open".
std::string status_of(const routing::ticket_state& s);

} // namespace hotline::open311
