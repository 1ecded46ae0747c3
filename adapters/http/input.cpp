#include "adapters/http/input.hpp"

#include "adapters/http/json_input.hpp"
#include "routing/privacy.hpp"

namespace hotline::http {

namespace r = hotline::routing;
using nlohmann::json;

namespace {

const std::regex& request_id_pattern() {
  static const std::regex re("^[A-Za-z0-9._:-]{1,128}$");
  return re;
}

const std::regex& ticket_no_pattern() {
  // Six digits, more once a partition numbers more than 3,906 a day.
  static const std::regex re("^[0-9]{8}-[0-9]{6,9}$");
  return re;
}

// Control characters other than tab, newline and carriage return have no
// place in names and text, and NUL would cut strings in other systems.
bool has_control(const std::string& s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
      return true;
  return false;
}

} // namespace

json parse_body(const request& req) {
  if (!is_json_content_type(req.content_type))
    throw api_error{415, "unsupported_media_type",
                    "send the body as Content-Type: application/json", "Content-Type"};
  try {
    return parse_json_object(req.body);
  } catch (const input_error& e) {
    throw api_error{e.status, e.code, e.message, e.field};
  }
}

json parse_optional_body(const request& req) {
  if (req.body.empty())
    return json::object();
  return parse_body(req);
}

const json& require(const json& obj, const std::string& key, const std::string& path) {
  auto i = obj.find(key);
  if (i == obj.end() || i->is_null())
    throw api_error{400, "missing_field", "field is required", path};
  return *i;
}

// A required (or optional, when `required` is false) string with valid
// UTF-8 and a length in code points within [min, max].
std::string text_field(const json& obj, const std::string& key, const std::string& path,
                       std::size_t min, std::size_t max, bool required) {
  auto i = obj.find(key);
  if (i == obj.end() || i->is_null()) {
    if (required)
      throw api_error{400, "missing_field", "field is required", path};
    return "";
  }
  if (!i->is_string())
    throw api_error{422, "invalid_field", "must be a string", path};
  const auto& s = i->get_ref<const std::string&>();
  if (!r::valid_utf8(s))
    throw api_error{422, "invalid_field", "must be valid UTF-8", path};
  if (has_control(s))
    throw api_error{422, "invalid_field", "must not contain control characters", path};
  const auto n = r::utf8_length(s);
  if (n < min)
    throw api_error{422, "invalid_field",
                    min == 1 ? "must not be empty"
                             : "must have at least " + std::to_string(min) + " characters",
                    path};
  if (n > max)
    throw api_error{422, "invalid_field",
                    "must have at most " + std::to_string(max) + " characters", path};
  return s;
}

double number_field(const json& obj, const std::string& key, const std::string& path, double lo,
                    double hi) {
  const auto& v = obj.at(key);
  if (!v.is_number())
    throw api_error{422, "invalid_field", "must be a number", path};
  const double x = v.get<double>();
  if (!(x >= lo && x <= hi))
    throw api_error{422, "invalid_field",
                    "must be within [" + std::to_string(lo) + ", " + std::to_string(hi) + "]",
                    path};
  return x;
}

// The optional `disposal` of an intake (M-C-1): how the agent disposed of
// the demand at once, when not as a ticket.
namespace {
std::optional<r::disposal> parse_disposal(const json& body, const config::hotline_config& cfg) {
  auto i = body.find("disposal");
  if (i == body.end() || i->is_null())
    return std::nullopt;
  if (!i->is_object())
    throw api_error{422, "invalid_field", "must be an object", "disposal"};
  const json& d = *i;
  const auto& type = require(d, "type", "disposal.type");
  auto kind = type.is_string() ? r::parse_disposal_kind(type.get<std::string>()) : std::nullopt;
  if (!kind)
    throw api_error{422, "invalid_field",
                    "must be one of ticket, direct_answer, call_transfer, three_way_call, refusal",
                    "disposal.type"};
  r::disposal how;
  how.kind = *kind;
  switch (how.kind) {
  case r::disposal_kind::ticket:
    break;
  case r::disposal_kind::direct_answer:
    how.answer = text_field(d, "answer", "disposal.answer", 1, 4000);
    // Issue 13: the article the answer rests on; its text stays the
    // agent's (checked to exist, published, by the handler).
    if (auto a = d.find("article"); a != d.end() && !a->is_null()) {
      if (!a->is_object())
        throw api_error{422, "invalid_field", "must be an object {id, version}",
                        "disposal.article"};
      how.article_id = text_field(*a, "id", "disposal.article.id", 1, 64);
      const auto& v = require(*a, "version", "disposal.article.version");
      if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 100000)
        throw api_error{422, "invalid_field", "must be a version number",
                        "disposal.article.version"};
      how.article_version = v.get<int>();
    }
    break;
  case r::disposal_kind::call_transfer:
  case r::disposal_kind::three_way_call:
    how.target = text_field(d, "target", "disposal.target", 1, 200);
    break;
  case r::disposal_kind::refusal: {
    const auto code = text_field(d, "refusal_rule", "disposal.refusal_rule", 1, 64);
    const auto* rule = cfg.find_refusal(code);
    if (!rule)
      throw api_error{422, "unknown_refusal_rule",
                      "unknown refusal rule '" + code + "' (see GET /api/v1/refusal-rules)",
                      "disposal.refusal_rule"};
    how.refusal = *rule;
    break;
  }
  }
  return how;
}

} // namespace

r::location parse_location(const json& body) {
  r::location where;
  const auto& loc = require(body, "location", "location");
  if (!loc.is_object())
    throw api_error{422, "invalid_field", "must be an object", "location"};
  where.address = text_field(loc, "address", "location.address", 0, 200, false);
  const bool has_lat = loc.contains("lat") && !loc.at("lat").is_null();
  const bool has_lon = loc.contains("lon") && !loc.at("lon").is_null();
  if (has_lat != has_lon)
    throw api_error{422, "invalid_field", "lat and lon go together",
                    has_lat ? "location.lon" : "location.lat"};
  if (has_lat)
    where.coords = r::point{number_field(loc, "lon", "location.lon", -180, 180),
                            number_field(loc, "lat", "location.lat", -90, 90)};
  if (where.address.empty() && !where.coords)
    throw api_error{400, "missing_field", "an address or coordinates are required (M-R-1)",
                    "location.address"};

  return where;
}

std::optional<r::instant> optional_deadline(const json& body) {
  if (!body.contains("deadline") || body.at("deadline").is_null())
    return std::nullopt;
  const auto& d = body.at("deadline");
  auto t = d.is_string() ? r::parse_instant(d.get<std::string>()) : std::nullopt;
  if (!t)
    throw api_error{422, "invalid_field",
                    "must be ISO 8601 with an offset, e.g. 2026-12-01T18:00:00+08:00", "deadline"};
  return t;
}

actors::intake_request parse_preview(const json& body, const config::hotline_config&) {
  actors::intake_request req;
  req.kind = enum_field<r::demand_kind>(body, "kind", r::parse_demand_kind,
                                        "consultation, help, complaint, report, suggestion");
  req.category = text_field(body, "category", "category", 1, 64);
  req.where = parse_location(body);
  if (auto i = body.find("caller"); i != body.end() && i->is_object()) {
    if (auto p = i->find("phone");
        p != i->end() && p->is_string() && !p->get<std::string>().empty()) {
      auto normalized = r::normalize_phone(p->get<std::string>());
      if (!normalized)
        throw api_error{422, "invalid_field", "must be a phone number of 5-20 digits",
                        "caller.phone"};
      req.caller_phone = *normalized;
    }
  }
  req.deadline = optional_deadline(body);
  return req;
}

actors::intake_request parse_demand(const json& body, const config::hotline_config& cfg) {
  actors::intake_request req;
  const auto& rid = require(body, "request_id", "request_id");
  if (!rid.is_string() || !std::regex_match(rid.get<std::string>(), request_id_pattern()))
    throw api_error{422, "invalid_field", "must be 1-128 characters of A-Z a-z 0-9 . _ : -",
                    "request_id"};
  req.request_id = rid.get<std::string>();
  req.via = enum_field<r::channel>(body, "channel", r::parse_channel,
                                   "phone, web, app, wechat, integrator");
  req.kind = enum_field<r::demand_kind>(body, "kind", r::parse_demand_kind,
                                        "consultation, help, complaint, report, suggestion");
  req.how = parse_disposal(body, cfg);
  // A demand disposed of at once may leave the category out.
  const bool as_ticket = !req.how || req.how->kind == r::disposal_kind::ticket;
  req.category = text_field(body, "category", "category", as_ticket ? 1 : 0, 64, as_ticket);
  req.content = text_field(body, "content", "content", 1, 4000);

  const auto& caller = require(body, "caller", "caller");
  if (!caller.is_object())
    throw api_error{422, "invalid_field", "must be an object", "caller"};
  req.caller_name = text_field(caller, "name", "caller.name", 1, 64);
  const auto& phone = require(caller, "phone", "caller.phone");
  auto normalized = phone.is_string() ? r::normalize_phone(phone.get<std::string>()) : std::nullopt;
  if (!normalized)
    throw api_error{422, "invalid_field", "must be a phone number of 5-20 digits", "caller.phone"};
  req.caller_phone = *normalized;

  req.where = parse_location(body);

  req.deadline = optional_deadline(body);
  return req;
}

bool bool_field(const json& obj, const std::string& key) {
  const auto& v = require(obj, key, key);
  if (!v.is_boolean())
    throw api_error{422, "invalid_field", "must be true or false", key};
  return v.get<bool>();
}

r::instant instant_field(const json& obj, const std::string& key) {
  const auto& d = require(obj, key, key);
  auto t = d.is_string() ? r::parse_instant(d.get<std::string>()) : std::nullopt;
  if (!t)
    throw api_error{422, "invalid_field",
                    "must be ISO 8601 with an offset, e.g. 2026-12-01T18:00:00+08:00", key};
  return *t;
}

const std::string& checked_ticket_no(const std::string& no) {
  if (!std::regex_match(no, ticket_no_pattern()))
    throw api_error{404, "not_found", "no ticket " + no, "ticket_no"};
  return no;
}

std::string command_claim(const request& req) {
  if (req.idempotency_key.empty())
    return "";
  if (!std::regex_match(req.idempotency_key, request_id_pattern()))
    throw api_error{422, "invalid_field", "must be 1-128 characters of A-Z a-z 0-9 . _ : -",
                    "Idempotency-Key"};
  return "cmd:" + req.idempotency_key;
}

} // namespace hotline::http
