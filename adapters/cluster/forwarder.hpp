#pragma once
// Delivery across nodes (issue 4). A request for a partition this node does
// not own goes into that partition's Redis Stream; the owner reads it with
// its consumer group, runs it like a request of its own, writes the answer
// to the asking node's reply stream, and only then acknowledges (XACK) and
// deletes the entry. After a fail-over the new owner claims what the old
// one left pending (XAUTOCLAIM). Delivery is at least once; commands are
// idempotent (intake request ids, Idempotency-Key, which the forwarder sets
// when the client did not), so a redelivery never doubles an effect.
//
// Layout (prefix "hl"):
//   hl:in:{p}        STREAM requests for partition p; group "owner", one
//                    consumer per node (its node id).
//   hl:reply:{node}  STREAM answers to the requests `node` forwarded
//                    (trimmed to about 10,000 entries).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "adapters/cluster/ownership.hpp"
#include "adapters/http/server.hpp"
#include "adapters/redis/connection.hpp"

namespace hotline::cluster {

/// Runs a forwarded request on this node; nullopt if this node does not own
/// the partition after all (the entry is then queued again for the owner).
using local_handler = std::function<std::optional<http::response>(const http::request&)>;

struct forwarder_options {
  std::string prefix = "hl";
  std::chrono::milliseconds timeout{10000}; // how long a caller waits for the owner
  std::size_t workers = 8;                  // threads running forwarded requests
};

class forwarder {
 public:
  forwarder(redis::endpoint ep, redis::pool& pool, const ownership& own, forwarder_options opts);
  ~forwarder();

  /// Starts reading answers and the streams of owned partitions.
  void start(local_handler run);
  void stop();

  /// Sends `req` to the owner of partition `p` and waits for its answer;
  /// nullopt if none came within the timeout.
  std::optional<http::response> forward(partition_id p, const http::request& req);

  /// Called when this node gains p: the pending entries of p (left by the
  /// previous owner) are claimed on the next read.
  void gained(partition_id p);

  std::uint64_t forwarded() const { return forwarded_.load(); }
  std::uint64_t served() const { return served_.load(); }

 private:
  struct waiter;
  void read_replies();
  void consume();
  void run_entry(partition_id p, std::string id, std::map<std::string, std::string> fields);
  std::string in_key(partition_id p) const;

  redis::endpoint ep_;
  redis::pool& pool_;
  const ownership& own_;
  forwarder_options opts_;
  local_handler run_;
  std::string reply_key_;
  std::string incarnation_;
  std::atomic<std::uint64_t> next_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mtx_;
  std::map<std::string, std::shared_ptr<waiter>> waiting_;
  std::set<partition_id> to_claim_;   // gained, pending entries not yet claimed
  std::set<partition_id> have_group_; // consumer group known to exist
  std::atomic<std::uint64_t> forwarded_{0}, served_{0};
  struct pool_impl;
  std::unique_ptr<pool_impl> workers_;
  std::thread replies_, consumer_;
};

} // namespace hotline::cluster
