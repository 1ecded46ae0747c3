#pragma once
// Group commit (issue 16 item 3): the appends of many tickets that arrive
// together go to Redis in one round trip. Each lane owns one connection and
// one thread; while a round trip is in flight, what is submitted meanwhile
// gathers in the lane's queue and goes out as the next pipeline. Every
// append is still its own script call (fencing, request claim and version
// check each), and its outcome is handed to its own continuation only once
// Redis answered for it: persist before acknowledging stays true.
//
// The same lanes read tickets for their actors (`load`), so that loading a
// passivated ticket does not hold a CAF worker for a round trip either.
//
// The continuations run on the lane's thread: they must not block (the
// ticket actors send themselves a message).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "adapters/redis/store.hpp"

namespace hotline::redis {

class appender {
 public:
  /// `error` not empty: the outcome is unknown (the round trip failed, or
  /// Redis answered an error for this append).
  using done = std::function<void(store::batch_result)>;

  /// `lanes` connections to where `s`'s pool connects, and one more for
  /// the timers (issue 16 item 5: firing them never waits behind intake
  /// work, nor intake behind a storm of timers); at most `max_batch`
  /// appends a round trip.
  appender(store& s, const endpoint& ep, std::size_t lanes = 2, std::size_t max_batch = 256);
  /// Sends what is queued, then stops.
  ~appender();
  appender(const appender&) = delete;
  appender& operator=(const appender&) = delete;

  /// Queues `a` on the lane of `key` (a ticket's appends always share a
  /// lane, so they leave in the order they were submitted); `k` gets its
  /// outcome.
  /// With `timer`, on the timers' lane instead (a ticket has at most one
  /// append in flight, so its appends stay in order across lanes).
  void submit(std::size_t key, store::prepared_append a, done k, bool timer = false);

  /// Issue 16 item 2: reads ticket `no` on the lane of `key` (the timers'
  /// lane with `timer`), in one pipeline with the other reads queued there,
  /// so that a ticket actor never waits on Redis to load; `k` gets the
  /// events (or the error).
  using loaded = std::function<void(store::load_result)>;
  void load(std::size_t key, std::string no, loaded k, bool timer = false);

  /// Appends sent and their round trips so far, and the round trips of
  /// reads (for tests and metrics).
  std::uint64_t appends() const { return appends_.load(); }
  std::uint64_t round_trips() const { return round_trips_.load(); }
  std::uint64_t read_trips() const { return read_trips_.load(); }

 private:
  /// An append (`k` set) or a read (`lk` set).
  struct item {
    store::prepared_append append;
    done k;
    std::string no;
    loaded lk;
  };
  struct lane {
    std::mutex mtx;
    std::condition_variable cv;
    std::deque<item> queue;
    bool stopping = false;
    std::thread thread;
  };
  lane& lane_of(std::size_t key, bool timer);
  void enqueue(lane& l, item i);
  void run(lane& l);

  store& store_;
  endpoint ep_;
  std::size_t max_batch_;
  std::vector<std::unique_ptr<lane>> lanes_;
  std::atomic<std::uint64_t> appends_{0}, round_trips_{0}, read_trips_{0};
};

} // namespace hotline::redis
