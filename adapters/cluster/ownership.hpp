#pragma once
// Which partitions this node owns right now, with the fencing token of each
// lease (issue 4). Written by the node's lease loop, read by every actor
// and HTTP thread: lock-free reads.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/cluster/partitioning.hpp"

namespace hotline::cluster {

class ownership {
 public:
  ownership(std::string node_id, partition_id partitions)
      : node_(std::move(node_id)), count_(partitions),
        tokens_(std::make_unique<std::atomic<std::uint64_t>[]>(partitions)) {
    for (partition_id p = 0; p < count_; ++p)
      tokens_[p].store(0);
  }

  const std::string& node_id() const { return node_; }
  partition_id partitions() const { return count_; }

  bool owns(partition_id p) const { return token(p) != 0; }

  /// The lease value a write to partition `p` must find in Redis ("node|token"),
  /// or nullopt if this node does not own `p`.
  std::optional<std::string> fence(partition_id p) const {
    const auto t = token(p);
    if (t == 0)
      return std::nullopt;
    return lease_value(node_, t);
  }

  /// The fencing token of p's lease; 0 if not owned, or if the leases were
  /// not renewed in time (then nothing is owned, even if the lease loop is
  /// stuck: see `valid_until`).
  std::uint64_t token(partition_id p) const {
    if (p >= count_ || now_ns() > valid_until_ns_.load())
      return 0;
    return tokens_[p].load();
  }

  std::vector<partition_id> owned() const {
    std::vector<partition_id> out;
    if (lapsed())
      return out;
    for (partition_id p = 0; p < count_; ++p)
      if (tokens_[p].load() != 0)
        out.push_back(p);
    return out;
  }

  /// The lease loop only: what was granted and not revoked, valid or not,
  /// with its token.
  std::vector<std::pair<partition_id, std::uint64_t>> held() const {
    std::vector<std::pair<partition_id, std::uint64_t>> out;
    for (partition_id p = 0; p < count_; ++p)
      if (auto t = tokens_[p].load())
        out.emplace_back(p, t);
    return out;
  }
  /// True once the last renewal is too old to trust.
  bool lapsed() const { return now_ns() > valid_until_ns_.load(); }

  /// The lease loop only: after a successful renewal, ownership holds
  /// locally until `t` (steady clock), which is before the leases expire.
  void valid_until(std::chrono::steady_clock::time_point t) {
    valid_until_ns_.store(t.time_since_epoch().count());
  }
  void grant(partition_id p, std::uint64_t token) { tokens_[p].store(token); }
  void revoke(partition_id p) { tokens_[p].store(0); }

  static std::string lease_value(const std::string& node, std::uint64_t token) {
    return node + "|" + std::to_string(token);
  }

 private:
  std::string node_;
  partition_id count_;
  static long long now_ns() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

  std::unique_ptr<std::atomic<std::uint64_t>[]> tokens_;
  std::atomic<long long> valid_until_ns_{0};
};

} // namespace hotline::cluster
