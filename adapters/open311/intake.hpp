#pragma once
// An Open311 POST requests.[fmt] as the hotline's intake (issue 12, M-P-2:
// internet channels merge into one intake): the same intake_request that
// POST /api/v1/demands builds, so routing, the deadline, sealing of caller
// data and idempotency are the office's, unchanged. Pure.

#include <string>

#include "actors/interfaces.hpp"
#include "adapters/auth/integrators.hpp"
#include "adapters/config/loader.hpp"
#include "adapters/open311/form.hpp"
#include "adapters/open311/views.hpp"

namespace hotline::open311 {

/// The intake of a form posted by integrator `who`. `attribute[external_id]`
/// (or FixMyStreet's `attribute[fixmystreet_id]`) names the client's own
/// report, so a repeated POST files nothing new; else `idempotency_key`,
/// the Idempotency-Key header ("" if none); `fresh_id` is used when
/// neither is given. The request id is "o311.{integrator}.{id}": unique per
/// integrator, and it tells whose a ticket is. Throws failure: 404 for an
/// unknown service_code or jurisdiction_id, 400 for any other bad field.
actors::intake_request to_intake(const form& f, const config::hotline_config& cfg,
                                 const auth::integrator& who, const std::string& idempotency_key,
                                 const std::string& fresh_id);

/// The integrator that filed a ticket whose intake had `request_id`; "" if
/// not filed through Open311.
std::string filed_by(const std::string& request_id);

/// The text of a POST servicerequestupdates (FixMyStreet's extension):
/// `description`, 1-4000 characters, no control characters but tab and
/// line ends. Throws `failure` (400) otherwise.
std::string follow_up_text(const form& f);

/// 404 unless `jurisdiction_id` is empty (absent) or 500000.
void check_jurisdiction(const std::string& given);

} // namespace hotline::open311
