#pragma once
// Delivery across nodes (issue 4). A command for a partition this node does
// not own — already authenticated and authorized here, so it travels with
// its principal and never with the client's token — goes, sealed with the
// cluster's caller key (AES-256-GCM: the body may hold a caller's name and
// phone), into that partition's Redis Stream; the owner reads it with
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
//   hl:reply:{node}  STREAM answers (sealed: they may hold an extraction
//                    code) to the requests `node` forwarded; each deleted
//                    as soon as it is read, the key expiring a minute after
//                    its last answer.

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
#include "routing/access.hpp"

namespace hotline::cluster {

/// A command forwarded to its partition's owner: the request (without its
/// Authorization header) and who gave it.
struct forwarded_request {
  http::request req;
  std::optional<routing::principal> who;
};

/// Called once with the owner's answer, or nullopt.
using answer_fn = std::function<void(std::optional<http::response>)>;

/// Runs a forwarded request on this node and answers through `done`:
/// nullopt if this node does not own the partition after all (the entry is
/// then queued again for the owner).
using local_handler = std::function<void(forwarded_request, answer_fn done)>;

struct forwarder_options {
  std::string prefix = "hl";
  std::chrono::milliseconds timeout{10000}; // how long a caller waits for the owner
  std::size_t workers = 2;                  // threads starting forwarded requests
  std::string seal_key;                     // 32 bytes: the caller key every node shares
};

class forwarder {
 public:
  forwarder(redis::endpoint ep, redis::pool& pool, const ownership& own, forwarder_options opts);
  ~forwarder();

  /// Starts reading answers and the streams of owned partitions.
  void start(local_handler run);
  void stop();

  /// Sends `fw` to the owner of partition `p`; `done` gets its answer, or
  /// nullopt if none came within the timeout. Never waits for the owner;
  /// throws redis_error if the command could not be queued.
  void forward(partition_id p, forwarded_request fw, answer_fn done);

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
  /// Answers (unless `malformed`), acknowledges and deletes the entry, or
  /// queues it again when this node did not own it after all.
  void finish_entry(partition_id p, const std::string& id,
                    std::map<std::string, std::string> fields, std::optional<http::response> answer,
                    bool malformed);
  /// Answers nullopt to the callers whose timeout passed.
  void expire_waiters();
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
