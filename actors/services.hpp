#pragma once
// What the actors of one node share: configuration, router, store, vault
// and the clock. Built once by the runtime, read-only afterwards (the store
// and vault are thread-safe).

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "adapters/cluster/ownership.hpp"
#include "adapters/config/loader.hpp"
#include "adapters/crypto/vault.hpp"
#include "adapters/redis/appender.hpp"
#include "adapters/redis/store.hpp"
#include "routing/notice.hpp"
#include "routing/router.hpp"
#include "routing/ticket.hpp"

namespace hotline::actors {

/// The one clock interface (DESIGN rule 4). Actors read time only here.
class clock {
 public:
  virtual ~clock() = default;
  virtual routing::instant now() const = 0;
};

class system_clock : public clock {
 public:
  routing::instant now() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

/// A clock that moves only when told (tests, `--test-clock`).
class manual_clock : public clock {
 public:
  explicit manual_clock(routing::instant start) : now_(start) {}
  routing::instant now() const override { return now_.load(); }
  void set(routing::instant t) { now_.store(t); }

 private:
  std::atomic<routing::instant> now_;
};

struct services {
  services(const config::hotline_config& cfg, redis::store& st, crypto::vault v, const clock& clk,
           const cluster::ownership& own)
      : config(cfg), router(cfg.directory), policy(config::policy_of(cfg)), store(st),
        vault(std::move(v)), clk(clk), own(own) {}

  const config::hotline_config& config;
  routing::router router;
  routing::policy policy;
  redis::store& store;
  crypto::vault vault;
  const clock& clk;
  /// The partitions this node owns, with their fencing values (issue 4).
  const cluster::ownership& own;
  /// A ticket actor with no message for this long passivates.
  std::chrono::milliseconds passivate_after{std::chrono::seconds(60)};
  /// At most this many ticket actors live at once (the least recently used
  /// stop first), so memory follows the working set, not the open tickets.
  std::size_t max_live_tickets = 10000;
  /// How many ticket actors live now, as the office last counted them (for
  /// metrics that must not wait for the office).
  mutable std::atomic<std::size_t> live_ticket_actors{0};
  /// How long the push feed and the units' streams keep a notice, so a
  /// client that reconnects within it misses nothing (issue 10).
  std::chrono::milliseconds push_retention{std::chrono::hours(24 * 7)};
  /// Tells the unit actors of this node that hold `units` the ticket's new
  /// summary (set once by the runtime before any actor starts).
  mutable std::function<void(const routing::ticket_summary&, const std::vector<std::string>& units)>
      tell_units;
  /// Called after a new demand or a linked repeat was stored (issue 14
  /// item 4: the warnings' detector runs soon); set once before any actor
  /// starts, never blocks.
  mutable std::function<void()> on_intake;
  /// Issue 16: the group commit every ticket actor appends through (set
  /// once by the runtime before any actor starts).
  mutable redis::appender* appender = nullptr;
};

} // namespace hotline::actors
