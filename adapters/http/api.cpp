#include "adapters/http/api.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <regex>
#include <sstream>

#include "actors/office.hpp"
#include "adapters/crypto/crypto.hpp"
#include "routing/privacy.hpp"
#include "routing/timeline.hpp"

namespace hotline::http {

namespace r = hotline::routing;
using nlohmann::json;

namespace {

// --- errors ------------------------------------------------------------------

/// An error to answer with; thrown inside a handler, caught in handle().
struct api_error {
  int status;
  std::string code;
  std::string message;
  std::string field;
};

response json_response(int status, const json& body) {
  response out;
  out.status = status;
  out.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

response error_response(const api_error& e) {
  json field = e.field.empty() ? json(nullptr) : json(e.field);
  auto out = json_response(
      e.status, {{"error", {{"code", e.code}, {"message", e.message}, {"field", field}}}});
  if (e.status == 503)
    out.headers.emplace_back("Retry-After", "1");
  return out;
}

// Maps an actor-level failure to an HTTP error.
api_error from_failure(const actors::failure& f) {
  if (f.code == "not_found")
    return {404, "not_found", f.message, f.field};
  if (f.code == "forbidden")
    return {403, "forbidden", f.message, f.field};
  if (f.code == "conflict")
    return {409, "conflict", f.message, f.field};
  if (f.code == "deadline_passed")
    return {409, "deadline_passed", f.message, f.field};
  if (f.code == "return_window_passed")
    return {409, "return_window_passed", f.message, f.field};
  if (f.code == "unavailable")
    return {503, "unavailable", f.message, f.field};
  if (f.code == "invalid")
    return {422, "invalid_field", f.message, f.field};
  return {422, f.code, f.message, f.field};
}

// --- input validation -----------------------------------------------------------

json parse_body(const request& req) {
  if (req.body.empty())
    throw api_error{400, "malformed_json", "request body must be a JSON object", ""};
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded())
    throw api_error{400, "malformed_json", "request body is not valid JSON", ""};
  if (!body.is_object())
    throw api_error{400, "malformed_json", "request body must be a JSON object", ""};
  return body;
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
                       std::size_t min, std::size_t max, bool required = true) {
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

template <class E, class Parse>
E enum_field(const json& obj, const std::string& key, Parse parse, const char* allowed) {
  const auto& v = require(obj, key, key);
  if (!v.is_string())
    throw api_error{422, "invalid_field", std::string("must be one of ") + allowed, key};
  auto parsed = parse(v.template get<std::string>());
  if (!parsed)
    throw api_error{422, "invalid_field", std::string("must be one of ") + allowed, key};
  return *parsed;
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

const std::regex& request_id_pattern() {
  static const std::regex re("^[A-Za-z0-9._:-]{1,128}$");
  return re;
}

const std::regex& ticket_no_pattern() {
  // Six digits, more once a partition numbers more than 3,906 a day.
  static const std::regex re("^[0-9]{8}-[0-9]{6,9}$");
  return re;
}

// The optional `disposal` of an intake (M-C-1): how the agent disposed of
// the demand at once, when not as a ticket.
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

  const auto& loc = require(body, "location", "location");
  if (!loc.is_object())
    throw api_error{422, "invalid_field", "must be an object", "location"};
  req.where.address = text_field(loc, "address", "location.address", 0, 200, false);
  const bool has_lat = loc.contains("lat") && !loc.at("lat").is_null();
  const bool has_lon = loc.contains("lon") && !loc.at("lon").is_null();
  if (has_lat != has_lon)
    throw api_error{422, "invalid_field", "lat and lon go together",
                    has_lat ? "location.lon" : "location.lat"};
  if (has_lat)
    req.where.coords = r::point{number_field(loc, "lon", "location.lon", -180, 180),
                                number_field(loc, "lat", "location.lat", -90, 90)};
  if (req.where.address.empty() && !req.where.coords)
    throw api_error{400, "missing_field", "an address or coordinates are required (M-R-1)",
                    "location.address"};

  if (body.contains("deadline") && !body.at("deadline").is_null()) {
    const auto& d = body.at("deadline");
    auto t = d.is_string() ? r::parse_instant(d.get<std::string>()) : std::nullopt;
    if (!t)
      throw api_error{422, "invalid_field",
                      "must be ISO 8601 with an offset, e.g. 2026-12-01T18:00:00+08:00",
                      "deadline"};
    req.deadline = *t;
  }
  return req;
}

// --- views --------------------------------------------------------------------

json reasons_json(const std::vector<r::reason>& reasons) {
  json out = json::array();
  for (const auto& x : reasons)
    out.push_back({{"rule", x.rule}, {"text", x.text}});
  return out;
}

std::string unit_name(const actors::services& svc, const std::string& id) {
  const auto* u = svc.config.directory.find_unit(id);
  return u ? u->name : id;
}

json unit_json(const actors::services& svc, const std::string& id) {
  if (id.empty())
    return nullptr;
  return {{"unit_id", id}, {"unit_name", unit_name(svc, id)}};
}

// M-C-1, M-S-3: how a demand was disposed of at once; a refusal carries its
// basis and where the caller can turn.
json disposal_json(const r::disposed& d) {
  json out{{"type", r::to_string(d.kind)}, {"label", r::label_zh(d.kind)}};
  switch (d.kind) {
  case r::disposal_kind::direct_answer:
    out["answer"] = d.answer;
    break;
  case r::disposal_kind::call_transfer:
  case r::disposal_kind::three_way_call:
    out["target"] = d.target;
    break;
  case r::disposal_kind::refusal:
    out["refusal"]
        = {{"code", d.refusal_code},
           {"basis", d.basis},
           {"rule", d.rule},
           {"referral", d.referral_name.empty()
                            ? json(nullptr)
                            : json{{"name", d.referral_name}, {"contact", d.referral_contact}}}};
    break;
  case r::disposal_kind::ticket:
    break;
  }
  return out;
}

// The view of a ticket. `staff` adds the routing reasons and supervisor;
// caller data is always masked.
json ticket_view(const actors::services& svc, const actors::ticket_reply& t, bool staff) {
  const auto& s = t.state;
  json v{{"ticket_no", t.ticket_no},
         {"status", r::to_string(s.status)},
         {"status_label", r::label_zh(s.status)}};
  if (s.intake) {
    const auto& in = *s.intake;
    const auto* cat = svc.config.directory.find_category(in.category);
    v["kind"] = r::to_string(in.kind);
    v["channel"] = r::to_string(in.via);
    v["category"] = {{"code", in.category}, {"name", cat ? cat->name : in.category}};
    v["content"] = in.content;
    v["location"] = {{"address", in.address}};
    if (in.coords) {
      v["location"]["lat"] = in.coords->lat;
      v["location"]["lon"] = in.coords->lon;
    }
    v["submitted_at"] = r::format_instant(in.at);
    if (auto secret = svc.vault.open(t.ticket_no, in.caller_sealed))
      v["caller"] = {{"name", r::mask_name(secret->name)}, {"phone", r::mask_phone(secret->phone)}};
  }
  v["assignment"] = nullptr;
  v["deadline"] = nullptr;
  if (s.assignment) {
    const auto& a = *s.assignment;
    json as = unit_json(svc, a.unit_id);
    as["assigned_at"] = r::format_instant(a.at);
    if (staff) {
      as["supervisor_id"] = a.supervisor_id;
      as["supervisor_name"] = unit_name(svc, a.supervisor_id);
      as["reasons"] = reasons_json(a.reasons);
    }
    v["assignment"] = as;
    const auto dl = r::current_deadline(a, svc.config.calendar);
    v["deadline"] = r::format_instant(dl.due);
    v["deadline_provisional"] = dl.provisional;
    v["deadline_rule"] = a.deadline_rule;
  }
  if (s.status == r::ticket_status::coordinating)
    v["coordination"] = {{"reasons", reasons_json(s.coordination_reasons)}};
  // M-DL-5: the caller is told the progress so far and the extension.
  if (s.extension_request) {
    const auto& x = *s.extension_request;
    json ex{{"requested_at", r::format_instant(x.at)},
            {"new_deadline", r::format_instant(x.new_due)},
            {"progress", x.progress},
            {"status", s.extension_pending              ? "pending"
                       : !s.extension_decision          ? "withdrawn" // answered before a decision
                       : s.extension_decision->approved ? "approved"
                                                        : "refused"}};
    if (staff)
      ex["reason"] = x.reason;
    if (s.extension_decision) {
      ex["decided_at"] = r::format_instant(s.extension_decision->at);
      ex["decided_by"] = unit_json(svc, s.extension_decision->by);
      if (staff)
        ex["note"] = s.extension_decision->note;
    }
    v["extension"] = ex;
  }
  v["reopen_count"] = s.reopen_count;
  if (staff && s.assignment && !s.assignment->cooperating.empty()) {
    // M-DL-4: the lead sees every opinion; the caller sees only the answer.
    json coop = json::array();
    for (const auto& c : s.assignment->cooperating) {
      json entry = unit_json(svc, c);
      auto o = s.opinions.find(c);
      entry["opinion"] = o == s.opinions.end() ? json(nullptr) : json(o->second);
      coop.push_back(entry);
    }
    v["cooperating"] = coop;
  }
  if (staff && s.handler) {
    // M-RT-3: the naming unit sees everything its handler does.
    json h = unit_json(svc, s.handler->handler_id);
    h["named_by"] = s.handler->by;
    h["instruction"] = s.handler->instruction;
    h["named_at"] = r::format_instant(s.handler->at);
    h["report"] = s.handler_report ? json{{"text", s.handler_report->text},
                                          {"at", r::format_instant(s.handler_report->at)}}
                                   : json(nullptr);
    v["concrete_handler"] = h;
  }
  if (staff && !s.repeats.empty()) {
    json list = json::array();
    for (const auto& x : s.repeats)
      list.push_back({{"at", r::format_instant(x.at)},
                      {"channel", r::to_string(x.via)},
                      {"content", x.content}});
    v["repeats"] = list;
  }
  if (staff && !s.escalations.empty()) {
    json list = json::array();
    for (const auto& e : s.escalations) {
      json notified = json::array();
      for (const auto& n : e.notified)
        notified.push_back(unit_json(svc, n));
      list.push_back({{"level", r::to_string(e.level)},
                      {"label", r::label_zh(e.level)},
                      {"at", r::format_instant(e.at)},
                      {"rule", "M-SV-1"},
                      {"notified", notified},
                      {"late_unit", e.unit.empty() ? json(nullptr) : unit_json(svc, e.unit)},
                      {"about_deadline", r::format_instant(e.due)},
                      {"reason", e.reason}});
    }
    v["escalations"] = list;
  }
  if (staff && !s.returns.empty()) {
    json returns = json::array();
    for (const auto& x : s.returns)
      returns.push_back({{"unit_id", x.unit_id},
                         {"unit_name", unit_name(svc, x.unit_id)},
                         {"reason", x.reason},
                         {"at", r::format_instant(x.at)}});
    v["returns"] = returns;
  }
  if (s.disposal)
    v["disposal"] = disposal_json(*s.disposal);
  if (s.accepted_at)
    v["accepted_at"] = r::format_instant(*s.accepted_at);
  v["answer"] = nullptr;
  if (s.answer)
    v["answer"] = {{"text", s.answer->text},
                   {"at", r::format_instant(s.answer->at)},
                   {"unit_id", s.answer->unit_id}};
  if (s.callback)
    v["callback"] = {{"satisfaction", r::to_string(s.callback->result)},
                     {"resolved", s.callback->resolved},
                     {"at", r::format_instant(s.callback->at)}};
  if (s.closed_at)
    v["closed_at"] = r::format_instant(*s.closed_at);
  return v;
}

// The answer to an intake: the ticket, its code and its assignment.
json intake_view(const actors::services& svc, const actors::ticket_reply& t) {
  const auto& s = t.state;
  json v{{"ticket_no", t.ticket_no}, {"status", r::to_string(s.status)}};
  if (auto secret = svc.vault.open(t.ticket_no, s.intake->caller_sealed))
    v["extraction_code"] = secret->extraction_code;
  v["submitted_at"] = r::format_instant(s.intake->at);
  v["assignment"] = nullptr;
  v["deadline"] = nullptr;
  if (s.assignment) {
    const auto& a = *s.assignment;
    v["assignment"] = {{"unit_id", a.unit_id},
                       {"unit_name", unit_name(svc, a.unit_id)},
                       {"supervisor_id", a.supervisor_id},
                       {"supervisor_name", unit_name(svc, a.supervisor_id)},
                       {"reasons", reasons_json(a.reasons)}};
    const auto dl = r::current_deadline(a, svc.config.calendar);
    v["deadline"] = r::format_instant(dl.due);
    v["deadline_provisional"] = dl.provisional;
    v["deadline_rule"] = a.deadline_rule;
    v["limit_working_days"] = a.limit_days;
  } else if (s.disposal) {
    v["disposal"] = disposal_json(*s.disposal);
  } else {
    v["coordination"] = {{"reasons", reasons_json(s.coordination_reasons)}};
  }
  return v;
}

// --- auth -------------------------------------------------------------------------

std::optional<crypto::principal> bearer(const request& req, const std::string& secret) {
  const std::string prefix = "Bearer ";
  if (req.authorization.empty())
    return std::nullopt;
  if (req.authorization.rfind(prefix, 0) != 0)
    throw api_error{401, "unauthorized", "Authorization must be 'Bearer <token>'", "authorization"};
  auto p = crypto::verify_token(secret, req.authorization.substr(prefix.size()));
  if (!p)
    throw api_error{401, "unauthorized", "invalid token", "authorization"};
  return p;
}

crypto::principal need_bearer(const request& req, const std::string& secret) {
  auto p = bearer(req, secret);
  if (!p)
    throw api_error{401, "unauthorized", "a bearer token is required", "authorization"};
  return *p;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : path) {
    if (c == '/') {
      if (!cur.empty())
        parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty())
    parts.push_back(cur);
  return parts;
}

void need_method(const request& req, const char* method) {
  if (req.method != method)
    throw api_error{405, "method_not_allowed", std::string("use ") + method, ""};
}

const std::string& checked_ticket_no(const std::string& no) {
  if (!std::regex_match(no, ticket_no_pattern()))
    throw api_error{404, "not_found", "no ticket " + no, "ticket_no"};
  return no;
}

// The office, the assigned unit and its supervising unit (M-RT-1) may read
// a ticket's staff view and timeline.
void need_involved(const crypto::principal& who, const actors::ticket_reply& t) {
  const auto& a = t.state.assignment;
  const bool involved
      = who.who == crypto::role::office
        || (a
            && (a->unit_id == who.unit_id || a->supervisor_id == who.unit_id
                || std::find(a->cooperating.begin(), a->cooperating.end(), who.unit_id)
                       != a->cooperating.end()))
        || (t.state.handler && t.state.handler->handler_id == who.unit_id);
  if (!involved)
    throw api_error{403, "forbidden", "the ticket is not this unit's", "ticket_no"};
}

/// Thrown when this node does not own the partition a write belongs to:
/// handle() forwards the request to the owner (issue 4).
struct partition_moved {};

actors::ticket_reply must(actors::ticket_reply t) {
  if (t.error && t.error->code == "moved")
    throw partition_moved{};
  if (t.error)
    throw from_failure(*t.error);
  return t;
}

const std::regex& idempotency_key_pattern() {
  static const std::regex re("^[A-Za-z0-9._:-]{1,128}$");
  return re;
}

json cluster_json(const cluster::cluster_view& v) {
  std::map<std::string, std::vector<const cluster::lease_info*>> by_node;
  json unowned = json::array();
  for (const auto& l : v.leases) {
    if (l.node.empty())
      unowned.push_back(l.partition);
    else
      by_node[l.node].push_back(&l);
  }
  json nodes = json::array();
  auto node_json = [&](const std::string& id, const cluster::member* m) {
    json parts = json::array();
    long long oldest = 0;
    for (const auto* l : by_node[id]) {
      parts.push_back(l->partition);
      oldest = std::max(oldest, v.lease_ttl_ms - l->ttl_ms);
    }
    json n{{"node_id", id},
           {"address", m ? json(m->address) : json(nullptr)},
           {"status", m ? json(m->status) : json("unknown")},
           {"heartbeat_age_ms", m ? json(v.now_ms - m->heartbeat_ms) : json(nullptr)},
           {"since", m ? json(r::format_instant(m->started_ms)) : json(nullptr)},
           {"version", m ? json(m->version) : json(nullptr)},
           {"partition_count", parts.size()},
           {"partitions", parts},
           // How long ago the oldest of its leases was renewed.
           {"lease_age_ms_max", oldest}};
    nodes.push_back(n);
  };
  for (const auto& m : v.members)
    node_json(m.node_id, &m);
  for (const auto& [id, leases] : by_node) {
    bool listed = false;
    for (const auto& m : v.members)
      listed = listed || m.node_id == id;
    if (!listed)
      node_json(id, nullptr);
  }
  return {{"node_id", v.node_id},
          {"partitions", v.partitions},
          {"lease_ttl_ms", v.lease_ttl_ms},
          {"membership_version", v.version},
          {"nodes", nodes},
          {"unowned", unowned}};
}

} // namespace

api::api(actors::runtime& rt, const actors::services& svc, std::string token_secret,
         cluster_link cluster, actors::manual_clock* test_clock, std::size_t max_inflight)
    : rt_(rt), svc_(svc), token_secret_(std::move(token_secret)), cluster_(cluster),
      test_clock_(test_clock), max_inflight_(max_inflight) {
  json cats = json::array();
  for (const auto& c : svc_.config.directory.categories()) {
    json kinds = json::array(), competent = json::array();
    for (auto k : c.kinds)
      kinds.push_back(r::to_string(k));
    for (const auto& comp : c.competent) {
      json entry{{"kind", r::to_string(comp.kind)}};
      if (!comp.function.empty())
        entry["function"] = comp.function;
      if (!comp.unit_id.empty())
        entry["unit_id"] = comp.unit_id;
      competent.push_back(entry);
    }
    json entry_json{
        {"code", c.code}, {"name", c.name}, {"kinds", kinds}, {"competent_unit_kinds", competent}};
    if (!c.coordination.empty())
      entry_json["coordination"] = c.coordination; // M-RT-2: always coordinated
    cats.push_back(entry_json);
  }
  categories_json_ = json{{"categories", cats}}.dump();
}

response api::handle(const request& req) {
  // Surge: what cannot be served at once is refused at once, so that what
  // is accepted keeps its latency (health, metrics and the cluster view
  // are always answered).
  const bool light
      = req.path == "/healthz" || req.path == "/metrics" || req.path == "/api/v1/cluster";
  if (light)
    return *handle(req, false);
  if (inflight_.fetch_add(1) >= max_inflight_) {
    inflight_.fetch_sub(1);
    ++shed_;
    auto out = error_response(
        {503, "overloaded", "the service is at capacity; retry after the Retry-After delay", ""});
    std::lock_guard<std::mutex> lock(metrics_mtx_);
    ++requests_[{"shed", out.status}];
    return out;
  }
  struct release {
    std::atomic<std::size_t>& n;
    ~release() { n.fetch_sub(1); }
  } done{inflight_};
  return *handle(req, false);
}

std::optional<response> api::handle_forwarded(const request& req) {
  return handle(req, true);
}

std::optional<response> api::handle(const request& req, bool forwarded) {
  std::string route_name = "other";
  std::optional<cluster::partition_id> partition;
  response out;
  try {
    try {
      out = route(req, route_name, partition);
    } catch (const partition_moved&) {
      // Not ours (any more): a forwarded request is left to the owner; one
      // of our own clients' goes to the owner through its stream.
      if (forwarded || !partition)
        return std::nullopt;
      std::optional<response> answer;
      try {
        answer = cluster_.forwarder->forward(*partition, req);
      } catch (const std::exception& e) {
        spdlog::error("api: forwarding to partition {}: {}", *partition, e.what());
        throw api_error{503, "unavailable", "storage is unavailable, nothing was changed; retry",
                        ""};
      }
      if (!answer)
        throw api_error{503, "unavailable",
                        "the node owning this ticket did not answer in time; retry with the same "
                        "request_id or Idempotency-Key",
                        ""};
      out = std::move(*answer);
    }
  } catch (const api_error& e) {
    out = error_response(e);
  }
  std::lock_guard<std::mutex> lock(metrics_mtx_);
  ++requests_[{route_name + (forwarded ? "_forwarded" : ""), out.status}];
  return out;
}

response api::route(const request& req, std::string& route_name,
                    std::optional<cluster::partition_id>& partition) {
  const auto parts = split_path(req.path);
  // Issue 4: a write runs on the node owning its partition.
  auto need_owner = [&](cluster::partition_id p) {
    partition = p;
    if (!svc_.own.owns(p))
      throw partition_moved{};
  };
  if (req.path == "/healthz") {
    route_name = "healthz";
    need_method(req, "GET");
    // Healthy means able to persist: Redis must answer.
    if (!svc_.store.ping())
      throw api_error{503, "unavailable", "storage does not answer", ""};
    if (!rt_.alive())
      throw api_error{503, "unavailable", "the office actor does not answer", ""};
    return json_response(200, {{"status", "ok"}, {"storage", "ok"}, {"actors", "ok"}});
  }
  if (req.path == "/metrics") {
    route_name = "metrics";
    need_method(req, "GET");
    response out;
    out.content_type = "text/plain; version=0.0.4; charset=utf-8";
    out.body = metrics();
    return out;
  }
  if (parts.size() < 3 || parts[0] != "api" || parts[1] != "v1")
    throw api_error{404, "not_found", "no such endpoint", "path"};
  const std::string& resource = parts[2];

  // GET /api/v1/cluster — nodes, their partitions and lease ages (issue 4).
  if (resource == "cluster" && parts.size() == 3) {
    route_name = "cluster";
    need_method(req, "GET");
    cluster::cluster_view v;
    try {
      v = cluster_.node->view();
    } catch (const std::exception&) {
      throw api_error{503, "unavailable", "storage is unavailable; retry", ""};
    }
    return json_response(200, cluster_json(v));
  }

  // POST /api/v1/test/clock — only under --test-clock: moves time forward.
  if (resource == "test" && parts.size() == 4 && parts[3] == "clock" && test_clock_) {
    route_name = "test_clock";
    need_method(req, "POST");
    const auto who = need_bearer(req, token_secret_);
    if (who.who != crypto::role::office)
      throw api_error{403, "forbidden", "only the office moves the test clock", "authorization"};
    auto body = parse_body(req);
    const auto& now = require(body, "now", "now");
    auto t = now.is_string() ? r::parse_instant(now.get<std::string>()) : std::nullopt;
    if (!t)
      throw api_error{422, "invalid_field", "must be ISO 8601 with an offset", "now"};
    if (*t < test_clock_->now())
      throw api_error{422, "invalid_field", "the clock only moves forward", "now"};
    // M-SV-1: every timer that falls due on the way fires, in order, at its
    // own time.
    const auto fired = rt_.fire_due_timers(*t, test_clock_);
    test_clock_->set(*t);
    return json_response(200,
                         {{"now", r::format_instant(test_clock_->now())}, {"fired_timers", fired}});
  }

  // POST /api/v1/demands — M-R-1, M-C-1, M-RT-1.
  if (resource == "demands" && parts.size() == 3) {
    route_name = "demands";
    need_method(req, "POST");
    auto demand = parse_demand(parse_body(req), svc_.config);
    // M-C-1: disposing of a demand otherwise than as a ticket is the
    // office agent's act.
    if (demand.how && demand.how->kind != r::disposal_kind::ticket) {
      auto who = bearer(req, token_secret_);
      if (!who || who->who != crypto::role::office)
        throw api_error{403, "forbidden",
                        "only the office disposes of a demand otherwise than as a ticket",
                        "disposal"};
    }
    // M-DL-3: a deadline of its own is the assigner's decision, not the
    // caller's: only the office (or an integrator holding its token) sets it.
    if (demand.deadline) {
      auto who = bearer(req, token_secret_);
      if (!who || who->who != crypto::role::office)
        throw api_error{403, "forbidden", "only the office sets a deadline at assignment (M-DL-3)",
                        "deadline"};
    }
    need_owner(actors::intake_partition(svc_, demand));
    auto t = must(rt_.intake(demand));
    if (t.linked) {
      // M-S-2: the same caller and matter while a ticket is open: linked to
      // it, nothing new created. A phone number is no proof of being that
      // caller, so only the office's agent learns which ticket it was; the
      // caller follows it with the number and code of the first call.
      json v{{"linked_to_open_ticket", true},
             {"rule", "M-S-2"},
             {"message", "同一来电人就同一事项已有在办工单，本次诉求已并入该工单；"
                         "请使用原工单号和提取码查询进度"}};
      auto who = bearer(req, token_secret_);
      if (who && who->who == crypto::role::office) {
        v["ticket_no"] = t.ticket_no;
        v["status"] = r::to_string(t.state.status);
      }
      return json_response(200, v);
    }
    auto out = json_response(201, intake_view(svc_, t));
    if (!t.created)
      out.headers.emplace_back("Idempotent-Replayed", "true");
    return out;
  }

  // GET /api/v1/coordination — the office's queue (M-RT-2, M-RT-4, M-SV-2).
  if (resource == "coordination" && parts.size() == 3) {
    route_name = "coordination";
    need_method(req, "GET");
    if (need_bearer(req, token_secret_).who != crypto::role::office)
      throw api_error{403, "forbidden", "the coordination queue is the office's", "authorization"};
    json items = json::array();
    try {
      for (const auto& no : svc_.store.coordination_queue())
        items.push_back(ticket_view(svc_, must(rt_.get(no)), true));
    } catch (const redis::redis_error&) {
      throw api_error{503, "unavailable", "storage is unavailable; retry", ""};
    }
    return json_response(200, {{"tickets", items}});
  }

  // GET /api/v1/returns — tickets returned per unit (M-RT-4, evaluation).
  if (resource == "returns" && parts.size() == 3) {
    route_name = "returns";
    need_method(req, "GET");
    if (need_bearer(req, token_secret_).who != crypto::role::office)
      throw api_error{403, "forbidden", "return counts are the office's", "authorization"};
    json counts = json::array();
    try {
      for (const auto& [unit, n] : svc_.store.return_counts())
        counts.push_back({{"unit_id", unit}, {"unit_name", unit_name(svc_, unit)}, {"returns", n}});
    } catch (const redis::redis_error&) {
      throw api_error{503, "unavailable", "storage is unavailable; retry", ""};
    }
    return json_response(200, {{"returns", counts}});
  }

  // GET /api/v1/refusal-rules — the grounds of M-S-2 with their referrals.
  if (resource == "refusal-rules" && parts.size() == 3) {
    route_name = "refusal_rules";
    need_method(req, "GET");
    json rules = json::array();
    for (const auto& x : svc_.config.refusal_rules)
      rules.push_back(
          {{"code", x.code},
           {"basis", x.basis},
           {"rule", x.rule},
           {"referral", x.referral_name.empty()
                            ? json(nullptr)
                            : json{{"name", x.referral_name}, {"contact", x.referral_contact}}}});
    return json_response(200, {{"refusal_rules", rules}});
  }

  if (resource == "categories" && parts.size() == 3) {
    route_name = "categories";
    need_method(req, "GET");
    response out;
    out.body = categories_json_;
    return out;
  }

  if (resource == "units" && parts.size() == 3) {
    route_name = "units";
    need_method(req, "GET");
    std::optional<r::unit_kind> kind;
    if (auto k = req.query.find("kind"); k != req.query.end() && !k->second.empty()) {
      kind = r::parse_unit_kind(k->second);
      if (!kind)
        throw api_error{422, "invalid_field",
                        "must be one of office, district_government, township, "
                        "district_department, city_department, enterprise",
                        "kind"};
    }
    auto p = req.query.find("parent");
    json units = json::array();
    for (const auto& u : svc_.config.directory.units()) {
      if (kind && u.kind != *kind)
        continue;
      if (p != req.query.end() && !p->second.empty() && u.parent != p->second)
        continue;
      units.push_back({{"id", u.id},
                       {"name", u.name},
                       {"kind", r::to_string(u.kind)},
                       {"parent", u.parent.empty() ? json(nullptr) : json(u.parent)}});
    }
    return json_response(200, {{"units", units}});
  }

  // GET /api/v1/units/{id}/inbox — the unit itself or the office.
  if (resource == "units" && parts.size() == 5 && parts[4] == "inbox") {
    route_name = "inbox";
    need_method(req, "GET");
    const auto who = need_bearer(req, token_secret_);
    const std::string& unit_id = parts[3];
    if (who.who == crypto::role::unit && who.unit_id != unit_id)
      throw api_error{403, "forbidden", "a unit sees only its own inbox", "unit_id"};
    auto box = rt_.inbox(unit_id);
    if (box.error)
      throw from_failure(*box.error);
    json items = json::array();
    for (const auto& t : box.tickets)
      items.push_back(ticket_view(svc_, t, true));
    return json_response(
        200, {{"unit_id", unit_id}, {"unit_name", unit_name(svc_, unit_id)}, {"tickets", items}});
  }

  if (resource == "tickets" && parts.size() >= 4) {
    const std::string& no = checked_ticket_no(parts[3]);
    // A command given twice with one Idempotency-Key applies once (and a
    // forwarded command always has one).
    std::string claim;
    if (!req.idempotency_key.empty()) {
      if (!std::regex_match(req.idempotency_key, idempotency_key_pattern()))
        throw api_error{422, "invalid_field", "must be 1-128 characters of A-Z a-z 0-9 . _ : -",
                        "Idempotency-Key"};
      claim = "cmd:" + req.idempotency_key;
    }
    if (req.method == "POST")
      need_owner(svc_.store.partition_of(no));
    // GET /api/v1/tickets/{no}?code=… (caller) or with a bearer (staff).
    if (parts.size() == 4) {
      route_name = "ticket";
      need_method(req, "GET");
      auto who = bearer(req, token_secret_);
      auto code = req.query.find("code");
      if (!who && code == req.query.end())
        throw api_error{401, "unauthorized", "give the extraction code (?code=) or a bearer token",
                        "code"};
      auto t = rt_.get(no);
      if (t.error && t.error->code == "not_found")
        throw api_error{404, "not_found", "no ticket with this number and code", "ticket_no"};
      t = must(std::move(t));
      if (who) {
        need_involved(*who, t);
        return json_response(200, ticket_view(svc_, t, true));
      }
      auto secret = svc_.vault.open(no, t.state.intake->caller_sealed);
      if (!secret || !crypto::constant_time_equal(secret->extraction_code, code->second))
        throw api_error{404, "not_found", "no ticket with this number and code", "ticket_no"};
      return json_response(200, ticket_view(svc_, t, false));
    }
    // GET /api/v1/tickets/{no}/timeline — M-SV-3, for the office and the
    // units involved.
    if (parts.size() == 5 && parts[4] == "timeline") {
      route_name = "timeline";
      need_method(req, "GET");
      const auto who = need_bearer(req, token_secret_);
      auto t = must(rt_.get(no));
      need_involved(who, t);
      std::vector<r::event> events;
      try {
        events = svc_.store.load(no);
      } catch (const std::exception&) {
        throw api_error{503, "unavailable", "storage is unavailable; retry", ""};
      }
      json steps = json::array();
      for (const auto& e : r::timeline(events, svc_.config.directory))
        steps.push_back(
            {{"at", r::format_instant(e.at)},
             {"type", e.type},
             {"actor", e.actor},
             {"actor_name", e.actor == "caller" ? std::string("来电人") : unit_name(svc_, e.actor)},
             {"rule", e.rule},
             {"label_zh", e.label_zh},
             {"label_en", e.label_en},
             {"detail", e.detail}});
      return json_response(
          200, {{"ticket_no", no}, {"status", r::to_string(t.state.status)}, {"steps", steps}});
    }

    // POST /api/v1/tickets/{no}/extension/decision — M-DL-5, the unit one
    // level up (the office for city departments) approves or refuses.
    if (parts.size() == 6 && parts[4] == "extension" && parts[5] == "decision") {
      route_name = "extension_decision";
      need_method(req, "POST");
      const auto who = need_bearer(req, token_secret_);
      auto body = parse_body(req);
      const auto& approve = require(body, "approve", "approve");
      if (!approve.is_boolean())
        throw api_error{422, "invalid_field", "must be true or false", "approve"};
      r::decide_extension cmd{
          who.who == crypto::role::office ? svc_.config.directory.office_id() : who.unit_id,
          approve.get<bool>(), text_field(body, "note", "note", 0, 1000, false)};
      auto t = who.who == crypto::role::office ? rt_.office_command(no, cmd, claim)
                                               : rt_.unit_command(who.unit_id, no, cmd, claim);
      return json_response(200, ticket_view(svc_, must(std::move(t)), true));
    }

    if (parts.size() == 5) {
      const std::string& action = parts[4];
      need_method(req, "POST");
      const auto who = need_bearer(req, token_secret_);
      route_name = action;
      if (action == "accept" || action == "reply") {
        if (who.who != crypto::role::unit)
          throw api_error{403, "forbidden", "only the assigned unit can " + action,
                          "authorization"};
        r::command cmd;
        if (action == "accept") {
          if (!req.body.empty())
            parse_body(req); // optional, but must be JSON
          cmd = r::accept_ticket{who.unit_id};
        } else {
          auto body = parse_body(req);
          cmd = r::reply_ticket{who.unit_id, text_field(body, "text", "text", 1, 4000)};
        }
        return json_response(
            200, ticket_view(svc_, must(rt_.unit_command(who.unit_id, no, cmd, claim)), true));
      }
      // POST /api/v1/tickets/{no}/escalate — M-SV-1, the office at any time.
      if (action == "escalate") {
        if (who.who != crypto::role::office)
          throw api_error{403, "forbidden", "only the office escalates (M-SV-1)", "authorization"};
        auto body = parse_body(req);
        r::escalate cmd{text_field(body, "reason", "reason", 1, 1000)};
        return json_response(200,
                             ticket_view(svc_, must(rt_.office_command(no, cmd, claim)), true));
      }
      // POST /api/v1/tickets/{no}/handler — M-RT-3, the assigned unit names a
      // concrete handler within its authority; .../handler-report — the
      // handler reports back.
      if (action == "handler" || action == "handler-report") {
        if (who.who != crypto::role::unit)
          throw api_error{403, "forbidden", "only units name or act as concrete handlers",
                          "authorization"};
        auto body = parse_body(req);
        r::command cmd;
        if (action == "handler") {
          const auto handler = text_field(body, "handler_unit_id", "handler_unit_id", 1, 64);
          if (!svc_.config.directory.may_name_handler(who.unit_id, handler))
            throw api_error{403, "forbidden",
                            "'" + handler + "' is not within this unit's authority (M-RT-3)",
                            "handler_unit_id"};
          cmd = r::name_handler{who.unit_id, handler,
                                text_field(body, "instruction", "instruction", 1, 2000)};
        } else {
          cmd = r::report_handling{who.unit_id, text_field(body, "text", "text", 1, 4000)};
        }
        return json_response(
            200, ticket_view(svc_, must(rt_.unit_command(who.unit_id, no, cmd, claim)), true));
      }
      // POST /api/v1/tickets/{no}/return — M-RT-4, 退单 within the window.
      // POST /api/v1/tickets/{no}/opinion — M-DL-4, a cooperating unit.
      if (action == "return" || action == "opinion") {
        if (who.who != crypto::role::unit)
          throw api_error{403, "forbidden", "only a unit can " + action, "authorization"};
        auto body = parse_body(req);
        r::command cmd;
        if (action == "return")
          cmd = r::return_ticket{who.unit_id, text_field(body, "reason", "reason", 1, 1000)};
        else
          cmd = r::submit_opinion{who.unit_id, text_field(body, "text", "text", 1, 4000)};
        return json_response(
            200, ticket_view(svc_, must(rt_.unit_command(who.unit_id, no, cmd, claim)), true));
      }
      // POST /api/v1/tickets/{no}/designation — M-RT-2, the office names the
      // lead unit and the cooperating units.
      if (action == "designation") {
        if (who.who != crypto::role::office)
          throw api_error{403, "forbidden", "only the office designates units (M-RT-2)",
                          "authorization"};
        auto body = parse_body(req);
        const auto& dir = svc_.config.directory;
        auto known_unit = [&](const std::string& id, const std::string& field) -> const r::unit* {
          const r::unit* u = dir.find_unit(id);
          if (!u || u->kind == r::unit_kind::office)
            throw api_error{422, "unknown_unit", "no handling unit '" + id + "'", field};
          return u;
        };
        const auto lead_id = text_field(body, "lead_unit_id", "lead_unit_id", 1, 64);
        const r::unit* lead = known_unit(lead_id, "lead_unit_id");
        r::designate cmd;
        if (auto c = body.find("cooperating_unit_ids"); c != body.end() && !c->is_null()) {
          if (!c->is_array())
            throw api_error{422, "invalid_field", "must be an array of unit ids",
                            "cooperating_unit_ids"};
          for (const auto& id : *c) {
            if (!id.is_string())
              throw api_error{422, "invalid_field", "must be an array of unit ids",
                              "cooperating_unit_ids"};
            known_unit(id.get<std::string>(), "cooperating_unit_ids");
            cmd.cooperating.push_back(id.get<std::string>());
          }
        }
        const auto why = text_field(body, "reason", "reason", 1, 1000);
        std::string names;
        for (const auto& c : cmd.cooperating)
          names += (names.empty() ? "" : "、") + unit_name(svc_, c);
        cmd.lead.unit_id = lead->id;
        cmd.lead.supervisor_id = lead->supervisor;
        cmd.lead.reasons
            = {{"M-RT-2", "热线协调指定牵头单位" + lead->name
                              + (names.empty() ? "" : "，协同单位" + names) + "：" + why}};
        return json_response(200,
                             ticket_view(svc_, must(rt_.office_command(no, cmd, claim)), true));
      }
      // POST /api/v1/tickets/{no}/extension — M-DL-5, the assigned unit asks
      // before its deadline, with reasons and the progress so far.
      if (action == "extension") {
        if (who.who != crypto::role::unit)
          throw api_error{403, "forbidden", "only the assigned unit asks for an extension",
                          "authorization"};
        auto body = parse_body(req);
        r::request_extension cmd;
        cmd.unit_id = who.unit_id;
        cmd.reason = text_field(body, "reason", "reason", 1, 1000);
        cmd.progress = text_field(body, "progress", "progress", 1, 2000);
        const auto& d = require(body, "new_deadline", "new_deadline");
        auto t = d.is_string() ? r::parse_instant(d.get<std::string>()) : std::nullopt;
        if (!t)
          throw api_error{422, "invalid_field", "must be ISO 8601 with an offset", "new_deadline"};
        cmd.new_due = *t;
        return json_response(
            200, ticket_view(svc_, must(rt_.unit_command(who.unit_id, no, cmd, claim)), true));
      }
      if (action == "callback") {
        if (who.who != crypto::role::office)
          throw api_error{403, "forbidden", "only the office records callbacks (M-SV-2)",
                          "authorization"};
        auto body = parse_body(req);
        r::record_callback cb;
        cb.result = enum_field<r::satisfaction>(body, "satisfaction", r::parse_satisfaction,
                                                "satisfied, basically_satisfied, not_satisfied");
        const auto& resolved = require(body, "resolved", "resolved");
        if (!resolved.is_boolean())
          throw api_error{422, "invalid_field", "must be true or false", "resolved"};
        cb.resolved = resolved.get<bool>();
        return json_response(200, ticket_view(svc_, must(rt_.office_command(no, cb, claim)), true));
      }
      route_name = "other";
    }
  }
  throw api_error{404, "not_found", "no such endpoint", "path"};
}

std::string api::metrics() {
  std::ostringstream out;
  out << "# HELP hotline_http_requests_total HTTP requests by route and status.\n"
         "# TYPE hotline_http_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lock(metrics_mtx_);
    for (const auto& [key, n] : requests_)
      out << "hotline_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second
          << "\"} " << n << "\n";
  }
  out << "# HELP hotline_live_ticket_actors Ticket actors in memory (not passivated).\n"
         "# TYPE hotline_live_ticket_actors gauge\n"
      << "hotline_live_ticket_actors " << rt_.live_tickets() << "\n";
  out << "# HELP hotline_partitions_owned Partitions this node owns (issue 4).\n"
         "# TYPE hotline_partitions_owned gauge\n"
      << "hotline_partitions_owned " << svc_.own.owned().size() << "\n";
  out << "# HELP hotline_forwarded_total Requests this node sent to a partition's owner.\n"
         "# TYPE hotline_forwarded_total counter\n"
      << "hotline_forwarded_total " << cluster_.forwarder->forwarded() << "\n";
  out << "# HELP hotline_forwarded_served_total Forwarded requests this node ran as owner.\n"
         "# TYPE hotline_forwarded_served_total counter\n"
      << "hotline_forwarded_served_total " << cluster_.forwarder->served() << "\n";
  out << "# HELP hotline_shed_total Requests refused with 503 because the node was at capacity.\n"
         "# TYPE hotline_shed_total counter\n"
      << "hotline_shed_total " << shed_.load() << "\n";
  out << "# HELP hotline_inflight Client requests being served now.\n"
         "# TYPE hotline_inflight gauge\n"
      << "hotline_inflight " << inflight_.load() << "\n";
  out << "# HELP hotline_units Handling units in the directory.\n"
         "# TYPE hotline_units gauge\n"
      << "hotline_units " << svc_.config.directory.units().size() << "\n";
  return out.str();
}

} // namespace hotline::http
