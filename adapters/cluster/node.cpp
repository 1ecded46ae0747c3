#include "adapters/cluster/node.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace hotline::cluster {

node::node(coordination& coord, ownership& own, node_options opts,
           std::function<void(partition_id)> on_lost, std::function<void(partition_id)> on_gained)
    : coord_(coord), own_(own), opts_(std::move(opts)), on_lost_(std::move(on_lost)),
      on_gained_(std::move(on_gained)) {}

node::~node() {
  stop();
}

void node::start(const std::string& address) {
  opts_.address = address;
  round();
  loop_ = std::thread([this] { run(); });
}

void node::stop() {
  {
    std::lock_guard<std::mutex> lock(mtx_);
    if (stopping_)
      return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (loop_.joinable())
    loop_.join();
  const held mine = own_.held();
  std::vector<partition_id> parts;
  for (const auto& [p, token] : mine)
    parts.push_back(p);
  drop(parts);
  try {
    coord_.release(opts_.node_id, mine);
    coord_.leave(opts_.node_id);
    spdlog::info("cluster: {} left, {} partitions given back", opts_.node_id, mine.size());
  } catch (const std::exception& e) {
    spdlog::warn("cluster: could not give back leases ({}); they expire in {} ms", e.what(),
                 opts_.lease_ttl.count());
  }
}

void node::run() {
  const auto period = opts_.lease_ttl / 6;
  std::unique_lock<std::mutex> lock(mtx_);
  while (!cv_.wait_for(lock, period, [&] { return stopping_; })) {
    lock.unlock();
    round();
    lock.lock();
  }
}

void node::drop(const std::vector<partition_id>& parts) {
  for (auto p : parts) {
    own_.revoke(p);
    on_lost_(p);
  }
}

void node::round() {
  const auto started = std::chrono::steady_clock::now();
  const auto& me = opts_.node_id;
  try {
    const long long now = coord_.heartbeat(me, opts_.address);
    // Renew first: the leases we hold matter more than new ones.
    // A successful renewal also revalidates leases that had lapsed locally
    // (a slow round): Redis checked they are still ours, token and all.
    const held mine = own_.held();
    const auto lost = coord_.renew(me, mine);
    // The leases hold at least a ttl from `started` in Redis; locally we
    // trust them for 2/3 of it, renewing every 1/6.
    own_.valid_until(started + opts_.lease_ttl * 2 / 3);
    if (!lost.empty()) {
      spdlog::warn("cluster: {} lost {} partitions (lease expired or taken)", me, lost.size());
      drop(lost);
    }
    // Live members: a heartbeat within one lease ttl.
    std::size_t alive = 0;
    for (const auto& m : coord_.members()) {
      if (m.status != "alive")
        continue;
      if (m.heartbeat_ms >= now - opts_.lease_ttl.count())
        ++alive;
      else if (coord_.declare_dead(m.node_id, now - opts_.lease_ttl.count()))
        spdlog::warn("cluster: {} declared {} dead (no heartbeat for {} ms)", me, m.node_id,
                     now - m.heartbeat_ms);
    }
    alive = std::max<std::size_t>(alive, 1);
    const std::size_t fair = (own_.partitions() + alive - 1) / alive;
    const auto leases = coord_.leases();
    std::size_t have = 0;
    std::vector<partition_id> free;
    for (const auto& l : leases) {
      if (l.node == me && own_.token(l.partition) == l.token)
        ++have;
      else if (l.node.empty() || l.node == me) // free, or left by our previous incarnation
        free.push_back(l.partition);
    }
    if (have < fair && !free.empty()) {
      // Start at a place of our own in the list, so nodes that look at the
      // same free partitions at once mostly want different ones.
      const auto start = partition_of_key(me, static_cast<partition_id>(free.size()));
      std::rotate(free.begin(), free.begin() + start, free.end());
      free.resize(std::min(free.size(), fair - have));
      const auto got = coord_.acquire(me, free);
      for (const auto& [p, token] : got) {
        own_.grant(p, token);
        on_gained_(p);
      }
      if (!got.empty())
        spdlog::info("cluster: {} took {} partitions (now {}, fair share {})", me, got.size(),
                     have + got.size(), fair);
    } else if (have > fair) {
      // Above the fair share (a node joined): give back a few per round.
      auto owned = own_.owned();
      const std::size_t n = std::min(opts_.max_moves, have - fair);
      std::vector<partition_id> give(owned.end() - static_cast<std::ptrdiff_t>(n), owned.end());
      held back;
      for (auto p : give)
        back.emplace_back(p, own_.token(p));
      drop(give);
      coord_.release(me, back);
      spdlog::info("cluster: {} gave back {} partitions (fair share {})", me, n, fair);
    }
  } catch (const std::exception& e) {
    // Redis unreachable: ownership lapses by itself 2/3 of a ttl after the
    // last renewal (`ownership::valid_until`); then stop the actors too.
    spdlog::error("cluster: {}: round failed: {}", me, e.what());
    if (own_.lapsed()) {
      std::vector<partition_id> parts;
      for (const auto& [p, token] : own_.held())
        parts.push_back(p);
      if (!parts.empty())
        spdlog::error("cluster: {} dropped its {} partitions: leases not renewed in time", me,
                      parts.size());
      drop(parts);
    }
  }
}

cluster_view node::view() {
  cluster_view v;
  v.node_id = opts_.node_id;
  v.partitions = own_.partitions();
  v.version = coord_.version();
  v.now_ms = coord_.now_ms();
  v.lease_ttl_ms = opts_.lease_ttl.count();
  v.members = coord_.members();
  v.leases = coord_.leases(true);
  return v;
}

} // namespace hotline::cluster
