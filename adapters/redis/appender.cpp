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

void appender::submit(std::size_t key, store::prepared_append a, done k, bool timer) {
  // The last lane is the timers'.
  auto& l = *lanes_[timer ? lanes_.size() - 1 : key % (lanes_.size() - 1)];
  {
    std::lock_guard<std::mutex> lock(l.mtx);
    l.queue.push_back({std::move(a), std::move(k)});
  }
  l.cv.notify_one();
}

void appender::run(lane& l) {
  std::unique_ptr<connection> conn;
  std::vector<item> batch;
  std::vector<store::prepared_append> appends;
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
    appends.clear();
    for (auto& i : batch)
      appends.push_back(std::move(i.append));
    std::vector<store::batch_result> out;
    try {
      if (!conn || conn->broken())
        conn = std::make_unique<connection>(ep_);
      out = store_.append_batch(*conn, appends);
    } catch (const std::exception& e) {
      // The round trip failed: some scripts may have run. Every append of
      // the batch has an unknown outcome, and says so.
      spdlog::error("appender: {} appends, outcome unknown: {}", batch.size(), e.what());
      out.assign(batch.size(), store::batch_result{{}, e.what()});
      if (conn && conn->broken())
        conn.reset();
    }
    appends_ += batch.size();
    ++round_trips_;
    for (std::size_t i = 0; i < batch.size(); ++i)
      batch[i].k(std::move(out[i]));
    batch.clear();
  }
}

} // namespace hotline::redis
