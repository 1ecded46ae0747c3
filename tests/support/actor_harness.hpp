#pragma once
// A deterministic actor system for tests: CAF's test coordinator runs every
// message on the test thread and moves virtual time only when told. Wraps
// the CAF 0.17 testing API in one place (STYLE 8).

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <gtest/gtest.h>

#include <memory>

namespace hotline::test {

class actor_harness {
 public:
  actor_harness() {
    cfg_.set("scheduler.policy", caf::atom("testing"));
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
  }

  caf::actor_system& system() { return *sys_; }

  /// Runs every pending message to quiescence.
  void run() { sched_->run(); }

  /// Moves virtual time forward, fires the timers that fall due, runs.
  void advance(caf::timespan d) {
    sched_->advance_time(d);
    run();
  }

  /// Sends a request, runs the system, and returns the reply (a test
  /// failure if there is none or it is an error).
  template <class Reply, class Handle, class... Ts>
  Reply ask(const Handle& dest, Ts&&... xs) {
    caf::scoped_actor self{*sys_};
    auto pending = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    run();
    Reply out{};
    pending.receive([&](Reply& r) { out = std::move(r); },
                    [&](caf::error& e) { ADD_FAILURE() << sys_->render(e); });
    return out;
  }

 private:
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
};

} // namespace hotline::test
