#pragma once
// Webhook subscriptions and their delivery state in Redis (issue 10).
//
// Layout (prefix "hl"):
//   hl:wh:ids          SET  every subscription id ("wh_" + 16 hex digits).
//   hl:wh:s:{id}       HASH url, sec (the secret, AES-256-GCM sealed, bound
//                      to the id), ev / un (the events and units it wants,
//                      comma-separated, "" = all), c (the cursor: the id of
//                      the last feed entry done, delivered or parked), r
//                      (dead letters queued for replay), at, by.
//   hl:wh:dead:{id}    HASH event id → dead letter (JSON): parked after the
//                      last failed try, until replayed.
//   hl:wh:replay:{id}  HASH event id → dead letter queued for replay.
// The cursor only moves forward (a Lua compare of stream ids), and the
// writes of the delivering node (advance, park, replayed) are fenced by the
// lease of the subscription's partition, like the ticket appends: a paused
// former owner cannot write after a takeover.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adapters/cluster/partitioning.hpp"
#include "adapters/redis/connection.hpp"
#include "adapters/redis/feed.hpp"

namespace hotline::webhooks {

/// A subscription as stored. The secret stays sealed: only the delivering
/// engine opens it (`store::secret`), and no view shows it.
struct subscription {
  std::string id;
  std::string url;
  std::vector<std::string> events; // empty: every step
  std::vector<std::string> units;  // empty: every unit
  std::string cursor;              // the last feed entry done
  long long pending_replays = 0;
  std::int64_t created_at = 0;
  std::string created_by;
  std::string sealed_secret;

  /// Whether `e` is for this subscription: its step is wanted, and one of
  /// the units it tells is (or every unit is wanted).
  bool wants(const redis::push_entry& e) const;
};

/// What to create.
struct new_subscription {
  std::string url;
  std::string secret;
  std::vector<std::string> events;
  std::vector<std::string> units;
  std::string created_by;
};

/// An event that was not delivered: parked after its last failed try.
struct dead_letter {
  std::string id;   // the event id (the feed entry's id)
  std::string step; // X-Hotline-Event
  std::string body; // the JSON body as delivered
  int attempts = 0;
  std::string last_error; // "HTTP 500", "timed out connecting", …
  std::int64_t parked_at = 0;

  std::string to_json() const;
  static std::optional<dead_letter> from_json(const std::string& text);
};

/// What a fenced write of the delivering node came to.
enum class write_outcome {
  done,   // written (or the cursor was already there or beyond)
  gone,   // the subscription was deleted
  fenced, // the partition's lease is not ours any more
};

class store {
 public:
  /// `key`: 32 bytes, the key secrets are sealed with.
  store(redis::pool& p, std::string key, std::string prefix = "hl",
        cluster::partition_id partitions = cluster::default_partitions);

  /// Creates a subscription whose cursor is the feed's newest entry now
  /// (only later events go to it); returns it.
  subscription create(const new_subscription& s, std::int64_t now);
  /// Every subscription, oldest first.
  std::vector<subscription> list();
  /// Those of `ids` (the ones that still exist), in one round trip.
  std::vector<subscription> load(const std::vector<std::string>& ids);
  /// Every subscription id.
  std::vector<std::string> ids();
  std::optional<subscription> get(const std::string& id);
  /// Deletes a subscription with its dead letters; false if unknown.
  bool remove(const std::string& id);
  /// The secret in clear; nullopt if it does not open (wrong key).
  std::optional<std::string> secret(const subscription& s) const;

  /// The dead letters of `id`, oldest first; nullopt for an unknown id.
  std::optional<std::vector<dead_letter>> dead_letters(const std::string& id);
  /// The dead letters queued for replay, oldest first.
  std::vector<dead_letter> replays(const std::string& id);

  /// Queues dead letters for replay: `ids`, or all when empty. All or
  /// nothing: `missing` gets the first id that is not a dead letter of the
  /// subscription, and nothing moves. nullopt for an unknown subscription;
  /// else the ids queued.
  struct replay_result {
    std::vector<std::string> queued;
    std::string missing;
  };
  std::optional<replay_result> replay(const std::string& id, const std::vector<std::string>& ids);

  // --- the delivering node's writes, fenced by `fence` (ownership::fence) --

  /// Moves the cursor to `event_id` if that is beyond it.
  write_outcome advance(const std::string& id, const std::string& event_id,
                        const std::string& fence);
  /// Parks `d` as a dead letter: from the feed (the cursor moves past it),
  /// or from the replay queue (it leaves the queue).
  write_outcome park(const std::string& id, const dead_letter& d, bool from_replay,
                     const std::string& fence);
  /// A replayed dead letter was delivered: it leaves the queue.
  write_outcome replayed(const std::string& id, const std::string& event_id,
                         const std::string& fence);

  /// The partition a subscription belongs to.
  cluster::partition_id partition_of(const std::string& id) const;
  cluster::partition_id partitions() const { return partitions_; }
  std::string subscription_key(const std::string& id) const { return prefix_ + ":wh:s:" + id; }
  std::string feed_key() const { return prefix_ + ":push:feed"; }

 private:
  std::string ids_key() const { return prefix_ + ":wh:ids"; }
  std::string dead_key(const std::string& id) const { return prefix_ + ":wh:dead:" + id; }
  std::string replay_key(const std::string& id) const { return prefix_ + ":wh:replay:" + id; }
  std::string lease_key(const std::string& id) const;
  write_outcome outcome_of(long long code, const char* what);

  redis::pool& pool_;
  std::string key_;
  std::string prefix_;
  cluster::partition_id partitions_;
};

/// True if `id` may be a subscription id ("wh_" + 16 lowercase hex).
bool valid_subscription_id(const std::string& id);

} // namespace hotline::webhooks
