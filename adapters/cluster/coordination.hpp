#pragma once
// The cluster's shared tables in Redis (issue 4): partition leases with
// fencing tokens, and the membership table. Every operation is one round
// trip (a Lua script or a pipeline), and the clock is Redis's own (TIME,
// PX), so nodes never compare their clocks with each other.
//
// Layout (prefix "hl"):
//   hl:cluster:partitions  STRING the number of partitions, fixed at first start.
//   hl:lease:{p}           STRING "node|token", PX lease ttl: the owner of p.
//   hl:fence:{p}           INTEGER the last fencing token handed out for p.
//   hl:members             HASH node id → JSON {address, status, started,
//                          heartbeat, version} (status alive | dead | left).
//   hl:members:version     INTEGER bumped by every change of status (join,
//                          declared dead, leave): the table's version.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "adapters/cluster/ownership.hpp"
#include "adapters/cluster/partitioning.hpp"
#include "adapters/redis/connection.hpp"

namespace hotline::cluster {

struct lease_info {
  partition_id partition = 0;
  std::string node; // "" if nobody holds it
  std::uint64_t token = 0;
  long long ttl_ms = -2; // remaining, as PTTL reports it
};

struct member {
  std::string node_id;
  std::string address;
  std::string status; // alive · dead · left
  long long started_ms = 0;
  long long heartbeat_ms = 0;
  long long version = 0; // the table version when its status last changed
};

using held = std::vector<std::pair<partition_id, std::uint64_t>>; // partition, token

class coordination {
 public:
  coordination(redis::pool& p, std::string prefix, partition_id partitions,
               std::chrono::milliseconds lease_ttl);

  /// Records the number of partitions on first use; throws std::runtime_error
  /// if Redis already holds another number (it is fixed for a deployment).
  void check_partitions();

  /// Takes the leases of those of `wanted` that nobody holds, or that this
  /// node id holds with another token (an earlier incarnation: node ids
  /// are unique among live nodes); returns what was taken, each with its
  /// new fencing token.
  held acquire(const std::string& node, const std::vector<partition_id>& wanted);
  /// Extends the leases still held with exactly these tokens; returns the
  /// partitions whose lease was lost (expired, or taken by another node).
  std::vector<partition_id> renew(const std::string& node, const held& leases);
  /// Gives leases back (compare and delete), so others can take them at once.
  void release(const std::string& node, const held& leases);
  /// Every partition's lease; its remaining ttl only `with_ttl` (one more
  /// command per partition).
  std::vector<lease_info> leases(bool with_ttl = false);

  /// Records this node as alive now (a status change bumps the version);
  /// returns Redis's time in ms.
  long long heartbeat(const std::string& node, const std::string& address);
  /// Marks `node` dead if its last heartbeat is older than `stale_before`;
  /// true if this call changed it. Rows not alive for an hour are dropped.
  bool declare_dead(const std::string& node, long long stale_before);
  /// Marks this node as having left (graceful stop).
  void leave(const std::string& node);
  std::vector<member> members();
  /// Redis's clock, in ms since the epoch.
  long long now_ms();
  long long version();

  partition_id partitions() const { return partitions_; }
  std::chrono::milliseconds lease_ttl() const { return ttl_; }

 private:
  std::string lease_key(partition_id p) const;
  std::string fence_key(partition_id p) const;

  redis::pool& pool_;
  std::string prefix_;
  partition_id partitions_;
  std::chrono::milliseconds ttl_;
};

/// Makes `own` the holder of every partition's lease in Redis for `ttl`, as
/// a lone node's lease loop would: for tests and benchmarks of the parts
/// that write through fenced appends without running that loop.
void own_every_partition(redis::pool& pool, ownership& own,
                         std::chrono::milliseconds ttl = std::chrono::hours(1));

} // namespace hotline::cluster
