#pragma once
// Early warnings raised at once (issue 14 item 4, M-D-1): the detector reads
// the hourly buckets the appends keep (keys.hpp), runs the pure tests of
// routing/warnings.hpp, raises each warning once per key (SET NX with the
// log entry, in one script: any node may run it, the first wins), and
// pushes it to the office through the push feed (its SSE stream and the
// webhooks subscribed to step "warning"). Item 5 (the briefs) reads the
// warnings of a period through `list`.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "adapters/monitor/keys.hpp"
#include "adapters/redis/connection.hpp"
#include "adapters/redis/feed.hpp"
#include "routing/directory.hpp"
#include "routing/warnings.hpp"

namespace hotline::monitor {

/// A warning as stored, pushed and answered (JSON object).
nlohmann::json to_json(const routing::warn::warning& w, const routing::directory& dir);
/// Back from its JSON; throws std::exception on a malformed entry.
routing::warn::warning from_json(const nlohmann::json& j);

class detector {
 public:
  /// `feed` may be null (nothing pushed); `office_id` is told each warning;
  /// `keep` how long the feed keeps a notice (issue 10).
  detector(redis::pool& pool, std::string prefix, const routing::warn::thresholds& t,
           const routing::directory& dir, redis::feed* feed, std::chrono::milliseconds keep);
  ~detector();
  detector(const detector&) = delete;
  detector& operator=(const detector&) = delete;

  /// Runs every test at `now` and raises what it finds, once per key (a
  /// warning another run or node raised first is not returned again).
  /// Without `units`, the units' overdue counts are left for a later run
  /// (they change with time, not with demands, and cost a read per unit).
  /// Returns the warnings newly raised. Throws when Redis fails.
  std::vector<routing::warn::warning> detect(routing::instant now, bool units = true);

  /// The warnings found in [from, to), oldest first, at most `limit`.
  std::vector<routing::warn::warning> list(routing::instant from, routing::instant to,
                                           std::size_t limit);

  /// Runs detect(now()) on a thread of its own every `every`, and soon
  /// (at most once per `gap`) after poke().
  void start(std::function<routing::instant()> now, std::chrono::milliseconds every,
             std::chrono::milliseconds gap = std::chrono::milliseconds(500));
  void stop();
  /// A new demand was stored: run soon. Cheap, never blocks on Redis.
  void poke();

  struct stats {
    std::uint64_t runs = 0, raised = 0, failures = 0;
  };
  stats counts() const;

 private:
  void run(std::function<routing::instant()> now, std::chrono::milliseconds every,
           std::chrono::milliseconds gap);
  void surges(redis::connection& c, routing::instant now, std::vector<routing::warn::warning>& out);
  void clusters(redis::connection& c, routing::instant now,
                std::vector<routing::warn::warning>& out);
  void repeats(redis::connection& c, routing::instant now,
               std::vector<routing::warn::warning>& out);
  void overdue(redis::connection& c, routing::instant now,
               std::vector<routing::warn::warning>& out);
  bool raise(redis::connection& c, const routing::warn::warning& w);

  redis::pool& pool_;
  keys keys_;
  const routing::warn::thresholds& t_;
  const routing::directory& dir_;
  redis::feed* feed_;
  std::chrono::milliseconds keep_;
  std::string raise_sha_;

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  bool stopping_ = false;
  /// Set by poke() without the lock (it is on the intake's path); the lock
  /// is taken only to wake the thread, once per run.
  std::atomic<bool> poked_{false};
  stats stats_;
  std::thread thread_;
};

} // namespace hotline::monitor
