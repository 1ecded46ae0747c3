// Open311 GeoReport v2 at /open311/v2/ (issue 12; M-D-2 connection with
// 渝快办 and other systems, M-P-2 internet channels into one intake). The
// answers are built by adapters/open311 (views, XML and JSON); a POST runs
// the same intake as POST /api/v1/demands. Errors are Open311's
// <errors><error><code/><description/></error></errors> (a JSON array),
// with 400, 403, 404 as the spec says (and 429, 503 with Retry-After).
// Caller data never appears in any answer here (M-D-3).
#include <chrono>
#include <regex>

#include "actors/office.hpp"
#include "adapters/auth/integrator_ids.hpp"
#include "adapters/auth/integrators.hpp"
#include "adapters/crypto/crypto.hpp"
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/input.hpp"
#include "adapters/http/views.hpp"
#include "adapters/open311/intake.hpp"
#include "routing/civil_time.hpp"
#include "routing/timeline.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
namespace o = hotline::open311;

namespace {

constexpr r::instant day_ms = 86'400'000;
// The spec's window for GET requests, and its largest answer.
constexpr r::instant window_ms = 90 * day_ms;
constexpr std::size_t max_requests = 1000;

o::format format_of(const std::string& ext) {
  if (ext == "xml")
    return o::format::xml;
  if (ext == "json")
    return o::format::json;
  throw o::failure{{404, "format", "no such document: use .xml or .json"}};
}

void answer(const call_ptr& c, o::format f, int status, const o::element& e,
            std::vector<std::pair<std::string, std::string>> headers = {}) {
  response out;
  out.status = status;
  out.content_type = o::content_type(f);
  out.body = o::render(e, f);
  out.headers = std::move(headers);
  c->reply(std::move(out));
}

// Open311 knows 400, 403 and 404; the service's own refusals (429, 503)
// keep their status and Retry-After; every other failure is a 400.
o::error from_api(const api_error& e) {
  const bool kept = e.status == 403 || e.status == 404 || e.status == 429 || e.status >= 500;
  return {kept ? e.status : 400, e.field.empty() ? e.code : e.field, e.message};
}

/// Runs `f`, answering its Open311 failures (and the API's) in format `f`.
template <class F>
void guarded(const call_ptr& c, o::format fmt, F&& f) {
  c->run([&] {
    try {
      f();
    } catch (const o::failure& x) {
      answer(c, fmt, x.e.status, o::errors_view({x.e}));
    } catch (const api_error& e) {
      std::vector<std::pair<std::string, std::string>> headers;
      if (e.status == 429 || e.status == 503)
        headers.emplace_back("Retry-After", std::to_string(std::max(1, e.retry_after)));
      const auto x = from_api(e);
      answer(c, fmt, x.status, o::errors_view({x}), std::move(headers));
    }
  });
}

/// As guarded, on the blocking pool (Redis reads and writes).
template <class F>
void storage(const call_ptr& c, o::format fmt, F f) {
  c->ctx.blocking([c, fmt, f = std::move(f)]() mutable {
    guarded(c, fmt, [&] {
      try {
        f();
      } catch (const redis::redis_error&) {
        throw api_error{503, "unavailable", "storage is unavailable; retry", "storage"};
      }
    });
  });
}

/// The format of a document named "{stem}.{ext}" in path parameter `p`.
std::pair<std::string, o::format> named(const call_ptr& c, const std::string& p) {
  const auto s = o::split_format(c->param(p));
  if (!s.ok || s.stem.empty())
    throw o::failure{{404, p, "no such document: use .xml or .json"}};
  return {s.stem, s.fmt};
}

std::string query(const call_ptr& c, const std::string& name) {
  auto i = c->req.query.find(name);
  return i == c->req.query.end() ? "" : i->second;
}

/// The integrator holding `api_key` with one of `scopes`, rate-limited per
/// key; 403 for an unknown or disabled key or a missing scope. Blocks on
/// Redis.
auth::integrator need_integrator(const call_ptr& c, const std::string& api_key,
                                 std::initializer_list<auth::integrator_scope> scopes) {
  if (api_key.empty())
    throw o::failure{{403, "api_key", "an API key is required (ask the hotline office)"}};
  auto who = auth::integrators(c->ctx.pool).by_key(api_key);
  if (!who)
    throw o::failure{{403, "api_key", "invalid or disabled API key"}};
  if (std::none_of(scopes.begin(), scopes.end(), [&](auto s) { return who->may(s); }))
    throw o::failure{
        {403, "api_key",
         "this key lacks the '" + std::string(auth::to_string(*scopes.begin())) + "' scope"}};
  if (auto wait = c->ctx.limits.integrators.take(who->name, who->rate_per_minute,
                                                 std::chrono::steady_clock::now()))
    throw api_error{429, "rate_limited", "too many requests for this key; slow down", "api_key",
                    *wait};
  return *who;
}

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    auto next = text.find(',', at);
    if (next == std::string::npos)
      next = text.size();
    auto item = text.substr(at, next - at);
    while (!item.empty() && item.front() == ' ')
      item.erase(0, 1);
    while (!item.empty() && item.back() == ' ')
      item.pop_back();
    if (!item.empty())
      out.push_back(item);
    at = next + 1;
  }
  return out;
}

bool ticket_shaped(const std::string& no) {
  static const std::regex re("^[0-9]{8}-[0-9]{6,9}$");
  return std::regex_match(no, re);
}

/// The state of Open311 ticket `no` from its events; nullopt if there is
/// none or it was not filed through Open311 (`indexed`: `no` comes from the
/// index already). Blocks on Redis.
std::optional<r::ticket_state> open311_ticket(const call_ptr& c, const std::string& no,
                                              bool indexed = false) {
  if (!ticket_shaped(no) || (!indexed && !auth::integrators(c->ctx.pool).is_request(no)))
    return std::nullopt;
  auto s = r::fold(c->ctx.svc.store.load(no));
  if (!s.intake)
    return std::nullopt;
  return s;
}

/// What `who` may read of ticket state `s`: its profile for its own
/// tickets, the public fields otherwise.
o::ticket_fields fields_for(const std::optional<auth::integrator>& who, const r::ticket_state& s) {
  if (who && o::filed_by(s.intake->request_id) == who->name)
    return {who->fields};
  return o::public_fields();
}

/// The reader of a GET: an integrator with the read scope, or nobody for
/// an absent or empty api_key (FixMyStreet sends `api_key=`).
std::optional<auth::integrator> reader(const call_ptr& c) {
  const auto key = query(c, "api_key");
  if (key.empty())
    return std::nullopt;
  return need_integrator(c, key, {auth::integrator_scope::read});
}

r::instant date_param(const call_ptr& c, const std::string& name) {
  const auto t = r::parse_instant(query(c, name));
  if (!t)
    throw o::failure{{400, name,
                      "must be a W3C datetime with an offset, e.g. "
                      "2026-11-30T09:00:00+08:00 or 2026-11-30T01:00:00Z"}};
  return *t;
}

std::string service_notice(const config::hotline_config& cfg, const r::ticket_state& s) {
  if (s.assignment) {
    const auto* u = cfg.directory.find_unit(s.assignment->unit_id);
    return "已受理并派至" + (u ? u->name : s.assignment->unit_id) + "，办理时限 "
           + r::format_instant(r::current_deadline(*s.assignment, cfg.calendar).due);
  }
  return "已受理，由热线办协调确定承办单位 (M-RT-2)";
}

// The form of a POST (urlencoded or multipart), its jurisdiction checked
// in the body and in the query (some clients add it to every call).
std::shared_ptr<o::form> posted_form(const call_ptr& c) {
  std::shared_ptr<o::form> f;
  try {
    f = std::make_shared<o::form>(o::parse_form(c->req.content_type, c->req.body));
  } catch (const o::form_error& e) {
    throw o::failure{{400, e.field, e.what()}};
  }
  o::check_jurisdiction(f->get("jurisdiction_id"));
  o::check_jurisdiction(query(c, "jurisdiction_id"));
  return f;
}

} // namespace

void o311_discovery(const call_ptr& c) {
  guarded(c, o::format::xml, [&] {
    const auto fmt = format_of(c->param("format"));
    guarded(c, fmt, [&] {
      answer(c, fmt, 200, o::discovery_view("http://" + c->req.header("host") + "/open311/v2/"));
    });
  });
}

void o311_services(const call_ptr& c) {
  guarded(c, o::format::xml, [&] {
    const auto fmt = format_of(c->param("format"));
    guarded(c, fmt, [&] {
      o::check_jurisdiction(query(c, "jurisdiction_id"));
      answer(c, fmt, 200, o::services_view(c->ctx.svc.config.directory));
    });
  });
}

void o311_service(const call_ptr& c) {
  guarded(c, o::format::xml, [&] {
    const auto [code, fmt] = named(c, "service");
    guarded(c, fmt, [&] {
      o::check_jurisdiction(query(c, "jurisdiction_id"));
      const auto* cat = c->ctx.svc.config.directory.find_category(code);
      if (!cat)
        throw o::failure{{404, "service_code", "no service '" + code + "' (see services.xml)"}};
      answer(c, fmt, 200, o::service_definition_view(*cat));
    });
  });
}

// POST requests.[fmt]: the hotline's intake with the integrator's channel;
// 200 with service_request_id = the ticket number (also for a repeat of
// the same external id, marked Idempotent-Replayed).
void o311_post_request(const call_ptr& c) {
  guarded(c, o::format::xml, [&] {
    const auto fmt = format_of(c->param("format"));
    guarded(c, fmt, [&] {
      const auto f = posted_form(c);
      storage(c, fmt, [c, fmt, f] {
        const auto who = need_integrator(c, f->get("api_key"), {auth::integrator_scope::intake});
        auto demand = o::to_intake(*f, c->ctx.svc.config, who, c->req.idempotency_key,
                                   crypto::random_hex(12));
        c->need_owner(actors::intake_partition(c->ctx.svc, demand));
        c->ctx.rt.intake(demand, [c, fmt](actors::ticket_reply t) {
          guarded(c, fmt, [&] {
            // The same external id with another report: the office's
            // conflict, in the integrator's words.
            if (t.error && t.error->code == "conflict" && t.error->field == "request_id")
              throw o::failure{{400, "attribute[external_id]",
                                "this id was used for another report; nothing was changed"}};
            t = must(c, std::move(t));
            storage(c, fmt, [c, fmt, t] {
              // Indexed after the intake is persisted; a retry indexes again.
              auth::integrators(c->ctx.pool).record_request(t.ticket_no, t.state.intake->at);
              std::vector<std::pair<std::string, std::string>> headers;
              if (!t.created)
                headers.emplace_back("Idempotent-Replayed", "true");
              answer(c, fmt, 200,
                     o::created_view(t.ticket_no, service_notice(c->ctx.svc.config, t.state)),
                     std::move(headers));
            });
          });
        });
      });
    });
  });
}

// GET requests.[fmt]: by service_request_id (a comma list, overriding the
// rest), or the requests filed in [start_date, end_date] (at most 90 days,
// the last 90 by default) filtered by service_code, status and, for the
// integrator of the key, its own external_id; at most 1000, oldest first.
void o311_requests(const call_ptr& c) {
  guarded(c, o::format::xml, [&] {
    const auto fmt = format_of(c->param("format"));
    guarded(c, fmt, [&] {
      o::check_jurisdiction(query(c, "jurisdiction_id"));
      const auto ids = comma_list(query(c, "service_request_id"));
      const auto codes = comma_list(query(c, "service_code"));
      const auto statuses = comma_list(query(c, "status"));
      // The 渝快办 profile: an integrator finds its requests by its own ids.
      const auto externals = comma_list(query(c, "external_id"));
      for (const auto& s : statuses)
        if (s != "open" && s != "closed")
          throw o::failure{{400, "status", "must be open, closed or both (comma list)"}};
      if (ids.size() > max_requests)
        throw o::failure{{400, "service_request_id", "at most 1000 ids"}};
      r::instant from = 0, to = 0;
      if (ids.empty()) {
        const bool has_start = !query(c, "start_date").empty();
        const bool has_end = !query(c, "end_date").empty();
        to = has_end ? date_param(c, "end_date") : c->ctx.svc.clk.now();
        from = has_start ? date_param(c, "start_date") : to - window_ms;
        if (has_start && !has_end)
          to = from + window_ms;
        if (to < from)
          throw o::failure{{400, "end_date", "must not be before start_date"}};
        if (to - from > window_ms)
          throw o::failure{{400, "start_date", "the window is at most 90 days"}};
      }
      storage(c, fmt, [c, fmt, ids, codes, statuses, externals, from, to] {
        const auto who = reader(c);
        if (!externals.empty() && !who)
          throw o::failure{{403, "api_key", "external_id needs the key of the integrator"}};
        auth::integrators index(c->ctx.pool);
        auto list = o::element::items("service_requests");
        const auto in = [](const std::vector<std::string>& xs, const std::string& x) {
          return xs.empty() || std::find(xs.begin(), xs.end(), x) != xs.end();
        };
        // The index in pages, so that filters still find up to 1000.
        for (std::size_t offset = 0;;) {
          const auto numbers
              = ids.empty() ? index.requests_between(from, to, offset, max_requests) : ids;
          for (const auto& no : numbers) {
            const auto s = open311_ticket(c, no, ids.empty());
            if (!s || list.children.size() >= max_requests)
              continue;
            if (ids.empty() && (!in(codes, s->intake->category) || !in(statuses, o::status_of(*s))))
              continue;
            if (ids.empty() && !externals.empty()) {
              const auto via = auth::integrator_of(s->intake->request_id);
              if (!via || via->integrator != who->name || via->external_id.empty()
                  || !in(externals, via->external_id))
                continue;
            }
            list.add(o::request_view(c->ctx.svc.config, no, *s, fields_for(who, *s)));
          }
          if (!ids.empty() || numbers.size() < max_requests || list.children.size() >= max_requests)
            break;
          offset += numbers.size();
        }
        answer(c, fmt, 200, list);
      });
    });
  });
}

// GET requests/{id}.[fmt]: one request, as a one-item list; 404 if there
// is no such Open311 request.
void o311_request(const call_ptr& c) {
  guarded(c, o::format::xml, [&] {
    const auto [no, fmt] = named(c, "request");
    guarded(c, fmt, [&] {
      o::check_jurisdiction(query(c, "jurisdiction_id"));
      storage(c, fmt, [c, fmt, no = no] {
        const auto who = reader(c);
        const auto s = open311_ticket(c, no);
        if (!s)
          throw o::failure{{404, "service_request_id", "no service request " + no}};
        answer(c, fmt, 200,
               o::element::items("service_requests", {o::request_view(c->ctx.svc.config, no, *s,
                                                                      fields_for(who, *s))}));
      });
    });
  });
}

// POST servicerequestupdates.[fmt] (FixMyStreet's extension): the caller's
// follow-up to an open request the key's integrator filed, added to the
// ticket as a follow_up_added step; answers its update_id ({ticket}.{step},
// as GET servicerequestupdates lists it). Another integrator's request is
// 404, a closed one 400: nothing is changed.
void o311_post_update(const call_ptr& c) {
  guarded(c, o::format::xml, [&] {
    const auto fmt = format_of(c->param("format"));
    guarded(c, fmt, [&] {
      const auto f = posted_form(c);
      storage(c, fmt, [c, fmt, f] {
        const auto who
            = need_integrator(c, f->get("api_key"),
                              {auth::integrator_scope::intake, auth::integrator_scope::updates});
        const auto no = f->get("service_request_id");
        if (no.empty())
          throw o::failure{{400, "service_request_id", "field is required"}};
        const auto text = o::follow_up_text(*f);
        const auto s = open311_ticket(c, no);
        const auto via = s ? auth::integrator_of(s->intake->request_id) : std::nullopt;
        if (!via || via->integrator != who.name)
          throw o::failure{
              {404, "service_request_id", "no service request " + no + " of this key"}};
        c->need_owner(c->ctx.svc.store.partition_of(no));
        c->ctx.rt.office_command(
            no, r::add_follow_up{r::channel::integrator, text}, command_claim(c->req),
            r::person{who.channel(), who.display}, [c, fmt, no](actors::ticket_reply t) {
              guarded(c, fmt, [&] {
                if (t.error && t.error->code == "conflict")
                  throw o::failure{{400, "service_request_id",
                                    "the request is closed; file a new one; nothing was changed"}};
                t = must(c, std::move(t));
                const auto id = no + "." + std::to_string(t.state.version);
                answer(c, fmt, 200,
                       o::element::items("service_request_updates",
                                         {o::element::obj("request_update",
                                                          {o::element::leaf("update_id", id)})}));
              });
            });
      });
    });
  });
}

// GET servicerequestupdates.[fmt] (the mySociety extension FixMyStreet
// reads): every step of the Open311 requests in [start_date, end_date] as
// a request_update with a stable update_id, oldest request first, at most
// 1000. Steps are looked for in the requests filed up to 90 days before
// start_date (a ticket's deadline is weeks, not months).
void o311_updates(const call_ptr& c) {
  guarded(c, o::format::xml, [&] {
    const auto fmt = format_of(c->param("format"));
    guarded(c, fmt, [&] {
      o::check_jurisdiction(query(c, "jurisdiction_id"));
      const bool has_start = !query(c, "start_date").empty();
      const bool has_end = !query(c, "end_date").empty();
      const r::instant to = has_end ? date_param(c, "end_date") : c->ctx.svc.clk.now();
      const r::instant from = has_start ? date_param(c, "start_date") : to - window_ms;
      if (to < from)
        throw o::failure{{400, "end_date", "must not be before start_date"}};
      if (to - from > window_ms)
        throw o::failure{{400, "start_date", "the window is at most 90 days"}};
      storage(c, fmt, [c, fmt, from, to] {
        const auto key = query(c, "api_key");
        std::optional<auth::integrator> who;
        if (!key.empty())
          who = need_integrator(c, key,
                                {auth::integrator_scope::updates, auth::integrator_scope::read});
        auto list = o::element::items("service_request_updates");
        const auto& dir = c->ctx.svc.config.directory;
        auth::integrators index(c->ctx.pool);
        // Every request that may have a step in the window, in pages: the
        // steps are read from each ticket's events (there is no index of
        // steps by time yet).
        for (std::size_t offset = 0; list.children.size() < max_requests;) {
          const auto numbers = index.requests_between(from - window_ms, to, offset, max_requests);
          for (const auto& no : numbers) {
            const auto events = c->ctx.svc.store.load(no);
            const auto steps = r::timeline(events, dir);
            r::ticket_state s;
            for (std::size_t i = 0; i < events.size() && i < steps.size(); ++i) {
              s = r::apply(std::move(s), events[i]);
              if (steps[i].at < from || steps[i].at > to || list.children.size() >= max_requests)
                continue;
              o::update u{no,          i + 1,         o::status_of(s),
                          steps[i].at, steps[i].type, steps[i].label_zh};
              if (steps[i].type == "replied" && s.answer && fields_for(who, s).has("status_notes"))
                u.description += "：" + s.answer->text;
              list.add(o::update_view(u));
            }
          }
          if (numbers.size() < max_requests)
            break;
          offset += numbers.size();
        }
        answer(c, fmt, 200, list);
      });
    });
  });
}

} // namespace hotline::http::handlers
