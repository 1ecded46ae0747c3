#include "bench/loadgen/runs.hpp"

namespace bench {

open_run run_open(const options& o, driver& d, std::vector<phase_stats>& stats, bool intake_only) {
  stats.assign(o.phases.size(), phase_stats{});
  // Lifecycle i of phase k starts at phase_start[k] + i / rate[k].
  struct slot {
    steady::time_point at;
    std::size_t phase;
  };
  const auto t0 = steady::now() + std::chrono::milliseconds(200);
  std::vector<std::pair<steady::time_point, std::uint64_t>> bounds; // (start, count)
  auto start = t0;
  for (std::size_t k = 0; k < o.phases.size(); ++k) {
    const auto [rate, secs] = o.phases[k].second;
    stats[k].name = o.phases[k].first;
    stats[k].rate = rate;
    stats[k].seconds = secs;
    stats[k].start = start;
    bounds.push_back({start, static_cast<std::uint64_t>(std::llround(rate * secs))});
    start += std::chrono::microseconds(static_cast<long>(secs * 1e6));
  }
  const auto last = start;
  std::size_t phase = 0;
  std::uint64_t in_phase = 0, n = 0;
  auto next_slot = [&]() -> std::optional<slot> {
    while (phase < bounds.size() && in_phase >= bounds[phase].second) {
      ++phase;
      in_phase = 0;
    }
    if (phase >= bounds.size())
      return std::nullopt;
    const double rate = o.phases[phase].second.first;
    return slot{bounds[phase].first
                    + std::chrono::microseconds(static_cast<long>(in_phase * 1e6 / rate)),
                phase};
  };
  std::vector<std::shared_ptr<connection>> idle;
  std::deque<std::shared_ptr<driver::life>> backlog;
  int conns = 0;
  long inflight = 0;
  bool aborted = false;
  d.record_acks = o.verify;
  std::function<void(std::shared_ptr<connection>, std::shared_ptr<driver::life>)> launch;
  driver::done_fn finished = [&](std::shared_ptr<connection> c) {
    --inflight;
    if (aborted)
      return;
    if (!backlog.empty()) {
      auto l = backlog.front();
      backlog.pop_front();
      launch(c, l);
    } else {
      idle.push_back(c);
    }
  };
  launch = [&](std::shared_ptr<connection> c, std::shared_ptr<driver::life> l) {
    ++inflight;
    ++l->stats->started;
    d.run(c, l, finished);
  };
  asio::steady_timer tick(d.io), stop(d.io);
  std::function<void()> schedule = [&] {
    const auto now = steady::now();
    for (auto s = next_slot(); s && s->at <= now; s = next_slot()) {
      auto l = std::make_shared<driver::life>();
      l->n = n++;
      l->scheduled = s->at;
      l->stats = &stats[s->phase];
      l->intake_only = intake_only;
      ++in_phase;
      if (!idle.empty()) {
        auto c = idle.back();
        idle.pop_back();
        launch(c, l);
      } else if (conns < o.max_connections) {
        ++conns;
        launch(d.new_connection(), l);
      } else {
        backlog.push_back(l);
      }
    }
    if (auto s = next_slot()) {
      tick.expires_at(s->at);
      tick.async_wait([&](beast::error_code ec) {
        if (!ec)
          schedule();
      });
    }
  };
  schedule();
  // Bounded: what has not even been sent by `drain` after the last start is
  // counted as unsent, and what is still in flight as unfinished.
  stop.expires_at(last + std::chrono::milliseconds(static_cast<long>(o.drain * 1000)));
  stop.async_wait([&](beast::error_code ec) {
    if (ec)
      return;
    aborted = true;
    for (auto& l : backlog)
      ++l->stats->unsent;
    backlog.clear();
    d.io.stop();
  });
  // The stop timer must not keep run() alive once all is done.
  std::function<void()> watch;
  asio::steady_timer poll(d.io);
  watch = [&] {
    if (!next_slot() && inflight == 0 && backlog.empty()) {
      stop.cancel();
      return;
    }
    poll.expires_after(std::chrono::milliseconds(50));
    poll.async_wait([&](beast::error_code ec) {
      if (!ec)
        watch();
    });
  };
  watch();
  d.io.run();
  return {conns, inflight};
}

void print_phase(const phase_stats& p) {
  const std::string k = p.name + "_";
  const auto& in = p.steps[0];
  // Closed per second over the phase or, if the last lifecycle closed
  // later, up to then.
  const double span = p.closed ? ms_d(p.last_closed - p.start).count() / 1000 : 0;
  std::cout << k << "offered_per_s=" << fmt(p.rate, 1) << "\n"
            << k << "seconds=" << fmt(p.seconds, 1) << "\n"
            << k << "started=" << p.started << "\n"
            << k << "unsent=" << p.unsent << "\n"
            << k << "closed=" << p.closed << "\n"
            << k << "closed_per_s=" << fmt(p.closed / std::max(p.seconds, span), 1) << "\n"
            << k << "intake_acked=" << in.count(201) << "\n"
            << k << "intake_shed=" << in.count(503) << "\n"
            << k << "intake_shed_with_retry_after=" << in.with_retry_after << "\n"
            << k << "intake_timeouts=" << in.timeouts << "\n"
            << k << "intake_transport_errors=" << in.transport_errors << "\n"
            << k << "failed=" << p.failed << "\n"
            << k << "coordinating=" << p.coordinating << "\n";
  long shed = 0, timeouts = 0;
  for (auto& s : p.steps) {
    shed += s.count(503);
    timeouts += s.timeouts;
  }
  std::cout << k << "all_shed=" << shed << "\n" << k << "all_timeouts=" << timeouts << "\n";
  print_steps(k, p);
}

// Closed-loop intakes only, `count` of them; returns the seconds it took.
double intake_only(const options& o, driver& d, std::optional<std::int64_t> deadline_ms,
                   phase_stats& st, bool& gave_up) {
  std::uint64_t n = 0;
  const auto t0 = steady::now();
  std::uint64_t report = std::max<std::uint64_t>(o.count / 10, 1);
  // A service that stops answering must not hold the run forever: after
  // `give_up` seconds without a single 201, start nothing more.
  std::size_t last_count = 0;
  auto last_ok = t0;
  gave_up = false;
  driver::done_fn again = [&](std::shared_ptr<connection> c) {
    if (n >= o.count || gave_up)
      return;
    const auto now = steady::now();
    if (d.intake_tickets.size() != last_count) {
      last_count = d.intake_tickets.size();
      last_ok = now;
    } else if (ms_d(now - last_ok).count() > o.give_up * 1000) {
      gave_up = true;
      std::cerr << "loadgen: no intake succeeded for " << o.give_up << " s: giving up after "
                << last_count << " tickets\n";
      return;
    }
    auto l = std::make_shared<driver::life>();
    l->n = n++;
    l->scheduled = steady::now();
    l->stats = &st;
    l->intake_only = true;
    l->deadline_ms = deadline_ms;
    ++st.started;
    if (n % report == 0)
      std::cerr << "loadgen: " << n << "/" << o.count << " intakes, "
                << fmt(ms_d(steady::now() - t0).count() / 1000, 1) << " s\n";
    d.run(c, l, again);
  };
  for (int i = 0; i < o.connections; ++i)
    again(d.new_connection());
  d.io.run();
  return ms_d(steady::now() - t0).count() / 1000;
}

} // namespace bench
