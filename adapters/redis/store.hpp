#pragma once
// The event store on Redis (DESIGN rules 1 and 2).
//
// Layout (prefix "hl"):
//   hl:t:{no}        LIST of MessagePack events, oldest first: the ticket.
//   hl:req:{id}      STRING ticket number claimed by an intake request id.
//   hl:cmd:{key}     STRING ticket number a command with this Idempotency-Key
//                    was applied to (also set for forwarded commands).
//   hl:seq:{date}:{p} INTEGER tickets partition p has numbered on a Shanghai
//                    date (numbering: adapters/cluster/partitioning.hpp).
//   hl:wl:{unit}     HASH ticket number → its summary (codec), for every
//                    ticket in the unit's worklist (routing/notice.hpp
//                    `holders`): the unit actor's projection is rebuilt
//                    from it with one read (issue 10).
//   hl:push:…        the push feed and the units' streams (feed.hpp).
//   hl:tickets       SET of every ticket number (for listings and repair).
//   hl:coordination  SET of tickets waiting for the office (M-RT-2, M-RT-4).
//   hl:returns       HASH unit → tickets it returned (M-RT-4).
//   hl:kb:cited:{YYYY-MM} HASH ticket number → "{article id}|{version}": a
//                    direct answer citing the knowledge base (issue 13).
//   hl:kb:uncited:{YYYY-MM} HASH ticket number → {cat, terms, at} (JSON): a
//                    consultation answered at once without citing an article
//                    (issue 13: the knowledge base's gaps).
//   hl:learn:{cat}   HASH ticket number (a designation) or "{no}|returned|
//                    {unit}" (a return) → encoded evidence: what the office's
//                    decisions teach, for proposals (issue 11, M-RT-2).
//   hl:open:{key}    STRING the open ticket of a caller and matter (M-S-2
//                    repeats); key = HMAC of phone and category.
//   hl:timers:{p}    ZSET "{no}|{level}|{unit}" scored by due time (M-SV-1),
//                    one per partition: written with the events, so a timer
//                    fires exactly once, and moves with its partition.
//   hl:lease:{p}     STRING "node|token": the lease of partition p (issue 4,
//                    adapters/cluster); the fencing value of every write.
//   hl:closed:{p}    ZSET ticket number scored by its close time: the closed
//                    tickets of partition p still in Redis, the archive's
//                    queue (issue 14). Archiving moves a ticket to
//                    PostgreSQL, then deletes hl:t:{no} and its entries here
//                    and in hl:tickets (adapters/archive/archiver.hpp).
//   hl:archive:newest STRING the latest number date (YYYYMMDD) of a ticket
//                    archived: a number without events in Redis and not
//                    newer than it is looked for in the archive.
// Every append is one Lua script: it checks the lease (fencing), claims the
// request id if asked (a claimed id answers "taken" before anything else, so
// a retried command is recognised even after it was applied), checks the
// expected version (the list length), appends the events and updates the
// indexes, all or nothing, so two writers can never both win.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/cluster/partitioning.hpp"
#include "adapters/redis/codec.hpp"
#include "adapters/redis/connection.hpp"
#include "routing/ticket.hpp"

namespace hotline::redis {

/// What an append tells (issue 10), computed by the domain
/// (routing/notice.hpp): the worklists the ticket leaves and enters, and
/// the notices of its steps, written by the same script as the events.
struct push_writes {
  std::vector<std::string> holders_before, holders_after;
  std::string summary; // encoded summary after the events
  struct notice {
    std::string step;
    std::vector<std::string> units;
    std::string data; // JSON object, without id
  };
  std::vector<notice> notices;
  /// Entries older than this (ms since epoch, Redis time) are trimmed.
  std::int64_t keep_after_ms = 0;
  /// Facts derived from the steps, each an HSET of `key` (after the
  /// prefix): what the office's decisions teach (issue 11, "learn:{category}",
  /// routing/proposal.hpp), consultations answered without an article
  /// (issue 13, "kb:uncited:{YYYY-MM}").
  struct hash_write {
    std::string key, field, value;
  };
  std::vector<hash_write> hashes;
  /// Further operations of the append script, each the op and its
  /// arguments, keys in full: the monitoring counters (issue 14 item 4,
  /// adapters/monitor/counters.hpp). Ops: hincrby (key, field, n), expire
  /// (key, seconds), sadd, srem (key, member), zadd (key, member, score),
  /// zrem (key, member), hset (key, field, value).
  std::vector<std::vector<std::string>> ops;
};

/// Where the events of tickets no longer in Redis are (issue 14): the
/// PostgreSQL archive. Asked only when Redis holds no events for a number
/// not newer than hl:archive:newest.
class archive_reader {
 public:
  virtual ~archive_reader() = default;
  /// The archived events of `no`, oldest first; empty if none. Throws when
  /// the archive cannot be read (the ticket is then unavailable, not
  /// unknown).
  virtual std::vector<std::string> events(const std::string& no) = 0;
};

struct append_result {
  enum class outcome { appended, version_conflict, request_taken, fenced };
  outcome result = outcome::appended;
  std::uint64_t version = 0;   // the stream's length after (or at) the attempt
  std::string existing_ticket; // for request_taken: who owns the request id
};

class store {
 public:
  explicit store(pool& p, std::string prefix = "hl",
                 cluster::partition_id partitions = cluster::default_partitions);

  /// What an intake needs to know, in one round trip: the ticket its
  /// request id already created, the open ticket of its repeat key ("" for
  /// none), and a fresh number of date `d` in partition `p` (unused, and
  /// so skipped, when the intake turns out a retry or a repeat).
  struct intake_facts {
    std::optional<std::string> existing;
    std::optional<std::string> open_repeat;
    std::string fresh_no;
  };
  /// The open ticket of a caller's matter (M-S-2), if any: a read only,
  /// for the routing preview (issue 15).
  std::optional<std::string> open_repeat(const std::string& repeat_key);
  intake_facts intake_lookup(const std::string& request_id, const std::string& repeat_key,
                             routing::civil_date d, cluster::partition_id p);

  /// Where the store's Redis is (for the group commit's own connections).
  const endpoint& where() const { return pool_.where(); }
  /// The key prefix ("hl").
  const std::string& prefix() const { return prefix_; }
  /// The partition of ticket `no`.
  cluster::partition_id partition_of(const std::string& no) const;
  cluster::partition_id partitions() const { return partitions_; }
  /// The key of partition p's lease.
  std::string lease_key(cluster::partition_id p) const;

  /// The ticket that holds a claim ("req:{id}" or "cmd:{key}"), if any.
  std::optional<std::string> find_claim(const std::string& claim);

  /// Appends `events` to ticket `no` if it holds exactly `expected_version`
  /// events. `before` is the ticket's state before them (for the indexes).
  /// With `claim_request` ("req:{id}" or "cmd:{key}"), the claim is taken
  /// atomically: if any ticket holds it, nothing is written and
  /// request_taken is returned.
  /// `by` is the person who gave the command, stored with each event.
  /// With `push`, the worklists and the push feed change with the events.
  /// With `fence` ("node|token"), nothing is written (fenced) unless the
  /// partition's lease in Redis still holds exactly that value (issue 4).
  /// No events and `timers` given: only the timers are replaced.
  append_result append(const std::string& no, std::uint64_t expected_version,
                       const routing::ticket_state& before,
                       const std::vector<routing::event>& events,
                       const std::string& claim_request = "",
                       const std::vector<routing::timer>* timers = nullptr,
                       const std::optional<std::string>& fence = std::nullopt,
                       const routing::person& by = {}, const push_writes* push = nullptr);

  /// Issue 16 (group commit): an append made ready to send, the append
  /// script's arguments; `append_batch` sends many in one round trip.
  struct prepared_append {
    std::vector<std::string> args;
  };
  /// The outcome of one append of a batch: its result, or the error Redis
  /// answered for it alone (`error` not empty; nothing of it was written
  /// unless the script failed half-way, which the caller treats as an
  /// unknown outcome).
  struct batch_result {
    append_result result;
    std::string error;
  };
  /// The same arguments as `append`, prepared for `append_batch`.
  prepared_append prepare_append(const std::string& no, std::uint64_t expected_version,
                                 const routing::ticket_state& before,
                                 const std::vector<routing::event>& events,
                                 const std::string& claim_request = "",
                                 const std::vector<routing::timer>* timers = nullptr,
                                 const std::optional<std::string>& fence = std::nullopt,
                                 const routing::person& by = {},
                                 const push_writes* push = nullptr) const;
  /// Sends every append of `batch` on `c` in one pipeline (one round trip)
  /// and reads their outcomes, in order. Each append is its own script
  /// call, so each keeps its own fencing, request claim and version check
  /// and fails alone. Throws redis_error when the round trip itself failed:
  /// then the outcome of every append of the batch is unknown.
  std::vector<batch_result> append_batch(connection& c, std::vector<prepared_append>& batch);
  /// The same on a connection of the pool.
  std::vector<batch_result> append_batch(std::vector<prepared_append>& batch);

  struct due_timer {
    std::string ticket_no;
    routing::escalation_level level;
    routing::instant at;
    std::string unit; // "" for the lead, else the cooperating unit
  };
  /// Moves a due timer to `at` (a timer whose ticket could not be reached
  /// must not block the others); only if it still exists and the lease of
  /// its partition is still `fence`. True if moved.
  bool postpone_timer(const due_timer& t, routing::instant at, const std::string& fence);

  /// Timers of partitions `parts` due at `now` or before, oldest first, at
  /// most `limit`.
  std::vector<due_timer> due_timers(const std::vector<cluster::partition_id>& parts,
                                    routing::instant now, std::size_t limit);
  /// Issue 16: the due time of the earliest timer of partitions `parts`
  /// (due or not), nullopt if there is none: the timer loop sleeps until it
  /// rather than polling.
  std::optional<routing::instant> next_timer(const std::vector<cluster::partition_id>& parts);

  /// Every event of ticket `no`, oldest first; empty if it does not exist.
  /// A ticket archived out of Redis is read from the archive.
  std::vector<routing::event> load(const std::string& no);
  /// Every event of ticket `no` with the person who took it (M-SV-3).
  std::vector<recorded_event> load_recorded(const std::string& no);
  /// Issue 16 item 2: one ticket's events read by `load_batch`, or why it
  /// could not be read (`error` not empty).
  struct load_result {
    std::vector<routing::event> events;
    std::string error;
  };
  /// Every ticket of `nos` read as `load` does, in one pipeline on `c`.
  /// Throws redis_error when the round trip itself failed.
  std::vector<load_result> load_batch(connection& c, const std::vector<std::string>& nos);

  /// Whether the worklists (hl:wl:*) were built for every ticket: false on
  /// data written before issue 10, which kept only hl:inbox sets.
  bool worklists_built();
  /// Every ticket number ever registered.
  std::vector<std::string> all_tickets();
  /// Puts `summary` in each of `units`' worklists where the ticket is not
  /// yet (an entry an append wrote meanwhile wins).
  void fill_worklists(const std::string& no, const std::vector<std::string>& units,
                      const std::string& summary);
  void mark_worklists_built();

  /// The tickets in `unit_id`'s worklist, sorted by number.
  std::vector<std::string> inbox(const std::string& unit_id);
  /// The summaries of the tickets in `unit_id`'s worklist (one read).
  std::vector<routing::ticket_summary> worklist(const std::string& unit_id);

  /// Tickets waiting for the office to designate units (M-RT-2, M-RT-4).
  std::vector<std::string> coordination_queue();

  /// What the office's decisions about tickets of `category` teach
  /// (issue 11); entries that cannot be read are skipped.
  std::vector<routing::evidence> lessons(const std::string& category);

  /// How many tickets each unit has returned (M-RT-4, for evaluation).
  std::map<std::string, long long> return_counts();

  /// True if Redis accepts a write (for health checks); never throws.
  bool ping() noexcept;

  /// Issue 14: reads fall back to `a` (set once at start, before traffic).
  void read_archive(archive_reader* a) { archive_ = a; }
  /// Closed tickets of partitions `parts` closed at `before` or earlier,
  /// oldest first, at most `limit`: (number, close time).
  std::vector<std::pair<std::string, routing::instant>>
  closed_before(const std::vector<cluster::partition_id>& parts, routing::instant before,
                std::size_t limit);
  /// Issue 14 (the evaluation, the briefs): every ticket still in Redis
  /// registered on or before `last_day` (a number begins with its day),
  /// with its events oldest first, read 500 tickets a round trip. A ticket
  /// archived meanwhile is not seen.
  void each_ticket_until(routing::civil_date last_day,
                         const std::function<void(const std::string& no,
                                                  const std::vector<routing::event>& events)>& f);
  /// The stored bytes of each ticket's events (one round trip).
  std::vector<std::vector<std::string>> raw_events(const std::vector<std::string>& nos);
  /// After ticket `no` was committed to the archive with `events` events:
  /// deletes its events and index entries, if the lease of its partition is
  /// still `fence` and it still holds exactly that many events. 1 deleted,
  /// 0 already gone, -1 fenced, -2 changed meanwhile (left for next time).
  int forget_archived(const std::string& no, std::size_t events, const std::string& fence);
  /// The archive's queue of partition p.
  std::string closed_key(cluster::partition_id p) const;
  /// Whether hl:closed:{p} was filled for tickets closed before issue 14
  /// (marker hl:schema:closed), and the filling: queues ticket `no`,
  /// closed at `at`, for the archive.
  bool closed_queue_built();
  void queue_closed(const std::string& no, routing::instant at);
  void mark_closed_queue_built();

  /// How long an intake request id stays claimed.
  static constexpr std::chrono::hours request_ttl{24 * 30};

 private:
  template <class T, class Decode>
  std::vector<T> load_as(const std::string& no, Decode as);
  /// One pipeline on `c`: the events of each of `nos` (LRANGE replies, in
  /// order), then, with `newest` and an archive, its newest number's date.
  std::vector<reply_ptr> read_events(connection& c, const std::vector<std::string>& nos,
                                     bool newest);
  template <class T, class Decode>
  std::vector<T> events_of(const std::string& no, const redisReply* list, const redisReply* newest,
                           Decode as);
  std::string key(const std::string& kind, const std::string& id) const;
  std::string timers_key(cluster::partition_id p) const;
  std::string format_ticket_no(const std::string& date, long long n, cluster::partition_id p) const;
  std::optional<std::string> get(const std::string& k);
  std::vector<std::string> sorted_members(const std::string& k);

  pool& pool_;
  /// Runs a cached script (`args` = EVALSHA, "", numkeys, …) whose SHA1 is
  /// kept in `sha`, loading it first, or again after a Redis restart lost
  /// the cache.
  reply_ptr evalsha(const char* script, std::string& sha, std::vector<std::string>& args);

  std::string prefix_;
  cluster::partition_id partitions_;
  std::mutex sha_mtx_;
  std::string append_sha_, due_sha_, forget_sha_, next_sha_;
  archive_reader* archive_ = nullptr;
};

} // namespace hotline::redis
