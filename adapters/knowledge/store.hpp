#pragma once
// The knowledge base in Redis (issue 13): each article an event list, like
// a ticket (DESIGN rule 1), so every version and every review is kept.
//
//   hl:kb:a:{id}     LIST of MessagePack events, oldest first.
//   hl:kb:ids        SET of every article id.
//   hl:kb:seq        INTEGER the last number drawn for an article id.
//   hl:kb:rev        INTEGER bumped by every append.
//   hl:kb:changed    ZSET article id scored by the rev of its last append:
//                    every node's search index follows it (changes_after).
//   hl:kb:requests   HASH request id → JSON: the office's maintenance
//                    requests to units for questions without an article.
//   hl:kb:reqseq     INTEGER the last request number.
//   hl:kb:reminded   HASH "{id}|{version}|{due|overdue}" → 1: review
//                    reminders sent (M-KB-2), once each.
//   hl:kb:use:{YYYY-MM} HASH "{id}|{shown|opened|cited}" → count, per
//                    Shanghai month (M-KB-3: how entries are used).
// An append is one script: the expected length (version check), the
// events, the id set, the rev and the change index, all or nothing.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "adapters/redis/connection.hpp"
#include "routing/knowledge.hpp"

namespace hotline::knowledge {

/// Events as MessagePack maps {t, at, …}; unknown keys ignored, missing
/// keys defaulted, like the tickets' codec.
std::string encode(const routing::kb::event& e);
/// Throws std::runtime_error for bytes that are not a knowledge event.
routing::kb::event decode(std::string_view bytes);

class store {
 public:
  explicit store(redis::pool& p, std::string prefix = "hl");

  /// A fresh id: "kb-000001", … (articles seeded from configuration keep
  /// their own ids: kb.<area>.<topic>).
  std::string next_id();
  /// Every event of article `id`; empty if it does not exist.
  std::vector<routing::kb::event> load(const std::string& id);
  /// The same for each of `ids`, in order, pipelined.
  std::vector<std::vector<routing::kb::event>> load_many(const std::vector<std::string>& ids);
  /// Appends if the article holds exactly `expected` events; the new rev,
  /// or 0 on a version conflict (someone else wrote first: reload).
  std::int64_t append(const std::string& id, std::uint64_t expected,
                      const std::vector<routing::kb::event>& events);
  /// The current rev and the articles changed after `rev` (in order).
  struct changes {
    std::int64_t rev = 0;
    std::vector<std::string> ids;
  };
  changes changes_after(std::int64_t rev);
  std::int64_t rev();
  std::vector<std::string> all_ids();
  /// Every stored article, folded (the office's statistics, the
  /// evaluation's knowledge-base upkeep).
  std::vector<routing::kb::article> articles();

  /// Adds one to each (article, what) of `month` ("2026-11"), in one round trip.
  void count(const std::string& month,
             const std::vector<std::pair<std::string, std::string>>& uses);
  /// Consultations of `month` answered without an article (hl:kb:uncited:…,
  /// written with the ticket's events).
  std::vector<routing::kb::unanswered> unanswered(const std::string& month);
  /// Article id → direct answers of `month` citing it (hl:kb:cited:…).
  std::map<std::string, long long> citations(const std::string& month);
  /// Maintenance requests (hl:kb:requests: id → JSON), and a fresh id.
  std::string next_request_id();
  void put_request(const std::string& id, const std::string& json);
  std::map<std::string, std::string> requests();
  /// True the first time `what` is marked (HSETNX hl:kb:reminded): a
  /// reminder goes out once, whichever node sends it.
  bool first_time(const std::string& what);
  /// "{id}|{what}" → count, of `month`.
  std::map<std::string, long long> usage(const std::string& month);

 private:
  std::string key(const std::string& kind) const { return prefix_ + ":kb:" + kind; }
  std::string draw(const std::string& counter, const char* prefix);
  redis::pool& pool_;
  std::string prefix_;
};

} // namespace hotline::knowledge
