#pragma once
// The actor system of one node and an asynchronous façade over it for
// adapters that are not actors themselves (the HTTP server): each call
// sends a request to the actor concerned and returns at once; the answer
// arrives later, on an actor thread, through the continuation. No caller
// thread ever waits for an actor.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>

#include "actors/interfaces.hpp"
#include "actors/services.hpp"

namespace hotline::actors {

struct runtime_options {
  std::size_t worker_threads = 0; // 0: CAF's default (one per core)
  std::chrono::seconds request_timeout{30};
  /// Issue 16: connections of the group commit (each gathers the appends
  /// that arrive while its previous round trip is in flight).
  std::size_t append_lanes = 2;
  /// Issue 16: due timers fired at once, at most. More keep the CAF workers
  /// busy with escalations while intakes wait behind them (a batch of 1,000
  /// at once held intakes for a second); fewer leave the timers' lane of the
  /// group commit little to group.
  std::size_t timer_window = 16;
};

class runtime {
 public:
  runtime(const services& svc, runtime_options opts = {});
  ~runtime();

  /// Called once with the answer (or a failure "unavailable" after the
  /// request timeout), on an actor thread: it must not block.
  template <class Reply>
  using then = std::function<void(Reply)>;

  void intake(const intake_request& req, then<ticket_reply> k);
  /// A command given by the office (callback, …); `claim` is "" or
  /// "cmd:{Idempotency-Key}"; `by` is the person, recorded with the events.
  void office_command(const std::string& no, const routing::command& cmd, const std::string& claim,
                      const routing::person& by, then<ticket_reply> k);
  /// A command given by unit `unit_id` on its ticket (accept, reply, …).
  void unit_command(const std::string& unit_id, const std::string& no, const routing::command& cmd,
                    const std::string& claim, const routing::person& by, then<ticket_reply> k);
  void get(const std::string& no, then<ticket_reply> k);
  /// A page of unit `unit_id`'s worklist, from its actor's projection.
  void inbox(const std::string& unit_id, const inbox_query& q, then<inbox_reply> k);
  /// The counts of unit `unit_id` and, with `subordinates`, of each unit it
  /// supervises (a district government's townships and departments).
  void overview(const std::string& unit_id, bool subordinates, then<overview_reply> k);
  /// A step written by any node (from the push feed): the unit actors of
  /// this node among `units` take the ticket's summary (issue 10).
  void notify(const routing::ticket_summary& t, const std::vector<std::string>& units);
  /// Live (not passivated) ticket actors, as the office last counted them
  /// (never waits).
  std::size_t live_tickets();
  /// `k(true)` if the office answers within a second, else `k(false)`
  /// (health checks; issue 16: nobody waits for it).
  void alive(std::function<void(bool)> k);
  /// M-SV-1: fires every durable timer of the partitions this node owns due
  /// by `until`, oldest first, each through its ticket actor; with `step` (a
  /// manual clock), the clock is moved to each timer's time before it
  /// fires. Returns how many fired.
  std::size_t fire_due_timers(routing::instant until, manual_clock* step = nullptr);
  /// When the earliest timer of the partitions this node owns falls due
  /// (nullopt: none), so the timer loop sleeps until then (issue 16).
  std::optional<routing::instant> next_timer();
  /// Data written before issue 10 has no worklists (hl:wl:*): builds them
  /// once from the tickets, before this node serves. Returns how many
  /// tickets it read (0 when they were built already).
  std::size_t build_worklists();
  /// This node lost partition `p`: its ticket actors stop.
  void drop_partition(cluster::partition_id p);

 private:
  unit_actor unit_for(const std::string& unit_id);
  /// The unit actor if it runs on this node (never spawns).
  unit_actor live_unit(const std::string& unit_id);
  /// Blocks the calling thread for the answer (timers, shutdown only).
  template <class Reply, class Handle, class... Ts>
  Reply ask(const Handle& dest, Ts&&... xs);
  /// Sends a request from a short-lived actor and hands the answer to `k`.
  template <class Reply, class Handle, class... Ts>
  void ask_async(then<Reply> k, const Handle& dest, Ts... xs);

  const services& svc_;
  runtime_options opts_;
  /// Outlives the actor system: no ticket actor stops with an append in
  /// flight.
  std::unique_ptr<redis::appender> appender_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  office_actor office_;
  std::mutex units_mtx_;
  std::map<std::string, unit_actor> units_;
};

} // namespace hotline::actors
