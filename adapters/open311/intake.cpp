#include "adapters/open311/intake.hpp"

#include <algorithm>
#include <cstdlib>
#include <regex>

#include "routing/privacy.hpp"

namespace hotline::open311 {

namespace r = hotline::routing;

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& reason, int status = 400) {
  throw failure{{status, field, reason}};
}

bool has_control(const std::string& s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
      return true;
  return false;
}

/// A text field: valid UTF-8 (the form parser checked), no control
/// characters but tab and line ends, [min, max] code points.
std::string text(const form& f, const std::string& field, std::size_t min, std::size_t max) {
  const auto v = f.get(field);
  if (v.empty() && min > 0)
    bad(field, "field is required");
  if (has_control(v))
    bad(field, "must not contain control characters");
  const auto n = r::utf8_length(v);
  if (n > max)
    bad(field, "must have at most " + std::to_string(max) + " characters");
  return v;
}

double coordinate(const form& f, const std::string& field, double lo, double hi) {
  const auto v = f.get(field);
  static const std::regex decimal("^-?[0-9]{1,3}(\\.[0-9]{1,12})?$");
  if (!std::regex_match(v, decimal))
    bad(field, "must be a decimal number of degrees (WGS84)");
  const double x = std::strtod(v.c_str(), nullptr);
  if (x < lo || x > hi)
    bad(field, "must be within [" + std::to_string(static_cast<int>(lo)) + ", "
                   + std::to_string(static_cast<int>(hi)) + "]");
  return x;
}

const std::regex& external_id_pattern() {
  // "o311." + a name (at most 32) + "." + this fits a request id (128).
  static const std::regex re("^[A-Za-z0-9._:-]{1,90}$");
  return re;
}

} // namespace

void check_jurisdiction(const std::string& given) {
  if (!given.empty() && given != jurisdiction_id)
    bad("jurisdiction_id", "this endpoint serves only jurisdiction 500000 (重庆市)", 404);
}

std::string follow_up_text(const form& f) {
  return text(f, "description", 1, 4000);
}

std::string filed_by(const std::string& request_id) {
  if (request_id.rfind("o311.", 0) != 0)
    return "";
  const auto dot = request_id.find('.', 5);
  return dot == std::string::npos ? "" : request_id.substr(5, dot - 5);
}

actors::intake_request to_intake(const form& f, const config::hotline_config& cfg,
                                 const auth::integrator& who, const std::string& idempotency_key,
                                 const std::string& fresh_id) {
  check_jurisdiction(f.get("jurisdiction_id"));
  actors::intake_request req;
  const auto code = f.get("service_code");
  if (code.empty())
    bad("service_code", "field is required");
  const auto* cat = cfg.directory.find_category(code);
  if (!cat)
    bad("service_code", "no service '" + code + "' (see services.xml)", 404);
  req.category = code;

  const auto attrs = f.attributes();
  auto kind = attrs.find("kind");
  if (kind == attrs.end() || kind->second.empty())
    bad("attribute[kind]", "attribute is required (see services/" + code + ".xml)");
  const auto k = r::parse_demand_kind(kind->second);
  if (!k || std::find(cat->kinds.begin(), cat->kinds.end(), *k) == cat->kinds.end())
    bad("attribute[kind]", "not a kind this service takes (see services/" + code + ".xml)");
  req.kind = *k;

  req.content = text(f, "description", 1, 4000);

  const bool has_lat = f.has("lat"), has_long = f.has("long");
  if (has_lat != has_long)
    bad(has_lat ? "long" : "lat", "lat and long go together");
  if (has_lat)
    req.where.coords = r::point{coordinate(f, "long", -180, 180), coordinate(f, "lat", -90, 90)};
  req.where.address = text(f, "address_string", 0, 200);
  if (!req.where.coords && req.where.address.empty()) {
    if (f.has("address_id"))
      bad("address_id", "not supported here; send lat and long or address_string");
    bad("lat", "a location is required: lat and long, or address_string (M-R-1)");
  }

  // The caller: a Chinese name arrives whole in first_name (FixMyStreet
  // splits at the first space); the hotline needs a name and a phone to
  // call back (M-SV-2). Sealed by the office like any intake (M-D-3).
  const auto first = text(f, "first_name", 0, 64), last = text(f, "last_name", 0, 64);
  req.caller_name = last.empty() ? first : first.empty() ? last : first + " " + last;
  if (req.caller_name.empty())
    bad("first_name", "the caller's name is required (first_name, last_name)");
  if (r::utf8_length(req.caller_name) > 64)
    bad("first_name", "first_name and last_name together have at most 64 characters");
  const auto phone = f.get("phone");
  if (phone.empty())
    bad("phone", "the caller's phone is required: the hotline calls back (M-SV-2)");
  auto normalized = r::normalize_phone(phone);
  if (!normalized)
    bad("phone", "must be a phone number of 5-20 digits");
  req.caller_phone = *normalized;

  // The client's own report id wins over the header: a node forwarding
  // this POST to the partition's owner adds an Idempotency-Key of its own
  // (cluster/forwarder), and a retry through another node must still find
  // the first ticket by the report id.
  std::string id, from = "Idempotency-Key";
  for (const char* a : {"external_id", "fixmystreet_id"}) {
    auto i = attrs.find(a);
    if (i != attrs.end() && !i->second.empty()) {
      id = i->second;
      from = "attribute[" + std::string(a) + "]";
      break;
    }
  }
  const bool report_id = !id.empty();
  if (id.empty())
    id = idempotency_key;
  if (!id.empty() && !std::regex_match(id, external_id_pattern()))
    bad(from, "must be 1-90 characters of A-Z a-z 0-9 . _ : -");
  // The integrator's report id is its external_id (auth/integrator_ids.hpp);
  // any other id is marked with '~', which a report id cannot contain.
  req.request_id = "o311." + who.name + "." + (report_id ? id : "~" + (id.empty() ? fresh_id : id));
  req.via = r::channel::integrator;
  // M-S-2: the integrator did not confirm who the caller is; like an
  // anonymous web intake, never linked to another's open ticket.
  req.verified = false;
  req.by = r::person{who.channel(), who.display};
  return req;
}

} // namespace hotline::open311
