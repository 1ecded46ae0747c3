// What touches the caller: the caller's own view of a ticket, guarded by
// the extraction code (M-R-2) against guessing, and the audited reveal of
// the caller's contact to office staff (M-D-3, M-SV-2).
#include "adapters/crypto/crypto.hpp"
#include "adapters/http/handlers/common.hpp"
#include "adapters/http/input.hpp"
#include "adapters/http/views.hpp"
#include "adapters/redis/audit_log.hpp"

namespace hotline::http::handlers {

namespace r = hotline::routing;
using nlohmann::json;

namespace {

// The extraction-code guard: wrong codes counted per ticket and per client
// address in Redis (so it holds across nodes), in a window that starts at
// the first failure.
std::string ticket_key(const std::string& no) {
  return "hl:codefail:t:" + no;
}
std::string client_key(const std::string& ip) {
  return "hl:codefail:ip:" + ip;
}

// Seconds until the caller may try again, or 0 if not limited now.
int locked_for(const call_ptr& c, const std::string& no) {
  const auto& o = c->ctx.limits.opts;
  auto conn = c->ctx.pool.acquire();
  auto reps = conn->pipeline({{"GET", ticket_key(no)},
                              {"PTTL", ticket_key(no)},
                              {"GET", client_key(c->req.remote_ip)},
                              {"PTTL", client_key(c->req.remote_ip)}});
  for (const auto& x : reps)
    redis::check(x.get(), "code guard");
  auto count = [](const redisReply* x) {
    return x->type == REDIS_REPLY_STRING ? std::stoll(redis::reply_string(x)) : 0LL;
  };
  long long wait_ms = 0;
  if (count(reps[0].get()) >= o.code_failures_per_ticket)
    wait_ms = std::max(wait_ms, redis::reply_integer(reps[1].get()));
  if (count(reps[2].get()) >= o.code_failures_per_client)
    wait_ms = std::max(wait_ms, redis::reply_integer(reps[3].get()));
  return wait_ms > 0 ? static_cast<int>((wait_ms + 999) / 1000) : 0;
}

void count_failure(const call_ptr& c, const std::string& no) {
  const auto window = std::to_string(c->ctx.limits.opts.code_window.count());
  auto conn = c->ctx.pool.acquire();
  for (const auto& x :
       conn->pipeline({{"SET", ticket_key(no), "0", "PX", window, "NX"},
                       {"INCR", ticket_key(no)},
                       {"SET", client_key(c->req.remote_ip), "0", "PX", window, "NX"},
                       {"INCR", client_key(c->req.remote_ip)}}))
    redis::check(x.get(), "code guard");
}

// A wrong code and an unknown ticket get the same answer at the same time:
// counted, then answered no sooner than the floor after the check began.
void refuse_code(const call_ptr& c, const std::string& no,
                 std::chrono::steady_clock::time_point began) {
  with_storage(c, [c, no, began] {
    count_failure(c, no);
    const auto floor = c->ctx.limits.opts.code_failure_floor;
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
    c->ctx.after(std::max(floor - spent, std::chrono::milliseconds(0)), [c] {
      c->fail({404, "not_found", "no ticket with this number and code", "ticket_no"});
    });
  });
}

} // namespace

// GET /api/v1/tickets/{no} — staff by their role and involvement; the
// caller with the extraction code (`?code=` or the `X-Extraction-Code`
// header, which proxies do not log).
void get_ticket(const call_ptr& c) {
  const auto no = checked_ticket_no(c->param("no"));
  if (c->who) {
    c->ctx.rt.get(no, c->guard([c](actors::ticket_reply t) {
      t = must(c, std::move(t));
      need_involved(c, t);
      c->reply(200, ticket_view(c->ctx.svc, t, true));
    }));
    return;
  }
  std::string code = c->req.header("x-extraction-code");
  if (code.empty())
    if (auto i = c->req.query.find("code"); i != c->req.query.end())
      code = i->second;
  if (code.empty())
    throw api_error{401, "unauthorized",
                    "give the extraction code (X-Extraction-Code header or ?code=) or a bearer "
                    "token",
                    "code"};
  const auto began = std::chrono::steady_clock::now();
  with_storage(c, [c, no, code, began] {
    // M-R-2: past the limit, 429 even for the right code.
    if (const int wait = locked_for(c, no))
      throw api_error{429, "too_many_attempts",
                      "too many wrong extraction codes; retry after the Retry-After delay", "code",
                      wait};
    c->ctx.rt.get(no, c->guard([c, no, code, began](actors::ticket_reply t) {
      if (t.error && t.error->code == "not_found")
        return refuse_code(c, no, began);
      t = must(c, std::move(t));
      auto secret = t.state.intake ? c->ctx.svc.vault.open(no, t.state.intake->caller_sealed)
                                   : std::nullopt;
      if (!secret || !crypto::constant_time_equal(secret->extraction_code, code))
        return refuse_code(c, no, began);
      c->reply(200, ticket_view(c->ctx.svc, t, false));
    }));
  });
}

// POST /api/v1/tickets/{no}/caller-contact {"purpose"} — M-D-3, M-SV-2: an
// operator or supervisor sees one ticket's caller in clear, for a stated
// purpose; the reveal is in the audit log before anything is shown.
void reveal_caller_contact(const call_ptr& c) {
  const auto no = checked_ticket_no(c->param("no"));
  auto body = parse_body(c->req);
  const auto purpose = text_field(body, "purpose", "purpose", 1, 32);
  if (purpose != "callback" && purpose != "clarification")
    throw api_error{422, "invalid_field", "must be one of callback, clarification", "purpose"};
  c->ctx.rt.get(no, c->guard([c, no, purpose](actors::ticket_reply t) {
    t = must(c, std::move(t));
    need_involved(c, t);
    if (!t.state.intake)
      throw api_error{404, "not_found", "no ticket " + no, "ticket_no"};
    with_storage(c, [c, no, purpose, sealed = t.state.intake->caller_sealed] {
      auto secret = c->ctx.svc.vault.open(no, sealed);
      if (!secret)
        throw api_error{500, "internal", "the caller's data cannot be opened with this key", ""};
      auto e = audit_entry_of(c, "caller_contact");
      e.ticket_no = no;
      e.purpose = purpose;
      const auto id = redis::audit_log(c->ctx.pool).append(e);
      c->reply(200, {{"ticket_no", no},
                     {"caller", {{"name", secret->name}, {"phone", secret->phone}}},
                     {"purpose", purpose},
                     {"audit_id", id},
                     {"rule", "M-D-3"}});
    });
  }));
}

} // namespace hotline::http::handlers
