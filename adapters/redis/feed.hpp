#pragma once
// The push feed (issue 10): every notice of a ticket step, written by the
// append script in the same atomic step as the events (adapters/redis/store),
// so a notice exists exactly when its step was persisted.
//
// Layout (prefix "hl"):
//   hl:push:feed      STREAM  one entry per notice, all units: fields
//                     e = step ("dispatched", …), u = the units told,
//                     comma-separated, s = the ticket's summary after the
//                     step (MessagePack, codec.hpp), so a unit's projection
//                     follows from it, h = the units whose worklist the step
//                     changed, w = the node that wrote it.
//   hl:push:u:{unit}  STREAM  the notices of one unit: e, and d = the data
//                     (JSON object, no "id"), each with the same id as in
//                     the feed: one event id everywhere (SSE `id:`,
//                     X-Hotline-Event-Id, Last-Event-ID). The data is kept
//                     once per unit told, not again in the feed: readers of
//                     the feed get it from the first unit's stream.
// Entries older than the retention (default 7 days) are trimmed by the
// appends themselves (XADD MINID ~).

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "adapters/redis/connection.hpp"

namespace hotline::redis {

/// One notice as stored. `summary` is empty for entries read from a unit's
/// stream (which keeps only e and d).
struct push_entry {
  std::string id; // Redis stream id "ms-seq"
  std::string step;
  std::vector<std::string> units;
  std::string data;
  std::string summary;
  std::vector<std::string> worklists; // "h": worklists the step changed
  std::string writer;                 // "w": the node that wrote it
};

/// A Redis stream id "ms-seq" (both decimal, fitting 64 bits).
struct stream_id {
  unsigned long long ms = 0, seq = 0;
  static std::optional<stream_id> parse(std::string_view s);
  std::string str() const;
  friend bool operator<(const stream_id& a, const stream_id& b) {
    return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq);
  }
  friend bool operator==(const stream_id& a, const stream_id& b) {
    return a.ms == b.ms && a.seq == b.seq;
  }
};

/// Whether stream id `a` comes before `b` (numerically; text order for a
/// string that is no stream id, so sorting stays a total order).
bool stream_before(const std::string& a, const std::string& b);

/// The comma-separated lists of the feed's fields and of webhook
/// subscriptions (unit ids and step names hold no comma); "" is no item.
std::string join_list(const std::vector<std::string>& items);
std::vector<std::string> split_list(const std::string& csv);

/// The data of a notice with its id as the first member: what an SSE
/// client and a webhook receiver get.
std::string with_id(const std::string& data, const std::string& id);

class feed {
 public:
  explicit feed(pool& p, std::string prefix = "hl");

  std::string feed_key() const { return prefix_ + ":push:feed"; }
  const std::string& prefix() const { return prefix_; }
  std::string unit_key(const std::string& unit) const { return prefix_ + ":push:u:" + unit; }

  /// A notice that is no ticket's step (issue 13: a knowledge-base
  /// maintenance request, a review reminder): into the feed and into each
  /// unit's stream under one id, as the append script writes a step's.
  /// Returns the id.
  std::string publish(const std::string& step, const std::vector<std::string>& units,
                      const std::string& data, std::int64_t keep_after_ms);

  /// The id of the newest entry of the feed, "0-0" when it is empty.
  std::string last_id();
  /// At most `count` feed entries after `id` (exclusive), oldest first,
  /// with their data (only those `which` accepts, when given).
  std::vector<push_entry> after(const std::string& id, std::size_t count,
                                const std::function<bool(const push_entry&)>& which = nullptr);
  /// At most `count` entries of `unit`'s stream after `id`, oldest first.
  std::vector<push_entry> unit_after(const std::string& unit, const std::string& id,
                                     std::size_t count);

 private:
  pool& pool_;
  std::string prefix_;
};

/// Reads the entries of a stream reply (XRANGE, or one stream of XREAD).
std::vector<push_entry> parse_entries(const redisReply* r);
/// Fills in the data of feed entries (those `which` accepts, all without
/// it) from their units' streams, in one pipelined round trip.
void fill_data(connection& c, const std::string& prefix, std::vector<push_entry>& entries,
               const std::function<bool(const push_entry&)>& which = nullptr);

/// Follows the feed on a connection of its own (XREAD BLOCK) and hands each
/// new entry, in order, to `sink` on its own thread. Starts after the entry
/// that is newest when it starts; reconnects after a failure and goes on
/// from the last entry it handed over, so nothing written meanwhile is
/// skipped. An entry's data is read (from its unit's stream) only if
/// `wants_data` says so, e.g. when a client on this node listens.
class feed_tail {
 public:
  using sink = std::function<void(const push_entry&)>;
  using filter = std::function<bool(const push_entry&)>;
  feed_tail(endpoint ep, std::string prefix, sink s, filter wants_data = nullptr);
  ~feed_tail();
  feed_tail(const feed_tail&) = delete;
  feed_tail& operator=(const feed_tail&) = delete;
  /// The id of the last entry handed over.
  std::string position() const;

 private:
  void run();
  endpoint ep_;
  std::string prefix_, key_;
  sink sink_;
  filter wants_data_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mtx_;
  std::string last_;
  std::thread thread_;
};

} // namespace hotline::redis
