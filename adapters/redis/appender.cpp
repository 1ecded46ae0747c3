#include "adapters/redis/appender.hpp"

#include <spdlog/spdlog.h>

namespace hotline::redis {

appender::appender(store& s, const endpoint& ep, std::size_t lanes, std::size_t max_batch)
    : store_(s), ep_(ep), max_batch_(std::max<std::size_t>(1, max_batch)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, lanes) + 1; ++i)
    lanes_.push_back(std::make_unique<lane>());
  for (auto& l : lanes_)
    l->thread = std::thread([this, p = l.get()] { run(*p); });
}

appender::~appender() {
  for (auto& l : lanes_) {
    std::lock_guard<std::mutex> lock(l->mtx);
    l->stopping = true;
    l->cv.notify_all();
  }
  for (auto& l : lanes_)
    if (l->thread.joinable())
      l->thread.join();
}

appender::lane& appender::lane_of(std::size_t key, bool timer) {
  // The last lane is the timers'.
  return *lanes_[timer ? lanes_.size() - 1 : key % (lanes_.size() - 1)];
}

void appender::enqueue(lane& l, item i) {
  {
    std::lock_guard<std::mutex> lock(l.mtx);
    l.queue.push_back(std::move(i));
  }
  l.cv.notify_one();
}

void appender::submit(std::size_t key, store::prepared_append a, done k, bool timer) {
  enqueue(lane_of(key, timer), {std::move(a), std::move(k), {}, {}});
}

void appender::load(std::size_t key, std::string no, loaded k, bool timer) {
  enqueue(lane_of(key, timer), {{}, {}, std::move(no), std::move(k)});
}

void appender::run(lane& l) {
  std::unique_ptr<connection> conn;
  std::vector<item> batch;
  std::vector<store::prepared_append> appends;
  std::vector<std::string> nos;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(l.mtx);
      l.cv.wait(lock, [&] { return l.stopping || !l.queue.empty(); });
      if (l.queue.empty())
        return; // stopping, and everything submitted was answered
      // Everything gathered while the previous round trip was in flight.
      while (!l.queue.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(l.queue.front()));
        l.queue.pop_front();
      }
    }
    // The appends, then the reads, each in one pipeline. A ticket has at
    // most one of either in flight, so nothing of one ticket is reordered.
    appends.clear();
    nos.clear();
    for (auto& i : batch) {
      if (i.lk)
        nos.push_back(std::move(i.no));
      else
        appends.push_back(std::move(i.append));
    }
    // One round trip on a live connection; a failure drops a broken one
    // (the next trip makes a new one) and is returned.
    auto trip = [&](auto&& send) -> std::string {
      try {
        if (!conn || conn->broken())
          conn = std::make_unique<connection>(ep_);
        send(*conn);
        return {};
      } catch (const std::exception& e) {
        if (conn && conn->broken())
          conn.reset();
        return e.what();
      }
    };
    std::vector<store::batch_result> out;
    std::vector<store::load_result> read;
    if (!appends.empty()) {
      ++round_trips_;
      if (auto err = trip([&](connection& c) { out = store_.append_batch(c, appends); });
          !err.empty()) {
        // The round trip failed: some scripts may have run. Every append of
        // the batch has an unknown outcome, and says so.
        spdlog::error("appender: {} appends, outcome unknown: {}", appends.size(), err);
        out.assign(appends.size(), store::batch_result{{}, err});
      }
    }
    if (!nos.empty()) {
      ++read_trips_;
      if (auto err = trip([&](connection& c) { read = store_.load_batch(c, nos); }); !err.empty())
        read.assign(nos.size(), store::load_result{{}, err});
    }
    appends_ += appends.size();
    std::size_t a = 0, n = 0;
    for (auto& i : batch) {
      if (i.lk)
        i.lk(std::move(read[n++]));
      else
        i.k(std::move(out[a++]));
    }
    batch.clear();
  }
}

} // namespace hotline::redis
