#pragma once
// The event store on Redis (DESIGN rules 1 and 2).
//
// Layout (prefix "hl"):
//   hl:t:{no}        LIST of MessagePack events, oldest first: the ticket.
//   hl:req:{id}      STRING ticket number claimed by an intake request id.
//   hl:seq:{date}    INTEGER last ticket sequence of a Shanghai date.
//   hl:inbox:{unit}  SET of open ticket numbers assigned to a unit.
//   hl:tickets       SET of every ticket number (for listings and repair).
//   hl:coordination  SET of tickets waiting for the office (M-RT-2, M-RT-4).
//   hl:returns       HASH unit → tickets it returned (M-RT-4).
//   hl:open:{key}    STRING the open ticket of a caller and matter (M-S-2
//                    repeats); key = HMAC of phone and category.
//   hl:timers        ZSET "{no}|{level}|{unit}" scored by due time (M-SV-1):
//                    written with the events, so a timer fires exactly once.
// Every append is one Lua script: it checks the expected version (the list
// length), claims the request id if asked, appends the events and updates
// the indexes, all or nothing, so two writers can never both win.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/redis/connection.hpp"
#include "routing/ticket.hpp"

namespace hotline::redis {

struct append_result {
  enum class outcome { appended, version_conflict, request_taken };
  outcome result = outcome::appended;
  std::uint64_t version = 0;   // the stream's length after (or at) the attempt
  std::string existing_ticket; // for request_taken: who owns the request id
};

class store {
 public:
  explicit store(pool& p, std::string prefix = "hl");

  /// Allocates the next ticket number of a Shanghai date: "20261128-000123".
  std::string next_ticket_no(routing::civil_date d);

  /// The ticket an intake request id already created, if any (M-R-2, rule 3).
  std::optional<std::string> find_request(const std::string& request_id);

  /// Appends `events` to ticket `no` if it holds exactly `expected_version`
  /// events. `before` is the ticket's state before them (for the indexes).
  /// With `claim_request`, the request id is claimed atomically: if another
  /// ticket holds it, nothing is written and request_taken is returned.
  append_result append(const std::string& no, std::uint64_t expected_version,
                       const routing::ticket_state& before,
                       const std::vector<routing::event>& events,
                       const std::string& claim_request = "",
                       const std::vector<routing::timer>* timers = nullptr);

  /// Replaces the ticket's durable timers (M-SV-1) by `timers`, outside an
  /// append (after a command that changed nothing).
  void set_timers(const std::string& no, const std::vector<std::string>& cooperating,
                  const std::vector<routing::timer>& timers);

  struct due_timer {
    std::string ticket_no;
    routing::escalation_level level;
    routing::instant at;
    std::string unit; // "" for the lead, else the cooperating unit
  };
  /// Moves a due timer to `at` (a timer whose ticket could not be reached
  /// must not block the others); only if it still exists.
  void postpone_timer(const due_timer& t, routing::instant at);

  /// Timers due at `now` or before, oldest first.
  std::vector<due_timer> due_timers(routing::instant now, std::size_t limit);

  /// Every event of ticket `no`, oldest first; empty if it does not exist.
  std::vector<routing::event> load(const std::string& no);

  /// Open tickets assigned to `unit_id`, sorted by number.
  std::vector<std::string> inbox(const std::string& unit_id);

  /// The open ticket of a caller-and-matter key, if any (M-S-2 repeats).
  std::optional<std::string> find_open_repeat(const std::string& repeat_key);

  /// Tickets waiting for the office to designate units (M-RT-2, M-RT-4).
  std::vector<std::string> coordination_queue();

  /// How many tickets each unit has returned (M-RT-4, for evaluation).
  std::map<std::string, long long> return_counts();

  /// True if Redis answers PING (for health checks); never throws.
  bool ping() noexcept;

  /// How long an intake request id stays claimed.
  static constexpr std::chrono::hours request_ttl{24 * 30};

 private:
  std::string key(const std::string& kind, const std::string& id) const;
  std::optional<std::string> get(const std::string& k);
  std::vector<std::string> sorted_members(const std::string& k);

  pool& pool_;
  std::string prefix_;
  std::string append_sha_;
};

} // namespace hotline::redis
