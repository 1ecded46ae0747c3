// loadgen — the load generator of bench/run (docs/PERFORMANCE.md).
//
// Drives hotlined over keep-alive HTTP/1.1 with realistic Chongqing demands
// and prints its results as `name=value` lines on stdout (progress and
// warnings on stderr). Modes:
//
//   closed   N connections, each running complete lifecycles back to back
//            (intake → accept → reply → callback → closed) for a duration:
//            the maximum sustainable lifecycle rate.
//   open     lifecycles started at a fixed rate by the clock, in phases
//            (e.g. surge then recovery); each intake's latency counts from
//            its scheduled time, so a slow server cannot hide its queueing
//            by slowing the generator (no coordinated omission). Optionally
//            verifies afterwards that every acknowledged step is there.
//   bulk     intakes only (open tickets), N connections, a fixed count.
//   timers   intakes with an office `deadline` all at the same whole second,
//            then watches the due supervision timers drain from Redis (ms
//            resolution) and reads every ticket's timeline for its
//            `escalated` step (second resolution: the API's times).
//   push     Server-Sent Events streams open for N township units, and
//            lifecycles (or intakes) started by the clock as in `open`,
//            with demands only to those townships: the time from each
//            intake's 201 to its `dispatched` event on the stream of the
//            unit it was assigned to.
//   ceiling  one GET (default /api/v1/categories, a cached answer) on N
//            connections back to back: the most requests/s of this stack.
//   webhook  its own webhook receiver (answering 500 to a share of the
//            deliveries, at random), subscribed for `dispatched` of N
//            township units, then intakes to those townships: every
//            ticket's `dispatched` must arrive, signed, despite the 500s.
//
// Usage: loadgen MODE --port P --config DIR --tokens FILE [options]; see
// usage() below.

#include <boost/asio/io_context.hpp>
#include <hiredis/hiredis.h>
#include <sys/resource.h>

#include "bench/loadgen/core.hpp"
#include "bench/loadgen/demands.hpp"
#include "bench/loadgen/push_modes.hpp"
#include "bench/loadgen/runs.hpp"

using namespace bench;

namespace {

// --- modes ---------------------------------------------------------------------------

int closed_mode(const options& o, driver& d) {
  phase_stats st;
  const auto t0 = steady::now();
  d.window_start = t0 + std::chrono::milliseconds(static_cast<long>(o.warmup * 1000));
  d.window_end = d.window_start + std::chrono::milliseconds(static_cast<long>(o.duration * 1000));
  std::uint64_t n = 0;
  std::string last_closed;
  driver::done_fn again = [&](std::shared_ptr<connection> c) {
    if (steady::now() >= d.window_end)
      return;
    auto l = std::make_shared<driver::life>();
    l->n = n++;
    l->scheduled = steady::now();
    l->stats = &st;
    ++st.started;
    d.run(c, l, [&, l](std::shared_ptr<connection> c2) {
      if (l->closed)
        last_closed = l->no;
      again(c2);
    });
  };
  for (int i = 0; i < o.connections; ++i)
    again(d.new_connection());
  d.io.run();
  const double secs = o.duration;
  const double lps = st.closed / secs;
  // Events per lifecycle: the timeline of a closed ticket has one step per event.
  double events = 0;
  if (!last_closed.empty()) {
    auto tokens = load_tokens(o.tokens_file);
    auto r = get_sync(o, "/api/v1/tickets/" + last_closed + "/timeline", tokens["office"]);
    auto j = json::parse(r.body, nullptr, false);
    if (r.status == 200 && !j.is_discarded() && j.contains("steps"))
      events = static_cast<double>(j["steps"].size());
  }
  std::cout << "connections=" << o.connections << "\n"
            << "seconds=" << fmt(secs, 1) << "\n"
            << "lifecycles=" << st.closed << "\n"
            << "lifecycles_per_s=" << fmt(lps, 1) << "\n"
            << "events_per_lifecycle=" << fmt(events, 0) << "\n"
            << "events_per_s=" << fmt(lps * events, 1) << "\n"
            << "requests_per_s=" << fmt(d.window_requests / secs, 1) << "\n"
            << "failed=" << st.failed << "\n"
            << "coordinating=" << st.coordinating << "\n"
            << "linked=" << st.linked << "\n"
            << "timeouts_total=" << d.timeouts_total << "\n"
            << "transport_errors_total=" << d.transport_errors_total << "\n";
  print_steps("", st);
  return 0;
}

// Issue 16: the most requests/s this stack serves, for one cached answer
// (GET o.path, no token), on N keep-alive connections back to back, counted
// in a window after a warm-up, like the lifecycle phase.
int ceiling_mode(const options& o, driver& d) {
  const auto from = steady::now() + std::chrono::milliseconds(static_cast<long>(o.warmup * 1000));
  const auto to = from + std::chrono::milliseconds(static_cast<long>(o.duration * 1000));
  long ok = 0, failed = 0;
  std::size_t bytes = 0;
  std::vector<double> lat;
  std::function<void(std::shared_ptr<connection>)> again = [&](std::shared_ptr<connection> c) {
    const auto sent = steady::now();
    if (sent >= to)
      return;
    c->request(http::verb::get, o.path, "", "", [&, c, sent](http_result r) {
      const auto now = steady::now();
      if (now >= from && now <= to) {
        if (r.status == 200) {
          ++ok;
          bytes = r.body.size();
          lat.push_back(ms_d(now - sent).count());
        } else {
          ++failed;
        }
      }
      again(c);
    });
  };
  // The generator's own CPU in the window: on 2 cores it can be the limit.
  auto cpu_s = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec)
           + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  double cpu_from = -1, cpu_to = -1;
  asio::steady_timer t_from(d.io, from), t_to(d.io, to);
  t_from.async_wait([&](beast::error_code) { cpu_from = cpu_s(); });
  t_to.async_wait([&](beast::error_code) { cpu_to = cpu_s(); });
  for (int i = 0; i < o.connections; ++i)
    again(d.new_connection());
  d.io.run();
  std::cout << "ceiling_loadgen_cpu_cores=" << fmt((cpu_to - cpu_from) / o.duration) << "\n"
            << "ceiling_path=" << o.path << "\n"
            << "ceiling_connections=" << o.connections << "\n"
            << "ceiling_answer_bytes=" << bytes << "\n"
            << "ceiling_failed=" << failed << "\n"
            << "ceiling_p50_ms=" << fmt(percentile(lat, 0.5)) << "\n"
            << "ceiling_p99_ms=" << fmt(percentile(lat, 0.99)) << "\n"
            << "http_ceiling_rps=" << fmt(ok / o.duration, 1) << "\n";
  return 0;
}

int open_mode(const options& o, driver& d) {
  if (o.phases.empty())
    usage("open needs --phase NAME:RATE:SECONDS");
  std::vector<phase_stats> stats;
  const auto run = run_open(o, d, stats, false);
  std::cout << "max_connections_used=" << run.conns << "\n"
            << "unfinished=" << run.inflight << "\n";
  for (auto& p : stats)
    print_phase(p);
  if (o.verify) {
    // Every acknowledged step must be visible: a 201 intake must exist, an
    // acknowledged accept/reply/callback must show in its status.
    std::vector<std::string> targets;
    for (auto& a : d.acks)
      targets.push_back("/api/v1/tickets/" + a.no);
    auto tokens = load_tokens(o.tokens_file);
    long lost = 0, lost_steps = 0, unreadable = 0;
    auto rank = [](const std::string& s) {
      if (s == "dispatched" || s == "coordinating")
        return 0;
      if (s == "accepted")
        return 1;
      if (s == "replied")
        return 2;
      if (s == "closed")
        return 3;
      return -1;
    };
    get_many(o, targets, tokens["office"], 8, [&](std::size_t i, const http_result& r) {
      if (r.status == 404) {
        ++lost;
        return;
      }
      auto j = json::parse(r.body, nullptr, false);
      if (r.status != 200 || j.is_discarded()) {
        ++unreadable;
        return;
      }
      if (rank(j.value("status", "")) < d.acks[i].step)
        ++lost_steps;
    });
    std::cout << "verified_acked_demands=" << d.acks.size() << "\n"
              << "lost_demands=" << lost << "\n"
              << "lost_steps=" << lost_steps << "\n"
              << "unreadable=" << unreadable << "\n";
  }
  return 0;
}

int bulk_mode(const options& o, driver& d) {
  phase_stats st;
  bool gave_up = false;
  const double secs = intake_only(o, d, std::nullopt, st, gave_up);
  const auto ok = st.steps[0].count(201);
  std::cout << "intakes=" << ok << "\n"
            << "gave_up=" << gave_up << "\n"
            << "timeouts_total=" << d.timeouts_total << "\n"
            << "failed=" << st.failed + st.linked << "\n"
            << "seconds=" << fmt(secs, 1) << "\n"
            << "intakes_per_s=" << fmt(ok / secs, 1) << "\n";
  print_steps("", st);
  if (!o.out_file.empty()) {
    std::ofstream out(o.out_file);
    for (auto& no : d.intake_tickets)
      out << no << "\n";
  }
  return 0;
}

// Sums ZCOUNT key -inf at over the service's timer sets (one, or one per
// partition: every key `{prefix}:timers*` that is a sorted set).
struct timer_watch {
  redisContext* c = nullptr;
  std::vector<std::string> keys;
  timer_watch(const options& o) {
    c = redisConnect(o.redis_host.c_str(), o.redis_port);
    if (!c || c->err)
      throw std::runtime_error("loadgen: cannot connect to redis");
    std::string cursor = "0";
    do {
      auto* r = static_cast<redisReply*>(redisCommand(c, "SCAN %s MATCH %s:timers* COUNT 1000",
                                                      cursor.c_str(), o.key_prefix.c_str()));
      if (!r || r->type != REDIS_REPLY_ARRAY)
        throw std::runtime_error("loadgen: SCAN failed");
      cursor = r->element[0]->str;
      for (std::size_t i = 0; i < r->element[1]->elements; ++i) {
        std::string k = r->element[1]->element[i]->str;
        auto* t = static_cast<redisReply*>(redisCommand(c, "TYPE %s", k.c_str()));
        if (t && t->type == REDIS_REPLY_STATUS && std::string(t->str) == "zset")
          keys.push_back(k);
        freeReplyObject(t);
      }
      freeReplyObject(r);
    } while (cursor != "0");
  }
  ~timer_watch() {
    if (c)
      redisFree(c);
  }
  long due(std::int64_t at_ms) {
    const auto max = std::to_string(at_ms);
    for (auto& k : keys)
      redisAppendCommand(c, "ZCOUNT %s -inf %s", k.c_str(), max.c_str());
    long sum = 0;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      void* rep = nullptr;
      if (redisGetReply(c, &rep) != REDIS_OK)
        throw std::runtime_error("loadgen: ZCOUNT failed");
      auto* r = static_cast<redisReply*>(rep);
      if (r->type == REDIS_REPLY_INTEGER)
        sum += r->integer;
      freeReplyObject(r);
    }
    return sum;
  }
};

// Issue 16: lifecycles by the clock (the --phase of `open`, e.g. at half of
// the closed loop's rate) from 1 s before the deadline, on a driver and
// connections of their own, while the timers fire; every intake answer is
// kept with its scheduled time, so that the ones due inside the storm can be
// picked out afterwards (no coordinated omission: latency from the schedule).
struct during_storm {
  struct intake {
    std::int64_t scheduled_ms; // epoch
    double ms;
    int status;
  };
  std::vector<intake> intakes;
  std::vector<phase_stats> stats;
  std::thread t;
  void start(const options& o, demand_maker& demands, std::int64_t deadline) {
    t = std::thread([this, &o, &demands, deadline] {
      while (epoch_ms() < deadline - 1000)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      driver d2(o, demands, load_tokens(o.tokens_file));
      d2.on_answer = [this](int step, const http_result& r, steady::time_point from) {
        if (step != 0)
          return;
        const double ms = ms_d(steady::now() - from).count();
        intakes.push_back({epoch_ms() - static_cast<std::int64_t>(ms), ms, r.status});
      };
      run_open(o, d2, stats, false);
    });
  }
  // The intakes scheduled in [from, to] (epoch ms).
  void print(std::int64_t from, std::int64_t to) {
    if (t.joinable())
      t.join();
    std::vector<double> ms;
    long failed = 0;
    for (auto& i : intakes)
      if (i.scheduled_ms >= from && i.scheduled_ms <= to) {
        ms.push_back(i.ms);
        failed += i.status != 201;
      }
    std::cout << "intake_during_timers_window_ms=" << (to - from) << "\n"
              << "intake_during_timers_n=" << ms.size() << "\n"
              << "intake_during_timers_failed=" << failed << "\n"
              << "intake_p50_during_timers_ms=" << fmt(percentile(ms, 0.5)) << "\n"
              << "intake_p99_during_timers_ms=" << fmt(percentile(ms, 0.99)) << "\n"
              << "intake_max_during_timers_ms=" << fmt(percentile(ms, 1.0)) << "\n";
    for (auto& p : stats)
      print_phase(p);
  }
};

int timers_mode(const options& o, driver& d, demand_maker* during_demands) {
  if (!o.redis_port)
    usage("timers needs --redis-port");
  // Every deadline at the same whole second.
  const std::int64_t deadline
      = (epoch_ms() + static_cast<std::int64_t>(o.deadline_in * 1000) + 999) / 1000 * 1000;
  std::cerr << "loadgen: " << o.count << " deadlines at " << shanghai_iso(deadline) << "\n";
  phase_stats st;
  bool gave_up = false;
  const double secs = intake_only(o, d, deadline, st, gave_up);
  const auto loaded_at = epoch_ms();
  std::cout << "timer_intakes=" << d.intake_tickets.size() << "\n"
            << "timer_gave_up=" << gave_up << "\n"
            << "timer_intake_failed=" << st.failed + st.linked << "\n"
            << "timer_load_seconds=" << fmt(secs, 1) << "\n"
            << "timer_load_margin_s=" << fmt((deadline - loaded_at) / 1000.0, 1) << "\n";
  if (loaded_at >= deadline)
    std::cerr << "loadgen: WARNING: loading ended after the deadline; raise --deadline-in\n";
  timer_watch w(o);
  during_storm storm;
  if (during_demands && !o.phases.empty())
    storm.start(o, *during_demands, deadline);
  // Wait for the deadline, then poll the due count every 5 ms: each timer
  // that leaves the set fired (its escalation is written by the same script).
  while (epoch_ms() < deadline - 200)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const long armed = w.due(deadline + 1);
  std::vector<double> late;
  late.reserve(static_cast<std::size_t>(armed));
  long remaining = armed;
  while (epoch_ms() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::int64_t give_up = deadline + static_cast<std::int64_t>(o.watch_timeout * 1000);
  while (remaining > 0 && epoch_ms() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const long now_due = w.due(deadline + 1);
    const auto t = static_cast<double>(epoch_ms() - deadline);
    for (long k = now_due; k < remaining; ++k)
      late.push_back(t);
    remaining = now_due;
  }
  const long unfired = remaining;
  for (long k = 0; k < unfired; ++k)
    late.push_back(o.watch_timeout * 1000); // a lower bound
  // The storm: from the deadline until the last timer fired (at least 1 s).
  if (during_demands && !o.phases.empty())
    storm.print(
        deadline,
        deadline + std::max<std::int64_t>(1000, static_cast<std::int64_t>(percentile(late, 1.0))));
  std::cout << "timers_armed=" << armed << "\n"
            << "timers_unfired=" << unfired << "\n"
            << "timer_p50_late_ms=" << fmt(percentile(late, 0.5), 0) << "\n"
            << "timer_p99_late_ms=" << fmt(percentile(late, 0.99), 0) << "\n"
            << "timer_p999_late_ms=" << fmt(percentile(late, 0.999), 0) << "\n"
            << "timer_max_late_ms=" << fmt(percentile(late, 1.0), 0) << "\n"
            << "timer_fired_per_s="
            << fmt(late.empty() || percentile(late, 1.0) <= 0
                       ? 0
                       : (armed - unfired) / (percentile(late, 1.0) / 1000.0),
                   0)
            << "\n";
  // The same from the API: each ticket's timeline must have exactly one
  // supervision step, at (to the second) the deadline or after.
  std::vector<std::string> targets;
  for (auto& no : d.intake_tickets)
    targets.push_back("/api/v1/tickets/" + no + "/timeline");
  auto tokens = load_tokens(o.tokens_file);
  long ok = 0, missing = 0, twice = 0, unreadable = 0;
  std::vector<double> tl_late;
  get_many(o, targets, tokens["office"], 4, [&](std::size_t, const http_result& r) {
    auto j = json::parse(r.body, nullptr, false);
    if (r.status != 200 || j.is_discarded() || !j.contains("steps")) {
      ++unreadable;
      return;
    }
    int n = 0;
    for (auto& s : j["steps"])
      if (s.value("type", "") == "escalated" && s.value("label_en", "") == "supervision") {
        ++n;
        if (auto at = parse_shanghai(s.value("at", "")))
          tl_late.push_back(static_cast<double>(*at - deadline));
      }
    if (n == 0)
      ++missing;
    else if (n > 1)
      ++twice;
    else
      ++ok;
  });
  std::cout << "timeline_supervision_once=" << ok << "\n"
            << "timeline_supervision_missing=" << missing << "\n"
            << "timeline_supervision_twice=" << twice << "\n"
            << "timeline_unreadable=" << unreadable << "\n"
            << "timeline_p50_late_ms=" << fmt(percentile(tl_late, 0.5), 0) << "\n"
            << "timeline_p99_late_ms=" << fmt(percentile(tl_late, 0.99), 0) << "\n"
            << "timeline_max_late_ms=" << fmt(percentile(tl_late, 1.0), 0) << "\n";
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  try {
    const auto o = parse(argc, argv);
    auto tokens = load_tokens(o.tokens_file);
    auto cats = get_sync(o, "/api/v1/categories", "");
    if (cats.status != 200)
      throw std::runtime_error("GET /api/v1/categories: " + std::to_string(cats.status) + " "
                               + cats.error);
    const auto cats_json = json::parse(cats.body);
    auto towns = load_townships(o.config);
    // push, webhook: demands only to N townships, spread over the list, in
    // the categories their township handles first, so that each goes to a
    // unit listened to.
    std::vector<std::string> units;
    const bool listens = o.mode == "push" || o.mode == "webhook";
    if (listens) {
      std::vector<township> known;
      for (auto& t : towns)
        if (tokens.count(t.code))
          known.push_back(t);
      const auto n
          = std::min<std::size_t>(static_cast<std::size_t>(std::max(o.units, 1)), known.size());
      if (n == 0)
        throw std::runtime_error("no township of " + o.config + " has a token");
      std::vector<township> picked;
      for (std::size_t i = 0; i < n; ++i) {
        picked.push_back(known[i * known.size() / n]);
        units.push_back(picked.back().code);
      }
      towns = std::move(picked);
    }
    demand_maker demands(std::move(towns),
                         listens ? township_categories(cats_json) : routable_categories(cats_json),
                         o.run_id);
    std::cerr << "loadgen: " << o.mode << ": " << demands.townships() << " townships, "
              << demands.categories() << " routable categories, " << tokens.size() << " tokens\n";
    driver d(o, demands, std::move(tokens));
    if (o.mode == "closed")
      return closed_mode(o, d);
    if (o.mode == "open")
      return open_mode(o, d);
    if (o.mode == "bulk")
      return bulk_mode(o, d);
    if (o.mode == "timers") {
      // The intakes during the storm: a run id of their own (request ids, phones).
      demand_maker during(load_townships(o.config), routable_categories(cats_json),
                          o.during_run_id ? o.during_run_id : o.run_id + 50);
      return timers_mode(o, d, &during);
    }
    if (o.mode == "ceiling")
      return ceiling_mode(o, d);
    if (o.mode == "push")
      return push_mode(o, d, units);
    if (o.mode == "webhook")
      return webhook_mode(o, d, units);
    usage("unknown mode " + o.mode);
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << "\n";
    return 1;
  }
}
