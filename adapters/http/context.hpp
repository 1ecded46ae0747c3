#pragma once
// What the handlers of one node share: the actors, the services, Redis for
// the reads and logs that are not a ticket's, the cluster parts, the limits
// and the metrics. Built once by the api; read-only but for the counters.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "actors/runtime.hpp"
#include "adapters/cluster/forwarder.hpp"
#include "adapters/auth/accounts.hpp"
#include "adapters/auth/sessions.hpp"
#include "adapters/cluster/node.hpp"
#include "adapters/crypto/token_cache.hpp"
#include "adapters/http/limits.hpp"
#include "adapters/redis/connection.hpp"
#include "adapters/redis/feed.hpp"
#include "adapters/knowledge/service.hpp"
#include "adapters/monitor/detector.hpp"
#include "adapters/monitor/histogram.hpp"
#include "adapters/webhooks/engine.hpp"

namespace hotline::evaluation {
class evaluator;
}

namespace hotline::http {

/// The node's cluster parts the API uses (issue 4).
struct cluster_link {
  cluster::node* node = nullptr;           // GET /api/v1/cluster
  cluster::forwarder* forwarder = nullptr; // writes for partitions owned elsewhere
};

/// People and their sessions (adapters/auth), and the secret of automation
/// tokens (`hotline token`).
struct auth_link {
  auth::accounts* accounts = nullptr;
  auth::sessions* sessions = nullptr;
  auth::session_cache* cache = nullptr;
  std::string token_secret;
};

class event_hub;

/// Push to people (issue 10): the node's open event streams and the feed
/// their replays read.
struct push_link {
  event_hub* hub = nullptr;
  redis::feed* feed = nullptr;
};

/// Webhook subscriptions (issue 10): the store the handlers read and
/// write, and the engine to wake after a replay. Null: not served here.
struct webhook_link {
  webhooks::store* store = nullptr;
  webhooks::engine* engine = nullptr;
};

struct api_context {
  api_context(actors::runtime& r, const actors::services& s, redis::pool& p, cluster_link cl,
              actors::manual_clock* tc, auth_link a, limit_options lo,
              std::shared_ptr<const std::string> cats, push_link pl)
      : rt(r), svc(s), pool(p), cluster(cl), test_clock(tc), auth(std::move(a)),
        limits(std::move(lo)), categories_json(std::move(cats)), push(pl),
        tokens(auth.token_secret, s.config.directory.office_id()) {}

  /// The principal of a bearer token: a person's session ("s1.…") or an
  /// automation token; nullopt if expired, revoked, tampered or of a
  /// disabled account. Authentication runs on the system clock, also under
  /// --test-clock (which moves the domain's time, not the tokens').
  std::optional<routing::principal> authenticate(const std::string& token) const;
  /// True if authenticate(token) would read Redis: a session token the
  /// node's cache does not hold fresh (issue 16: then not on an io thread).
  bool needs_storage(const std::string& token) const;

  actors::runtime& rt;
  const actors::services& svc;
  redis::pool& pool;
  cluster_link cluster;
  actors::manual_clock* test_clock = nullptr;
  auth_link auth;
  api_limits limits;
  /// GET /api/v1/categories, built once (issue 16: sent without a copy).
  std::shared_ptr<const std::string> categories_json;
  push_link push;
  /// Automation tokens, each verified once until it expires (issue 16).
  mutable crypto::token_cache tokens;
  webhook_link webhooks;
  knowledge::service* knowledge = nullptr;     // issue 13; null: 503 on its routes
  evaluation::evaluator* evaluation = nullptr; // issue 14; null: 503 on its routes
  monitor::detector* monitor = nullptr;        // issue 14 item 4; null: 503 on its routes

  /// Runs `f` on the small pool for synchronous Redis work (reads of
  /// indexes and logs), so that no io thread waits on Redis.
  std::function<void(std::function<void()>)> blocking;
  /// Runs `f` after `ms` on the same pool (the failure floor of code checks).
  std::function<void(std::chrono::milliseconds, std::function<void()>)> after;

  std::atomic<std::uint64_t> shed{0};
  std::atomic<std::size_t> inflight{0};
  std::mutex metrics_mtx;
  std::map<std::pair<std::string, int>, std::uint64_t> requests;
  /// Issue 14 item 4: request latencies by (method, route pattern), a
  /// bounded label set (the route table's, and "other").
  std::map<std::pair<std::string, std::string>, std::unique_ptr<monitor::histogram>> latencies;
  void count(std::string_view route, int status) {
    std::lock_guard<std::mutex> lock(metrics_mtx);
    ++requests[{std::string(route), status}];
  }
  /// Counts an answer and times it, under the one lock counting took
  /// before (the histogram itself is lock-free).
  void count(std::string_view route, int status, std::string_view method, std::string_view pattern,
             std::chrono::steady_clock::duration took) {
    monitor::histogram* h = nullptr;
    {
      std::lock_guard<std::mutex> lock(metrics_mtx);
      ++requests[{std::string(route), status}];
      auto& slot = latencies[{std::string(method), std::string(pattern)}];
      if (!slot)
        slot = std::make_unique<monitor::histogram>();
      h = slot.get();
    }
    h->observe(took);
  }
};

} // namespace hotline::http
