#pragma once
// One node's part in the cluster (issue 4): a loop that heartbeats into the
// membership table, renews its leases, and takes or gives back partitions
// so they spread evenly over the live nodes.
//
// Safety: a lease is renewed every ttl/6; if no renewal succeeded within
// 2/3 of the ttl (Redis unreachable, or this process was paused), the node
// drops every partition itself before the lease can have expired. Writes
// are fenced in Redis anyway (the append script checks the lease value), so
// a paused old owner that wakes up cannot write after a new owner took over.
//
// Balance: with N live nodes each node holds at most ceil(P / N) partitions.
// A node below that takes free partitions (no lease) at once; a node above
// it gives back at most `max_moves` per round, so a join moves partitions a
// few at a time and a departure is covered as soon as its leases expire.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "adapters/cluster/coordination.hpp"
#include "adapters/cluster/ownership.hpp"

namespace hotline::cluster {

struct node_options {
  std::string node_id;
  std::string address; // HOST:PORT it serves, shown in the membership table
  std::chrono::milliseconds lease_ttl{3000};
  std::size_t max_moves = 16; // partitions given back per round when above the fair share
};

/// The cluster as one node sees it (GET /api/v1/cluster).
struct cluster_view {
  std::string node_id;
  partition_id partitions = 0;
  long long version = 0;
  long long now_ms = 0; // Redis's clock
  long long lease_ttl_ms = 0;
  std::vector<member> members;
  std::vector<lease_info> leases;
};

class node {
 public:
  /// `on_lost(p)` runs when this node stops owning p (after ownership is
  /// revoked locally, before the lease is given back); `on_gained(p)` after
  /// it took p. Both run on the loop's thread.
  node(coordination& coord, ownership& own, node_options opts,
       std::function<void(partition_id)> on_lost, std::function<void(partition_id)> on_gained);
  ~node();

  /// Joins with `address` (the HOST:PORT it serves) and runs one round at
  /// once (so a lone node owns its partitions before it says it is ready),
  /// then the loop in the background.
  void start(const std::string& address);
  /// Gives back every lease, leaves the membership table, stops the loop.
  void stop();

  cluster_view view();

  /// One round: heartbeat, renew, declare the silent dead, take or give
  /// back partitions. The loop runs it every ttl/6; tests call it directly
  /// to step the protocol deterministically.
  void round();

 private:
  void run();
  void drop(const std::vector<partition_id>& parts);

  coordination& coord_;
  ownership& own_;
  node_options opts_;
  std::function<void(partition_id)> on_lost_, on_gained_;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread loop_;
};

} // namespace hotline::cluster
