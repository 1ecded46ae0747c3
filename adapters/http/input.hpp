#pragma once
// Validation of request input: JSON bodies (strict: see json_input.hpp),
// fields with their path in errors, and the demand of an intake (M-R-1).
// Everything here throws api_error naming the field.

#include <nlohmann/json.hpp>

#include <regex>
#include <string>

#include "actors/interfaces.hpp"
#include "adapters/config/loader.hpp"
#include "adapters/http/errors.hpp"

namespace hotline::http {

/// The body of a JSON endpoint: `Content-Type: application/json` (415
/// otherwise, so a cross-site form cannot post here) and a strict JSON
/// object (no duplicate keys, no NUL, valid UTF-8).
nlohmann::json parse_body(const request& req);
/// As parse_body, but an empty body is an empty object.
nlohmann::json parse_optional_body(const request& req);

const nlohmann::json& require(const nlohmann::json& obj, const std::string& key,
                              const std::string& path);

/// A required (or optional, when `required` is false) string with valid
/// UTF-8, no control characters other than newline and tab, and a length
/// in code points within [min, max].
std::string text_field(const nlohmann::json& obj, const std::string& key, const std::string& path,
                       std::size_t min, std::size_t max, bool required = true);

template <class E, class Parse>
E enum_field(const nlohmann::json& obj, const std::string& key, Parse parse, const char* allowed) {
  const auto& v = require(obj, key, key);
  if (!v.is_string())
    throw api_error{422, "invalid_field", std::string("must be one of ") + allowed, key};
  auto parsed = parse(v.template get<std::string>());
  if (!parsed)
    throw api_error{422, "invalid_field", std::string("must be one of ") + allowed, key};
  return *parsed;
}

double number_field(const nlohmann::json& obj, const std::string& key, const std::string& path,
                    double lo, double hi);
bool bool_field(const nlohmann::json& obj, const std::string& key);
routing::instant instant_field(const nlohmann::json& obj, const std::string& key);

/// A ticket number in the path; 404 if it cannot be one.
const std::string& checked_ticket_no(const std::string& no);
/// The Idempotency-Key header as an append claim ("cmd:{key}"), or "".
std::string command_claim(const request& req);

/// M-R-1: the demand of `POST /api/v1/demands`.
actors::intake_request parse_demand(const nlohmann::json& body, const config::hotline_config& cfg);
/// `location` of a demand: an address, coordinates, or both (M-R-1).
routing::location parse_location(const nlohmann::json& body);
/// `deadline` given at assignment (M-DL-3), if any.
std::optional<routing::instant> optional_deadline(const nlohmann::json& body);
/// What a routing preview needs (issue 15): kind, category, location, and
/// the caller's phone and a deadline when known.
actors::intake_request parse_preview(const nlohmann::json& body, const config::hotline_config& cfg);

} // namespace hotline::http
