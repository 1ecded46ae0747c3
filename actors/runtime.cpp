#include "actors/runtime.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "actors/office.hpp"
#include "actors/unit.hpp"
#include "adapters/redis/codec.hpp"

namespace hotline::actors {

runtime::runtime(const services& svc, runtime_options opts) : svc_(svc), opts_(opts) {
  appender_ = std::make_unique<redis::appender>(svc_.store, svc_.store.where(), opts_.append_lanes);
  svc_.appender = appender_.get();
  // DESIGN: the work-stealing default spins when many actors each get a few
  // messages; `sharing` was ~18x faster for that load on this machine.
  cfg_.set("scheduler.policy", caf::atom("sharing"));
  if (opts_.worker_threads > 0)
    cfg_.set("scheduler.max-threads", opts_.worker_threads);
  sys_ = std::make_unique<caf::actor_system>(cfg_);
  // Issue 10: a ticket tells the units of this node of its steps directly.
  svc_.tell_units = [this](const routing::ticket_summary& t, const std::vector<std::string>& us) {
    notify(t, us);
  };
  office_ = sys_->spawn(office, &svc_);
}

runtime::~runtime() {
  {
    std::lock_guard<std::mutex> lock(units_mtx_);
    for (auto& [id, u] : units_)
      caf::anon_send_exit(u, caf::exit_reason::user_shutdown);
    units_.clear();
  }
  {
    // The office stops its ticket actors (they are not linked to it).
    caf::scoped_actor self{*sys_};
    self->request(office_, std::chrono::seconds(30), stop_atom::value)
        .receive([](std::size_t) {}, [](caf::error&) {});
  }
  svc_.tell_units = nullptr; // no ticket actor runs any more
  caf::anon_send_exit(office_, caf::exit_reason::user_shutdown);
  office_ = nullptr;
  sys_.reset(); // waits for all actors
  svc_.appender = nullptr;
  // Issue 16: how well the group commit grouped (appends per round trip).
  spdlog::info("runtime: group commit: {} appends in {} round trips; ticket reads in {}",
               appender_->appends(), appender_->round_trips(), appender_->read_trips());
}

template <class Reply, class Handle, class... Ts>
Reply runtime::ask(const Handle& dest, Ts&&... xs) {
  Reply out;
  caf::scoped_actor self{*sys_};
  self->request(dest, opts_.request_timeout, std::forward<Ts>(xs)...)
      .receive(
          [&](Reply& r) { out = std::move(r); },
          [&](caf::error& e) {
            spdlog::error("runtime: request failed: {}", sys_->render(e));
            out.error = failure{"unavailable", "the service did not answer in time; retry", ""};
          });
  return out;
}

template <class Reply, class Handle, class... Ts>
void runtime::ask_async(then<Reply> k, const Handle& dest, Ts... xs) {
  // A short-lived actor per request (a few µs to spawn) holds the request
  // and its continuation; it quits after the answer or the timeout.
  const auto timeout = opts_.request_timeout;
  sys_->spawn([=](caf::event_based_actor* self) {
    self->request(dest, timeout, xs...)
        .then([=](Reply& r) { k(std::move(r)); },
              [=](caf::error& e) {
                spdlog::error("runtime: request failed: {}", self->system().render(e));
                Reply out;
                out.error = failure{"unavailable", "the service did not answer in time; retry", ""};
                k(std::move(out));
              });
  });
}

void runtime::intake(const intake_request& req, then<ticket_reply> k) {
  ask_async<ticket_reply>(std::move(k), office_, intake_atom::value, req);
}

void runtime::office_command(const std::string& no, const routing::command& cmd,
                             const std::string& claim, const routing::person& by,
                             then<ticket_reply> k) {
  ask_async<ticket_reply>(std::move(k), office_, command_atom::value, no, cmd, claim, by);
}

void runtime::unit_command(const std::string& unit_id, const std::string& no,
                           const routing::command& cmd, const std::string& claim,
                           const routing::person& by, then<ticket_reply> k) {
  auto u = unit_for(unit_id);
  if (!u) {
    ticket_reply r;
    r.error = failure{"not_found", "no unit " + unit_id, "unit_id"};
    return k(std::move(r));
  }
  ask_async<ticket_reply>(std::move(k), u, command_atom::value, no, cmd, claim, by);
}

void runtime::get(const std::string& no, then<ticket_reply> k) {
  ask_async<ticket_reply>(std::move(k), office_, get_atom::value, no);
}

void runtime::inbox(const std::string& unit_id, const inbox_query& q, then<inbox_reply> k) {
  auto u = unit_for(unit_id);
  if (!u) {
    inbox_reply r;
    r.error = failure{"not_found", "no unit " + unit_id, "unit_id"};
    return k(std::move(r));
  }
  ask_async<inbox_reply>(std::move(k), u, inbox_atom::value, q, svc_.clk.now());
}

void runtime::overview(const std::string& unit_id, bool subordinates, then<overview_reply> k) {
  auto u = unit_for(unit_id);
  if (!u) {
    overview_reply r;
    r.error = failure{"not_found", "no unit " + unit_id, "unit_id"};
    return k(std::move(r));
  }
  ask_async<overview_reply>(std::move(k), u, overview_atom::value, svc_.clk.now(), subordinates);
}

void runtime::notify(const routing::ticket_summary& t, const std::vector<std::string>& units) {
  for (const auto& id : units)
    if (auto u = live_unit(id))
      caf::anon_send(u, notice_atom::value, t);
}

std::size_t runtime::live_tickets() {
  return svc_.live_ticket_actors.load();
}

void runtime::alive(std::function<void(bool)> k) {
  sys_->spawn([k = std::move(k), office = office_](caf::event_based_actor* self) {
    self->request(office, std::chrono::seconds(1), count_atom::value)
        .then([k](std::size_t) { k(true); }, [k](caf::error&) { k(false); });
  });
}

std::size_t runtime::fire_due_timers(routing::instant until, manual_clock* step) {
  std::size_t fired = 0;
  // Read due timers a batch at a time (firing one never makes another due
  // earlier), oldest first. Bounded: a timer that cannot be cleared must not
  // spin this loop.
  // On the system clock a batch fires `timer_window` at a time (each through
  // its own ticket actor, in parallel); on a test clock one by one, each at
  // its own time.
  const std::size_t batch = step ? 100 : 1000;
  for (int round = 0; round < 100; ++round) {
    const auto due = svc_.store.due_timers(svc_.own.owned(), until, batch);
    if (due.empty())
      break;
    std::vector<ticket_reply> replies(due.size());
    if (!step) {
      // A sliding window of `timer_window` fire commands in flight, so that
      // intakes reaching the office meanwhile wait behind a few escalations,
      // not behind the whole batch (intake_p99_during_timers_ms).
      caf::scoped_actor self{*sys_};
      std::vector<decltype(self->request(office_, opts_.request_timeout, command_atom::value,
                                         std::string(), routing::command(), std::string(),
                                         routing::person()))>
          pending;
      pending.reserve(due.size());
      std::size_t settled = 0;
      auto settle = [&] {
        pending[settled].receive([&](ticket_reply& r) { replies[settled] = std::move(r); },
                                 [&](caf::error&) {
                                   replies[settled].error = failure{
                                       "unavailable", "the ticket did not answer in time", ""};
                                 });
        ++settled;
      };
      const auto window = std::max<std::size_t>(opts_.timer_window, 1);
      for (const auto& t : due) {
        if (pending.size() - settled >= window)
          settle();
        pending.push_back(self->request(office_, opts_.request_timeout, command_atom::value,
                                        t.ticket_no,
                                        routing::command{routing::fire_timer{t.level, t.unit}},
                                        std::string(), routing::person{}));
      }
      while (settled < pending.size())
        settle();
    }
    for (std::size_t i = 0; i < due.size(); ++i) {
      const auto& t = due[i];
      if (step && t.at > step->now())
        step->set(t.at);
      auto r = step ? ask<ticket_reply>(office_, command_atom::value, t.ticket_no,
                                        routing::command{routing::fire_timer{t.level, t.unit}},
                                        std::string(), routing::person{})
                    : std::move(replies[i]);
      if (r.error) {
        // One unreachable ticket must not hold back every other timer: try
        // it again in a minute (and it is logged each time).
        if (r.error->code == "moved")
          continue; // the partition went to another node, with its timers
        spdlog::error("timers: {} {}: {}; retrying in 60 s", t.ticket_no,
                      routing::to_string(t.level), r.error->message);
        if (auto fence = svc_.own.fence(svc_.store.partition_of(t.ticket_no)))
          svc_.store.postpone_timer(t, std::max(until, t.at) + 60'000, *fence);
        continue;
      }
      ++fired;
    }
  }
  return fired;
}

std::optional<routing::instant> runtime::next_timer() {
  return svc_.store.next_timer(svc_.own.owned());
}

std::size_t runtime::build_worklists() {
  if (svc_.store.worklists_built())
    return 0;
  const auto tickets = svc_.store.all_tickets();
  spdlog::info("runtime: building the units' worklists from {} tickets (once, after an upgrade)",
               tickets.size());
  for (const auto& no : tickets) {
    const auto t = routing::summarize(no, routing::fold(svc_.store.load(no)), svc_.policy);
    svc_.store.fill_worklists(no, routing::holders(t, svc_.policy), redis::encode(t));
  }
  svc_.store.mark_worklists_built();
  return tickets.size();
}

void runtime::drop_partition(cluster::partition_id p) {
  caf::anon_send(office_, drop_atom::value, p);
}

// Unit actors are activated on first use and live as long as the node.
unit_actor runtime::unit_for(const std::string& unit_id) {
  if (!svc_.config.directory.find_unit(unit_id))
    return unit_actor{};
  std::lock_guard<std::mutex> lock(units_mtx_);
  auto& u = units_[unit_id];
  if (!u)
    u = sys_->spawn(unit, unit_id, office_, &svc_,
                    unit_lookup([this](const std::string& id) { return unit_for(id); }));
  return u;
}

unit_actor runtime::live_unit(const std::string& unit_id) {
  std::lock_guard<std::mutex> lock(units_mtx_);
  auto i = units_.find(unit_id);
  return i == units_.end() ? unit_actor{} : i->second;
}

} // namespace hotline::actors
