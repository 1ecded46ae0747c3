#include "adapters/http/api.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "adapters/crypto/crypto.hpp"
#include "adapters/http/call.hpp"
#include "adapters/http/handlers/handlers.hpp"
#include "adapters/http/site.hpp"

namespace hotline::http {

namespace r = hotline::routing;
using nlohmann::json;

namespace {

std::string categories_json(const actors::services& svc) {
  json cats = json::array();
  for (const auto& c : svc.config.directory.categories()) {
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
    json entry_json{{"code", c.code},
                    {"name", c.name},
                    {"kinds", kinds},
                    {"competent_unit_kinds", competent},
                    {"low_confidence", r::to_string(c.low_confidence)}}; // issue 11
    if (!c.coordination.empty())
      entry_json["coordination"] = c.coordination; // M-RT-2: always coordinated
    cats.push_back(entry_json);
  }
  return json{{"categories", cats}}.dump();
}

// Health, metrics and the cluster view are answered even at capacity.
bool light(const route& rt) {
  return rt.name == "healthz" || rt.name == "metrics" || rt.name == "cluster";
}

} // namespace

void call::need_owner(cluster::partition_id p) {
  partition = p;
  if (!ctx.svc.own.owns(p))
    throw partition_moved{p};
}

void call::internal(const std::exception& e) {
  spdlog::error("api: {} {}: {}", req.method, r ? std::string(r->name) : "?", e.what());
  fail({500, "internal", "internal error; nothing is known to have changed", ""});
}

struct api::pool_impl {
  boost::asio::thread_pool threads{4};
};

bool api_context::needs_storage(const std::string& token) const {
  return token.rfind("s1.", 0) == 0 && auth.cache
         && !auth.cache->fresh(token, actors::system_clock().now());
}

std::optional<r::principal> api_context::authenticate(const std::string& token) const {
  const auto now = actors::system_clock().now();
  if (token.rfind("s1.", 0) == 0)
    return auth.cache ? auth.cache->verify(token, now) : std::nullopt;
  return tokens.verify(token, now);
}

api::api(actors::runtime& rt, const actors::services& svc, redis::pool& pool, auth_link auth,
         cluster_link cluster, actors::manual_clock* test_clock, limit_options limits,
         push_link push)
    : ctx_(std::make_unique<api_context>(
        rt, svc, pool, cluster, test_clock, std::move(auth), std::move(limits),
        std::make_shared<const std::string>(categories_json(svc)), push)),
      routes_(route_table()), pool_(std::make_unique<pool_impl>()) {
  if (test_clock)
    routes_.push_back({"POST",
                       "/api/v1/test/clock",
                       "test_clock",
                       {false, false, r::role_set::of({r::role::supervisor})},
                       handlers::move_test_clock,
                       "仅测试：拨动测试时钟"});
  ctx_->blocking
      = [this](std::function<void()> f) { boost::asio::post(pool_->threads, std::move(f)); };
  ctx_->after = [this](std::chrono::milliseconds ms, std::function<void()> f) {
    auto t = std::make_shared<boost::asio::steady_timer>(pool_->threads, ms);
    t->async_wait([t, f = std::move(f)](const boost::system::error_code&) { f(); });
  };
}

void api::use_webhooks(webhook_link w) {
  ctx_->webhooks = w;
}

void api::use_knowledge(knowledge::service* kb) {
  ctx_->knowledge = kb;
}

void api::use_evaluation(evaluation::evaluator* e) {
  ctx_->evaluation = e;
}

void api::use_monitor(monitor::detector* d) {
  ctx_->monitor = d;
}

void api::use_site(std::shared_ptr<const site> s) {
  site_ = std::move(s);
}

api::~api() {
  pool_->threads.join();
}

void api::handle(request req, responder done) {
  auto c = std::make_shared<call>(*ctx_, std::move(req));
  const std::string origin = c->req.header("origin");
  const auto& cors = ctx_->limits.opts.cors_origins;
  const bool cors_ok = !origin.empty() && std::find(cors.begin(), cors.end(), origin) != cors.end();
  auto m = find_route(routes_, c->req.method, c->req.path);
  // Issue 15: the pages, where no route is (no credentials, no limits: they
  // are the same bytes for everyone and read from memory).
  if (!m.r && m.allowed.empty() && site_ && c->req.method == "GET") {
    if (c->req.path == "/console") {
      response out;
      out.status = 301;
      out.content_type.clear();
      out.headers.emplace_back("Location", "/console/");
      ctx_->count("static", out.status);
      return done(std::move(out));
    }
    if (const auto* f = site_->find(c->req.path)) {
      auto out = site_response(*f, c->req.header("if-none-match"));
      ctx_->count("static", out.status);
      return done(std::move(out));
    }
  }
  // Views of the route table's literals (issue 16: nothing copied per request).
  const std::string_view name = m.r ? m.r->name : "other";
  // Issue 14 item 4: latency by the route's pattern, never the raw path.
  const std::string_view method = m.r ? m.r->method : "other";
  const std::string_view pattern = m.r ? m.r->pattern : "other";
  const auto started = std::chrono::steady_clock::now();
  auto once = std::make_shared<std::atomic<bool>>(false);
  c->send = [this, done, once, name, cors_ok, origin, method, pattern, started](response out) {
    if (once->exchange(true))
      return;
    // Answers may carry caller data or codes: never cached anywhere.
    out.headers.emplace_back("Cache-Control", "no-store");
    if (cors_ok) {
      out.headers.emplace_back("Access-Control-Allow-Origin", origin);
      out.headers.emplace_back("Vary", "Origin");
    }
    ctx_->count(name, out.status, method, pattern, std::chrono::steady_clock::now() - started);
    done(std::move(out));
  };
  c->stream = [this, done, once, name, cors_ok, origin, method, pattern, started](response head) {
    if (once->exchange(true))
      return std::shared_ptr<stream_writer>();
    if (cors_ok) {
      head.headers.emplace_back("Access-Control-Allow-Origin", origin);
      head.headers.emplace_back("Vary", "Origin");
    }
    ctx_->count(name, head.status, method, pattern, std::chrono::steady_clock::now() - started);
    return done.open_stream(head.status, head.content_type, head.headers);
  };
  c->moved = [this](const call_ptr& mc, cluster::partition_id p) {
    // Issue 16 item 1: the forwarder's XADD is a Redis round trip, so it
    // runs on the blocking pool, not on the io thread the handler ran on.
    ctx_->blocking([this, mc, p] { forward(mc, p); });
  };

  // Single-valued headers sent twice (RFC 9110 §5.3): a proxy and this
  // server could each read another one, so the request is refused whole.
  for (const char* name :
       {"authorization", "content-type", "idempotency-key", "x-extraction-code"}) {
    const auto n = std::count_if(c->req.headers.begin(), c->req.headers.end(),
                                 [&](const auto& h) { return h.first == name; });
    if (n > 1)
      return c->fail({400, "duplicate_header", std::string("send ") + name + " once", name});
  }

  // CORS preflight (docs/SECURITY.md): only for the configured origins.
  if (c->req.method == "OPTIONS" && !m.allowed.empty()) {
    response out;
    out.status = 204;
    out.content_type.clear();
    if (cors_ok) {
      std::string methods;
      for (auto a : m.allowed)
        methods += (methods.empty() ? "" : ", ") + std::string(a);
      out.headers.emplace_back("Access-Control-Allow-Methods", methods);
      out.headers.emplace_back("Access-Control-Allow-Headers",
                               "Authorization, Content-Type, Idempotency-Key, X-Extraction-Code");
      out.headers.emplace_back("Access-Control-Max-Age", "600");
    }
    return c->reply(std::move(out));
  }
  if (!m.r) {
    if (m.allowed.empty())
      return c->fail({404, "not_found", "no such endpoint", "path"});
    std::string allow;
    for (auto a : m.allowed)
      allow += (allow.empty() ? "" : ", ") + std::string(a);
    auto out = error_response({405, "method_not_allowed", "use " + allow, ""});
    out.headers.emplace_back("Allow", allow);
    return c->reply(std::move(out));
  }
  c->r = m.r;
  c->params = std::move(m.params);

  // Authentication, then the table's authorization: before any handler,
  // forwarding or store access.
  if (c->req.authorization.empty())
    return admit(c);
  const std::string prefix = "Bearer ";
  if (c->req.authorization.rfind(prefix, 0) != 0)
    return c->fail(
        {401, "unauthorized", "Authorization must be 'Bearer <token>'", "authorization"});
  auto token = c->req.authorization.substr(prefix.size());
  // Issue 16 item 1: a session the node's cache no longer vouches for is
  // read from Redis on the blocking pool, never on this io thread.
  if (ctx_->needs_storage(token))
    return ctx_->blocking([this, c, token = std::move(token)] { authenticated(c, token); });
  authenticated(c, token);
}

void api::authenticated(const call_ptr& c, const std::string& token) {
  try {
    c->who = ctx_->authenticate(token);
  } catch (const std::exception& e) {
    spdlog::error("api: authentication: {}", e.what());
    return c->fail({503, "unavailable", "sessions cannot be checked now; retry", ""});
  }
  if (!c->who)
    return c->fail({401, "unauthorized", "invalid, expired or revoked token", "authorization"});
  admit(c);
}

void api::admit(const call_ptr& c) {
  const route* r = c->r;
  switch (authorize(*r, c->who)) {
  case verdict::allow:
    break;
  case verdict::unauthenticated:
    return c->fail({401, "unauthorized", "a bearer token is required", "authorization"});
  case verdict::forbidden:
    return c->fail({403, "forbidden", "this role may not call this endpoint", "role"});
  }

  // Limits: anonymous callers by rate per address; in flight, staff keep a
  // share anonymous load cannot take.
  if (!light(*r)) {
    auto& lim = ctx_->limits;
    if (!c->who) {
      if (auto wait = lim.anonymous.take(c->req.remote_ip, std::chrono::steady_clock::now()))
        return c->fail(
            {429, "rate_limited", "too many requests from this address; slow down", "", *wait});
    }
    const std::size_t cap
        = c->who ? lim.opts.max_inflight : lim.opts.max_inflight - lim.opts.reserved();
    if (ctx_->inflight.fetch_add(1) >= cap) {
      ctx_->inflight.fetch_sub(1);
      ++ctx_->shed;
      return c->fail(
          {503, "overloaded", "the service is at capacity; retry after the Retry-After delay", ""});
    }
    api_context* ctx = ctx_.get();
    c->slot = std::shared_ptr<void>(nullptr, [ctx](void*) { ctx->inflight.fetch_sub(1); });
  }
  c->run([&] { r->fn(c); });
}

void api::forward(const call_ptr& mc, cluster::partition_id p) {
  // The owner trusts the principal; the forwarder drops the token.
  try {
    ctx_->cluster.forwarder->forward(p, {mc->req, mc->who}, [mc](std::optional<response> answer) {
      if (answer)
        mc->reply(std::move(*answer));
      else
        mc->fail({503, "unavailable",
                  "the node owning this ticket did not answer in time; retry with the same "
                  "request_id or Idempotency-Key",
                  ""});
    });
  } catch (const std::exception& e) {
    spdlog::error("api: forwarding to partition {}: {}", p, e.what());
    mc->fail({503, "unavailable", "storage is unavailable, nothing was changed; retry", ""});
  }
}

void api::handle_forwarded(cluster::forwarded_request fw,
                           std::function<void(std::optional<response>)> done) {
  auto c = std::make_shared<call>(*ctx_, std::move(fw.req));
  c->forwarded = true;
  c->who = std::move(fw.who);
  auto m = find_route(routes_, c->req.method, c->req.path);
  const std::string name = (m.r ? std::string(m.r->name) : "other") + "_forwarded";
  auto once = std::make_shared<std::atomic<bool>>(false);
  c->send = [this, done, once, name](response out) {
    if (once->exchange(true))
      return;
    ctx_->count(name, out.status);
    done(std::move(out));
  };
  // Not ours (any more): left to the owner.
  c->moved = [done, once](const call_ptr&, cluster::partition_id) {
    if (!once->exchange(true))
      done(std::nullopt);
  };
  if (!m.r)
    return c->fail({404, "not_found", "no such endpoint", "path"});
  c->r = m.r;
  c->params = std::move(m.params);
  // Authorized by the node that took it; checked again, as it costs nothing.
  if (authorize(*m.r, c->who) != verdict::allow)
    return c->fail({403, "forbidden", "this role may not call this endpoint", "role"});
  c->run([&] { m.r->fn(c); });
}

} // namespace hotline::http
