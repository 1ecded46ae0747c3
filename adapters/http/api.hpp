#pragma once
// The HTTP/JSON API (docs/API.md): a dispatcher over the route table
// (routes.hpp). For each request it finds the route, authenticates the
// bearer, authorizes from the table, applies the limits, and runs the
// handler, which answers later through the server's responder. A write for
// a partition owned by another node is forwarded there as an authenticated,
// authorized command (never the raw request with its token).

#include <memory>

#include "adapters/http/call.hpp"
#include "adapters/http/context.hpp"
#include "adapters/http/routes.hpp"
#include "adapters/http/server.hpp"

namespace hotline::http {

class site;

class api {
 public:
  /// `test_clock` is given only under `hotlined --test-clock`: it adds
  /// `POST /api/v1/test/clock`, which moves that clock.
  api(actors::runtime& rt, const actors::services& svc, redis::pool& pool, auth_link auth,
      cluster_link cluster, actors::manual_clock* test_clock = nullptr, limit_options limits = {},
      push_link push = {});
  ~api();

  /// A request from a client of this node.
  void handle(request req, responder done);
  /// A command forwarded by another node: run here, or nullopt (through
  /// `done`) if this node does not own its partition (the owner will).
  void handle_forwarded(cluster::forwarded_request fw,
                        std::function<void(std::optional<response>)> done);

  /// Serves the webhook endpoints from `w` (before the server starts).
  void use_webhooks(webhook_link w);
  void use_knowledge(knowledge::service* kb);
  /// Serves the evaluation (issue 14, M-E-1) from `e`.
  void use_evaluation(evaluation::evaluator* e);
  /// Issue 14 item 4: the warnings' detector (GET /api/v1/warnings, the
  /// test clock runs it).
  void use_monitor(monitor::detector* d);
  /// Issue 15: the console's and public pages' files, served for GET paths
  /// outside the API (never overriding a route).
  void use_site(std::shared_ptr<const site> s);

  /// The routes this node serves (the table, plus the test clock's).
  const std::vector<route>& routes() const { return routes_; }

 private:
  /// The bearer `token` checked (on the blocking pool if it needed Redis).
  void authenticated(const call_ptr& c, const std::string& token);
  /// The table's authorization, the limits, then the handler.
  void admit(const call_ptr& c);
  /// Sends a write to the node owning partition `p` (blocking pool).
  void forward(const call_ptr& c, cluster::partition_id p);

  std::unique_ptr<api_context> ctx_;
  std::vector<route> routes_;
  std::shared_ptr<const site> site_;
  struct pool_impl;
  std::unique_ptr<pool_impl> pool_;
};

} // namespace hotline::http
