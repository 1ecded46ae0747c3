#include "adapters/webhooks/engine.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace hotline::webhooks {

namespace {

using steady = std::chrono::steady_clock;

using redis::stream_before;

const std::string& later(const std::string& a, const std::string& b) {
  return stream_before(a, b) ? b : a;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

/// One subscription's delivery state on this node. `busy` is held by the
/// one task working on it; the rest is guarded by `m` (the loop reads it).
struct engine::progress {
  std::atomic<bool> busy{false};
  std::mutex m;
  std::string in_flight; // "f:{id}" from the feed, "r:{id}" a replay
  int attempts = 0;      // failed tries of in_flight
  steady::time_point next_try{};
  std::string cursor; // the cursor this node last wrote
};

/// What one delivery sends, and with what state around it.
struct engine::attempt_of {
  const target& to;
  const std::string& secret;
  const std::string& fence;
  const std::string& event_id;
  const std::string& step;
  const std::string& body;
  bool from_replay;
};

struct engine::pool {
  explicit pool(std::size_t n) : threads(n) {}
  boost::asio::thread_pool threads;
};

engine::engine(store& subs, redis::feed& feed, const cluster::ownership& own, engine_options opts)
    : subs_(subs), feed_(feed), own_(own), opts_(std::move(opts)) {
  if (opts_.max_attempts < 1)
    throw std::invalid_argument("webhooks: max_attempts must be at least 1");
  if (opts_.threads < 1)
    opts_.threads = 1;
  if (opts_.batch < 1)
    opts_.batch = 1;
}

engine::~engine() {
  stop();
}

void engine::start() {
  if (loop_.joinable() || stop_)
    return;
  pool_ = std::make_unique<pool>(opts_.threads);
  loop_ = std::thread([this] { loop(); });
}

void engine::stop() {
  if (stop_.exchange(true))
    return;
  notify();
  if (loop_.joinable())
    loop_.join();
  if (pool_)
    pool_->threads.join();
}

void engine::notify() {
  {
    std::lock_guard<std::mutex> lock(mtx_);
    woken_ = true;
  }
  cv_.notify_all();
}

engine_stats engine::stats() const {
  return {delivered_.load(), failed_.load(), parked_.load()};
}

void engine::loop() {
  auto last_warning = steady::time_point{};
  while (!stop_) {
    auto wake = steady::now() + opts_.poll;
    const auto planned = steady::now();
    try {
      plan();
      // Wake early for a retry that falls due before the next poll.
      std::lock_guard<std::mutex> lock(mtx_);
      for (const auto& [id, st] : progress_) {
        if (st->busy)
          continue;
        std::lock_guard<std::mutex> l(st->m);
        if (st->attempts > 0)
          wake = std::min(wake, st->next_try);
      }
    } catch (const std::exception& e) {
      // Redis away: say so every few seconds, not every poll.
      if (steady::now() - last_warning > std::chrono::seconds(5)) {
        spdlog::warn("webhooks: {}; trying again", e.what());
        last_warning = steady::now();
      }
    }
    // A busy feed wakes the loop on every notice: plan at most every
    // `min_interval` (each plan reads the subscriptions from Redis).
    const auto earliest = planned + opts_.min_interval;
    std::unique_lock<std::mutex> lock(mtx_);
    cv_.wait_until(lock, wake, [&] { return woken_ || stop_; });
    if (!stop_ && steady::now() < earliest)
      cv_.wait_until(lock, earliest, [&] { return stop_.load(); });
    woken_ = false;
  }
}

void engine::plan() {
  std::vector<std::string> mine;
  for (const auto& id : subs_.ids())
    if (own_.owns(subs_.partition_of(id)))
      mine.push_back(id);
  auto subs = subs_.load(mine);
  const auto newest = subs.empty() ? std::string("0-0") : feed_.last_id();
  const auto now = steady::now();
  std::lock_guard<std::mutex> lock(mtx_);
  // Forget what is not ours (any more): if it comes back, it starts from
  // the cursor in Redis with its tries afresh.
  std::set<std::string> keep;
  for (const auto& s : subs)
    keep.insert(s.id);
  for (auto i = progress_.begin(); i != progress_.end();)
    i = !keep.count(i->first) && !i->second->busy ? progress_.erase(i) : std::next(i);
  for (auto& s : subs) {
    auto& st = progress_[s.id];
    if (!st)
      st = std::make_shared<progress>();
    if (st->busy)
      continue;
    {
      std::lock_guard<std::mutex> l(st->m);
      if (st->attempts > 0 && now < st->next_try)
        continue;
      if (s.pending_replays <= 0 && !stream_before(later(s.cursor, st->cursor), newest))
        continue;
    }
    st->busy = true;
    boost::asio::post(pool_->threads, [this, s = std::move(s), st] {
      try {
        work(s, st);
      } catch (const std::exception& e) {
        spdlog::warn("webhooks: subscription {}: {}", s.id, e.what());
      }
      st->busy = false;
      notify();
    });
  }
}

void engine::work(subscription s, std::shared_ptr<progress> st) {
  const auto p = subs_.partition_of(s.id);
  const auto fence = own_.fence(p);
  if (!fence || stop_)
    return;
  const auto secret = subs_.secret(s);
  const auto to = parse_url(s.url);
  if (!secret || !to) {
    spdlog::error("webhooks: subscription {} cannot be delivered: {}", s.id,
                  secret ? "its URL does not parse" : "its secret does not open with this key");
    std::lock_guard<std::mutex> l(st->m);
    st->attempts = 1;
    st->next_try = steady::now() + opts_.backoff_cap;
    return;
  }
  // Replays first: what the office asked to send again.
  if (s.pending_replays > 0)
    for (const auto& d : subs_.replays(s.id))
      if (deliver(s, {*to, *secret, *fence, d.id, d.step, d.body, true}, *st) != sent::delivered)
        return;

  std::string durable;
  {
    std::lock_guard<std::mutex> l(st->m);
    durable = later(s.cursor, st->cursor);
  }
  std::string scanned = durable;
  // Skipped entries (not wanted) move the cursor too, once per round trip.
  auto save_skips = [&] {
    if (!stream_before(durable, scanned))
      return true;
    if (subs_.advance(s.id, scanned, *fence) != write_outcome::done)
      return false;
    std::lock_guard<std::mutex> l(st->m);
    st->cursor = durable = scanned;
    return true;
  };
  const auto budget = steady::now() + std::chrono::seconds(2);
  while (!stop_) {
    // Data only for what this subscription wants.
    const auto entries = feed_.after(scanned, opts_.batch,
                                     [&s](const redis::push_entry& e) { return s.wants(e); });
    if (entries.empty())
      break;
    for (const auto& e : entries) {
      if (stop_ || !own_.owns(p))
        return;
      if (!s.wants(e)) {
        scanned = e.id;
        continue;
      }
      if (!save_skips())
        return;
      const auto body = redis::with_id(e.data, e.id);
      if (deliver(s, {*to, *secret, *fence, e.id, e.step, body, false}, *st) != sent::delivered)
        return;
      scanned = durable = e.id;
    }
    if (steady::now() > budget)
      break; // let other subscriptions have the threads; the loop comes back
  }
  save_skips();
}

engine::sent engine::deliver(const subscription& s, const attempt_of& a, progress& st) {
  const std::string key = (a.from_replay ? "r:" : "f:") + a.event_id;
  {
    std::lock_guard<std::mutex> l(st.m);
    if (st.in_flight != key) {
      st.in_flight = key;
      st.attempts = 0;
    }
    if (st.attempts > 0 && steady::now() < st.next_try)
      return sent::waiting;
  }
  post_options po;
  po.timeout = opts_.timeout;
  po.ca_file = opts_.ca_file;
  po.stop = &stop_;
  const auto res = post(a.to,
                        {{"X-Hotline-Event-Id", a.event_id},
                         {"X-Hotline-Event", a.step},
                         {"X-Hotline-Signature", signature(a.secret, a.body)}},
                        a.body, po);
  if (stop_)
    return sent::stop;
  auto settle = [&](write_outcome w) {
    if (w == write_outcome::done) {
      std::lock_guard<std::mutex> l(st.m);
      st.in_flight.clear();
      st.attempts = 0;
      if (!a.from_replay)
        st.cursor = later(st.cursor, a.event_id);
      return sent::delivered;
    }
    spdlog::info("webhooks: subscription {} {}; leaving it", s.id,
                 w == write_outcome::gone ? "was deleted" : "moved to another node");
    return sent::stop;
  };
  if (res.ok()) {
    ++delivered_;
    return settle(a.from_replay ? subs_.replayed(s.id, a.event_id, a.fence)
                                : subs_.advance(s.id, a.event_id, a.fence));
  }
  ++failed_;
  int tries;
  {
    std::lock_guard<std::mutex> l(st.m);
    tries = ++st.attempts;
    st.next_try = steady::now() + backoff(tries, opts_.backoff_base, opts_.backoff_cap);
  }
  if (tries < opts_.max_attempts) {
    spdlog::debug("webhooks: subscription {} event {} try {} failed ({}); again in {} ms", s.id,
                  a.event_id, tries, res.describe(),
                  backoff(tries, opts_.backoff_base, opts_.backoff_cap).count());
    return sent::waiting;
  }
  dead_letter d;
  d.id = a.event_id;
  d.step = a.step;
  d.body = a.body;
  d.attempts = tries;
  d.last_error = res.describe();
  d.parked_at = wall_ms();
  const auto w = subs_.park(s.id, d, a.from_replay, a.fence);
  if (w == write_outcome::done) {
    ++parked_;
    spdlog::warn("webhooks: subscription {} parked event {} ({}) after {} tries: {}", s.id,
                 a.event_id, a.step, tries, d.last_error);
  }
  return settle(w);
}

} // namespace hotline::webhooks
