#pragma once
// The webhook engine (issue 10, item 4): delivers the push feed
// (adapters/redis/feed.hpp) to the subscriptions whose partition this node
// owns, each strictly in feed order, at least once.
//
// - Ownership: a subscription belongs to partition hash(id) mod P; only the
//   lease holder of that partition delivers it (cluster::ownership), and its
//   state writes are fenced by that lease. A new owner goes on from the
//   durable cursor.
// - Order: one subscription is worked on by one task at a time; its next
//   entry is sent only after the previous one was answered 2xx or parked
//   (head-of-line blocking), so a receiver sees each ticket's steps, and all
//   steps, in order.
// - Durability: the cursor (the last feed entry done) moves in Redis only
//   after a 2xx or after parking, so a node that dies mid-way makes the next
//   owner send at most the event in flight again, with the same id.
// - Retries: a failure (non-2xx, refused, timed out) is tried again after
//   backoff(attempt) = base·2^(attempt-1), at most the cap; after
//   `max_attempts` tries the event is parked as a dead letter and the next
//   one goes. The count of tries is kept in memory: after a takeover the
//   event in flight gets its tries afresh.
// - Wake-up: a poll every `poll` interval, or notify() (e.g. from a feed
//   tail) at once.
// Threads: one loop that plans, `threads` workers that deliver; stop() (and
// the destructor) abandons deliveries in flight and joins them all.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "adapters/cluster/ownership.hpp"
#include "adapters/redis/feed.hpp"
#include "adapters/webhooks/delivery.hpp"
#include "adapters/webhooks/subscriptions.hpp"

namespace hotline::webhooks {

struct engine_options {
  int max_attempts = 8;
  std::chrono::milliseconds backoff_base{500};
  std::chrono::milliseconds backoff_cap{60000};
  /// Per delivery: resolve, connect, send and the receiver's status line.
  std::chrono::milliseconds timeout{5000};
  std::chrono::milliseconds poll{100};
  /// Plans (reads of the subscriptions) at most this often, however many
  /// notices wake the engine.
  std::chrono::milliseconds min_interval{20};
  std::size_t threads = 4;
  /// Feed entries read per round trip.
  std::size_t batch = 200;
  /// TLS: a PEM file of CAs to trust besides the system's.
  std::string ca_file;
};

/// Counters for /metrics; monotonic since start.
struct engine_stats {
  std::uint64_t delivered = 0; // answered 2xx
  std::uint64_t failed = 0;    // tries that failed
  std::uint64_t parked = 0;    // events parked as dead letters
};

class engine {
 public:
  engine(store& subs, redis::feed& feed, const cluster::ownership& own, engine_options opts);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  void start();
  /// Abandons deliveries in flight (their events stay due) and joins every
  /// thread. Idempotent.
  void stop();
  /// New feed entries, or a replay: look now rather than at the next poll.
  void notify();

  engine_stats stats() const;
  const engine_options& options() const { return opts_; }

 private:
  struct progress; // one subscription's state on this node
  void loop();
  void plan();
  void work(subscription s, std::shared_ptr<progress> st);
  enum class sent { delivered, waiting, stop };
  struct attempt_of; // what one delivery sends
  sent deliver(const subscription& s, const attempt_of& a, progress& st);

  store& subs_;
  redis::feed& feed_;
  const cluster::ownership& own_;
  engine_options opts_;

  std::atomic<bool> stop_{false};
  std::mutex mtx_;
  std::condition_variable cv_;
  bool woken_ = false;
  std::map<std::string, std::shared_ptr<progress>> progress_;
  std::atomic<std::uint64_t> delivered_{0}, failed_{0}, parked_{0};
  struct pool;
  std::unique_ptr<pool> pool_;
  std::thread loop_;
};

} // namespace hotline::webhooks
