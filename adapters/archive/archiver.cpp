#include "adapters/archive/archiver.hpp"

#include <signal.h>

#include <spdlog/spdlog.h>

namespace hotline::archive {

archiver::archiver(redis::store& store, tables& db, const cluster::ownership& own,
                   std::function<routing::instant()> now, archiver_options opts)
    : store_(store), db_(db), own_(own), now_(std::move(now)), opts_(opts) {}

archiver::~archiver() {
  stop();
}

std::size_t archiver::queue_earlier_closed() {
  if (store_.closed_queue_built())
    return 0;
  std::size_t queued = 0;
  for (const auto& no : store_.all_tickets()) {
    const auto t = routing::fold(store_.load(no));
    if (t.status == routing::ticket_status::closed && t.closed_at) {
      store_.queue_closed(no, *t.closed_at);
      ++queued;
    }
  }
  store_.mark_closed_queue_built();
  if (queued)
    spdlog::info("archive: queued {} tickets closed before the archive existed", queued);
  return queued;
}

std::size_t archiver::run_once() {
  const auto now = now_();
  const auto due = store_.closed_before(own_.owned(), now - opts_.after.count(), opts_.batch);
  if (due.empty())
    return 0;
  std::vector<std::string> nos;
  for (const auto& d : due)
    nos.push_back(d.first);
  const auto raw = store_.raw_events(nos);
  std::vector<closed_ticket> batch;
  for (std::size_t i = 0; i < due.size(); ++i)
    if (!raw[i].empty())
      batch.push_back({due[i].first, due[i].second, raw[i]});
  db_.store(batch, now);
  if (opts_.kill_after_batches > 0 && ++batches_ == opts_.kill_after_batches) {
    spdlog::warn("archive: TEST: killed after {} committed batches", batches_);
    ::raise(SIGKILL);
  }
  std::size_t moved = 0;
  for (std::size_t i = 0; i < due.size(); ++i) {
    const auto fence = own_.fence(store_.partition_of(nos[i]));
    if (!fence)
      continue; // the partition moved: its new owner archives it again
    const int r = store_.forget_archived(nos[i], raw[i].size(), *fence);
    if (r == 1)
      ++moved;
    else if (r == -2)
      spdlog::warn("archive: ticket {} changed while archived; archived again next round", nos[i]);
  }
  if (moved)
    spdlog::info("archive: {} tickets moved to the archive", moved);
  return moved;
}

void archiver::start() {
  thread_ = std::thread([this] {
    try {
      queue_earlier_closed();
    } catch (const std::exception& e) {
      spdlog::error("archive: queueing earlier closed tickets: {}", e.what());
    }
    try {
      // M-E-1: tickets archived before the facts table get theirs once.
      if (db_.deriver())
        facts(db_.pool()).derive_earlier(db_.deriver());
    } catch (const std::exception& e) {
      spdlog::error("archive: deriving the facts of earlier tickets: {}", e.what());
    }
    std::unique_lock<std::mutex> lock(mtx_);
    while (!stopping_) {
      lock.unlock();
      std::size_t moved = 0;
      try {
        moved = run_once();
      } catch (const std::exception& e) {
        spdlog::error("archive: {}", e.what());
      }
      lock.lock();
      // A full batch: more may be due, go on at once.
      if (moved < opts_.batch)
        cv_.wait_for(lock, opts_.every, [&] { return stopping_; });
    }
  });
}

void archiver::stop() {
  {
    std::lock_guard<std::mutex> lock(mtx_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

std::vector<std::string> archiver::events(const std::string& no) {
  return db_.events(no);
}

} // namespace hotline::archive
