#pragma once
// The ids of a demand an integrator filed (issue 12, the 渝快办 profile):
// Open311 intakes carry the request id `o311.{integrator}.{id}`, where
// `{id}` is the integrator's own report id (attribute[external_id] or
// attribute[fixmystreet_id]), or `~` + an id the integrator did not give
// as its report's (an Idempotency-Key, or one the hotline drew). So the
// integrator's `external_id` is kept in the ticket's intake, unique per
// integrator (the request id is claimed once), and read back from it here,
// for the staff view, the pushes (webhooks, SSE) and the Open311 search.

#include <optional>
#include <string>

namespace hotline::auth {

struct filed_through {
  std::string integrator;  // its name, e.g. "yukuaiban"
  std::string external_id; // its own id of the report; "" if it gave none
};

/// Who filed a demand with request id `request_id`; nullopt for a demand
/// that did not come through an integrator.
inline std::optional<filed_through> integrator_of(const std::string& request_id) {
  if (request_id.rfind("o311.", 0) != 0)
    return std::nullopt;
  const auto dot = request_id.find('.', 5);
  if (dot == std::string::npos || dot == 5)
    return std::nullopt;
  filed_through out{request_id.substr(5, dot - 5), request_id.substr(dot + 1)};
  if (!out.external_id.empty() && out.external_id[0] == '~')
    out.external_id.clear();
  return out;
}

} // namespace hotline::auth
