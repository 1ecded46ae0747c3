#pragma once
// The knowledge base as the HTTP layer uses it (issue 13): decide and
// append (with a version check, so two nodes never both win), read, search.
// The search index follows the stored changes before each search, so an
// article written on any node is found on every node.
// Blocks on Redis: call from the blocking pool, never from an io thread.

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/knowledge/index.hpp"
#include "adapters/knowledge/store.hpp"
#include "adapters/redis/feed.hpp"

namespace hotline::knowledge {

class service {
 public:
  /// The search index's files go under `index_parent` (hotlined: its data
  /// dir).
  explicit service(redis::pool& p,
                   const std::filesystem::path& index_parent
                   = std::filesystem::temp_directory_path(),
                   std::string prefix = "hl");

  /// Stores the seeds not stored yet, published as they are (an article
  /// changed since is left alone: Redis holds the truth); then indexes
  /// every article. Returns how many were seeded.
  std::size_t start(const std::vector<routing::kb::seed>& seeds, routing::instant now);

  struct outcome {
    routing::kb::article article;
    std::optional<routing::kb::refusal> refused;
  };
  /// Runs `cmd` on article `id` ("" with `create`: a fresh id is drawn).
  outcome act(std::string id, const routing::kb::command& cmd, routing::instant now,
              const routing::person& by);
  /// The article as stored now; nullopt if there is none.
  std::optional<routing::kb::article> get(const std::string& id);
  std::vector<search_hit> search(const search_query& q);
  /// Counts uses of articles in `month` ("2026-11"): what = shown (in
  /// search results), opened (read), cited (in a direct answer).
  void count(const std::string& month,
             const std::vector<std::pair<std::string, std::string>>& uses) {
    store_.count(month, uses);
  }
  std::map<std::string, long long> usage(const std::string& month) { return store_.usage(month); }
  store& stored() { return store_; }

  /// M-KB-2: tells each owner once that a live article's review-by date is
  /// within `days` ("kb_review_due"), and the owner and the office once it
  /// has passed ("kb_review_overdue"), through the push feed (SSE,
  /// webhooks; entries older than `keep_after_ms` trimmed). Returns how
  /// many notices went out.
  std::size_t remind(routing::civil_date today, const std::string& office_id, redis::feed& feed,
                     std::int64_t keep_after_ms, int days = 14);
  /// Every stored article (for the office's statistics).
  std::vector<routing::kb::article> all();
  std::size_t indexed() const { return index_.documents(); }

 private:
  void sync();
  store store_;
  index index_;
  std::mutex sync_mtx_;
  std::int64_t seen_ = 0;
};

} // namespace hotline::knowledge
