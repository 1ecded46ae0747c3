#pragma once
// The HTTP/JSON API (docs/API.md): validates every request, turns it into
// an actor message, and renders replies and errors in one stable format
// `{"error":{"code","message","field"}}` (DESIGN rule 7). Caller data is
// masked in every view (DESIGN rule 6).

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "actors/runtime.hpp"
#include "adapters/cluster/forwarder.hpp"
#include "adapters/cluster/node.hpp"
#include "adapters/http/server.hpp"

namespace hotline::http {

/// The node's cluster parts the API uses (issue 4).
struct cluster_link {
  cluster::node* node = nullptr;           // GET /api/v1/cluster
  cluster::forwarder* forwarder = nullptr; // writes for partitions owned elsewhere
};

class api {
 public:
  /// `token_secret` verifies bearer tokens made by `hotline token`.
  /// `test_clock` is given only under `hotlined --test-clock`: it enables
  /// `POST /api/v1/test/clock`, which moves that clock.
  /// At most `max_inflight` client requests are served at once; more are
  /// shed at once with 503 and Retry-After (surge protection).
  api(actors::runtime& rt, const actors::services& svc, std::string token_secret,
      cluster_link cluster, actors::manual_clock* test_clock = nullptr,
      std::size_t max_inflight = 24);

  /// A request from a client of this node: a write for a partition this
  /// node does not own is forwarded to its owner, and its answer returned.
  response handle(const request& req);
  /// A request forwarded by another node: run here, or nullopt if this node
  /// does not own its partition (the owner will).
  std::optional<response> handle_forwarded(const request& req);

 private:
  std::optional<response> handle(const request& req, bool forwarded);
  response route(const request& req, std::string& route_name,
                 std::optional<cluster::partition_id>& partition);
  std::string metrics();

  actors::runtime& rt_;
  const actors::services& svc_;
  std::string token_secret_;
  cluster_link cluster_;
  actors::manual_clock* test_clock_;
  std::size_t max_inflight_;
  std::atomic<std::size_t> inflight_{0};
  std::atomic<std::uint64_t> shed_{0};
  std::string categories_json_;
  std::mutex metrics_mtx_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
};

} // namespace hotline::http
