#pragma once
// Moves closed tickets from Redis to the PostgreSQL archive (issue 14).
//
// A round takes the tickets of the partitions this node owns (their lease:
// one node at a time per partition) closed at least `after` ago, oldest
// first, reads their events, and writes the batch in one transaction (with
// hash chains and day roots, tables.hpp). Only after the commit does it
// delete each ticket from Redis, by a script that checks the partition's
// lease and the event count. A kill at any moment loses nothing (Redis
// keeps a ticket until the archive holds it) and duplicates nothing (rows
// are keyed by ticket and version, ON CONFLICT DO NOTHING; the next round
// writes the same batch again and then deletes).
//
// It is also the store's archive_reader: reads of a ticket Redis no longer
// holds come here.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "adapters/archive/tables.hpp"
#include "adapters/cluster/ownership.hpp"
#include "adapters/redis/store.hpp"

namespace hotline::archive {

struct archiver_options {
  /// How long after its close a ticket leaves Redis.
  std::chrono::milliseconds after = std::chrono::hours(24 * 7);
  /// Tickets per transaction.
  std::size_t batch = 200;
  /// Pause between rounds that found less than a full batch.
  std::chrono::milliseconds every = std::chrono::seconds(5);
  /// TESTS ONLY: after this many committed batches the process kills
  /// itself (SIGKILL) before deleting the batch from Redis.
  int kill_after_batches = 0;
};

class archiver : public redis::archive_reader {
 public:
  archiver(redis::store& store, tables& db, const cluster::ownership& own,
           std::function<routing::instant()> now, archiver_options opts);
  ~archiver() override;

  /// Once per deployment: queues the tickets closed before the archive
  /// existed (their appends wrote no hl:closed entry). Returns how many.
  std::size_t queue_earlier_closed();
  /// One round; returns how many tickets left Redis.
  std::size_t run_once();
  /// Runs rounds on a thread of its own until stop().
  void start();
  void stop();

  std::vector<std::string> events(const std::string& no) override;

 private:
  redis::store& store_;
  tables& db_;
  const cluster::ownership& own_;
  std::function<routing::instant()> now_;
  archiver_options opts_;
  int batches_ = 0;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace hotline::archive
