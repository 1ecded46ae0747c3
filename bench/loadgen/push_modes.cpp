#include "bench/loadgen/push_modes.hpp"

#include "bench/loadgen/receiver.hpp"
#include "bench/loadgen/runs.hpp"
#include "bench/loadgen/sse.hpp"

namespace bench {

namespace {

// p50/p99/p99.9/max of `ms` as PREFIX_p50_ms=… lines (NA if none).
void print_latency(const std::string& prefix, const std::vector<double>& ms) {
  for (auto [name, p] :
       {std::pair<const char*, double>{"p50", 0.5}, {"p99", 0.99}, {"p999", 0.999}, {"max", 1.0}})
    std::cout << prefix << "_" << name << "_ms=" << (ms.empty() ? "NA" : fmt(percentile(ms, p)))
              << "\n";
}

// When each intake was acknowledged (its 201 read by the generator).
struct ack_time {
  std::string no, unit;
  steady::time_point at, sent; // its 201 read; the intake due to be sent
};

} // namespace

int push_mode(const options& o, driver& d, const std::vector<std::string>& units) {
  if (o.phases.empty())
    usage("push needs --phase NAME:RATE:SECONDS");
  auto tokens = load_tokens(o.tokens_file);
  std::mutex mtx; // the acks (load thread) and the events (stream thread)
  std::vector<ack_time> acks;
  std::map<std::string, steady::time_point> event_at; // "ticket|unit" → first `dispatched`
  long dispatched = 0, unparsable = 0;
  // The streams, on a thread of their own: an event's time is when its
  // bytes were read, whatever the load generator is doing meanwhile.
  asio::io_context sio;
  auto guard = asio::make_work_guard(sio);
  std::vector<std::shared_ptr<sse_stream>> streams;
  const tcp::endpoint ep(asio::ip::make_address(o.host), o.port);
  for (const auto& u : units) {
    auto t = tokens.find(u);
    if (t == tokens.end())
      throw std::runtime_error("no token for unit " + u);
    auto s = std::make_shared<sse_stream>(
        sio, ep, "/api/v1/units/" + u + "/events", t->second, u,
        [&](const sse_stream& st, const sse_event& e, steady::time_point at) {
          if (e.event != "dispatched")
            return;
          auto j = json::parse(e.data, nullptr, false);
          std::lock_guard<std::mutex> lk(mtx);
          ++dispatched;
          if (j.is_discarded() || !j.contains("ticket_no") || !j["ticket_no"].is_string()) {
            ++unparsable;
            return;
          }
          event_at.emplace(j["ticket_no"].get<std::string>() + "|" + st.tag(), at);
        });
    s->start();
    streams.push_back(s);
  }
  std::thread reader([&] { sio.run(); });
  auto stop_streams = [&] {
    guard.reset();
    sio.stop();
    if (reader.joinable())
      reader.join();
  };
  // Every stream answered (or failed), then a moment for the service to
  // register them: it sends the head just before it subscribes the stream.
  const auto connect_by = steady::now() + std::chrono::seconds(20);
  auto answered = [&] {
    std::size_t n = 0;
    for (auto& s : streams)
      n += s->status() != 0 || s->ended();
    return n;
  };
  while (answered() < streams.size() && steady::now() < connect_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::set<std::string> listening;
  for (auto& s : streams)
    if (s->status() == 200 && !s->ended())
      listening.insert(s->tag());
  std::cerr << "loadgen: push: " << listening.size() << " of " << streams.size()
            << " event streams open\n";
  if (listening.empty()) {
    stop_streams();
    for (auto& s : streams)
      if (!s->error().empty()) {
        std::cerr << "loadgen: push: stream of " << s->tag() << ": " << s->error() << "\n";
        break;
      }
    std::cout << "push_streams=0\npush_p99_ms=NA\n";
    return 1;
  }
  d.on_ack = [&](const std::string& no, const std::string& unit, steady::time_point sent) {
    const auto at = steady::now();
    std::lock_guard<std::mutex> lk(mtx);
    acks.push_back({no, unit, at, sent});
  };
  std::vector<phase_stats> stats;
  const auto run = run_open(o, d, stats, o.intake_only);
  // Bounded wait for the events still due: until each acknowledged intake
  // of a listened unit has its event, or `push_timeout` after the last ack.
  const auto timeout = std::chrono::milliseconds(static_cast<long>(o.push_timeout * 1000));
  for (;;) {
    std::size_t waiting = 0;
    steady::time_point last{};
    {
      std::lock_guard<std::mutex> lk(mtx);
      for (auto& a : acks) {
        last = std::max(last, a.at);
        if (listening.count(a.unit) && !event_at.count(a.no + "|" + a.unit))
          ++waiting;
      }
    }
    if (waiting == 0 || steady::now() > last + timeout)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::size_t still_open = 0;
  for (auto& s : streams)
    still_open += listening.count(s->tag()) && !s->ended();
  stop_streams();
  // Latency per acknowledged intake; an event read before its 201 counts
  // as 0 ms, and one not there within `push_timeout` counts as that long
  // (a lower bound, as the timers mode counts unfired timers).
  std::vector<double> ms, from_send; // from the 201; from when the intake was due
  long missing = 0, unwatched = 0, before_ack = 0;
  for (auto& a : acks) {
    if (!listening.count(a.unit)) {
      ++unwatched;
      continue;
    }
    auto i = event_at.find(a.no + "|" + a.unit);
    const double x = i == event_at.end() ? -1 : ms_d(i->second - a.at).count();
    if (i == event_at.end() || x > o.push_timeout * 1000) {
      ++missing;
      ms.push_back(o.push_timeout * 1000);
      from_send.push_back(o.push_timeout * 1000 + ms_d(a.at - a.sent).count());
      continue;
    }
    before_ack += x < 0;
    ms.push_back(std::max(0.0, x));
    from_send.push_back(ms_d(i->second - a.sent).count());
  }
  std::cout << "push_units=" << units.size() << "\n"
            << "push_streams=" << listening.size() << "\n"
            << "push_streams_open_at_end=" << still_open << "\n"
            << "push_offered_per_s=" << fmt(o.phases.front().second.first, 1) << "\n"
            << "push_lifecycles=" << (o.intake_only ? 0 : 1) << "\n"
            << "push_acks=" << acks.size() << "\n"
            << "push_unwatched=" << unwatched << "\n"
            << "push_events=" << dispatched << "\n"
            << "push_events_unparsable=" << unparsable << "\n"
            << "push_measured=" << ms.size() << "\n"
            << "push_missing=" << missing << "\n"
            << "push_before_ack=" << before_ack << "\n";
  print_latency("push", ms);
  // The whole way, as the unit sees it: from when the intake was due to be
  // sent (open loop, so queueing in the generator counts) to the event.
  print_latency("push_from_send", from_send);
  std::cout << "max_connections_used=" << run.conns << "\n"
            << "unfinished=" << run.inflight << "\n";
  for (auto& p : stats)
    print_phase(p);
  return 0;
}

int webhook_mode(const options& o, driver& d, const std::vector<std::string>& units) {
  auto tokens = load_tokens(o.tokens_file);
  std::string secret;
  {
    std::random_device rd;
    static const char* hex = "0123456789abcdef";
    for (int i = 0; i < 64; ++i)
      secret += hex[rd() % 16];
  }
  // What the receiver saw; its io thread writes, this one reads at the end.
  std::mutex mtx;
  long requests = 0, answered_500 = 0, bad_signatures = 0, ok = 0, duplicates = 0, no_id = 0,
       other = 0;
  std::set<std::string> ids;
  std::map<std::string, steady::time_point> first; // ticket → first accepted `dispatched`
  std::map<std::string, int> ids_per_ticket;       // distinct event ids of its `dispatched`
  std::mt19937_64 rng(o.run_id * 7919 + 17);
  std::uniform_real_distribution<double> u01(0, 1);
  asio::io_context rio;
  hook_receiver rx(rio, [&](const hook_request& req, steady::time_point at) -> int {
    std::lock_guard<std::mutex> lk(mtx);
    ++requests;
    // A receiver must check the signature before it trusts anything else.
    if (!signature_ok(std::string(req["X-Hotline-Signature"]), secret, req.body())) {
      ++bad_signatures;
      return 401;
    }
    if (u01(rng) < o.fail_ratio) {
      ++answered_500;
      return 500;
    }
    ++ok;
    auto j = json::parse(req.body(), nullptr, false);
    std::string id(req["X-Hotline-Event-Id"]);
    if (id.empty()) {
      ++no_id;
      if (!j.is_discarded() && j.contains("id") && j["id"].is_string())
        id = j["id"].get<std::string>();
    }
    if (!ids.insert(id).second) {
      ++duplicates;
      return 200;
    }
    std::string event(req["X-Hotline-Event"]);
    if (event.empty() && !j.is_discarded())
      event = j.value("event", "");
    if (event != "dispatched" || j.is_discarded() || !j.contains("ticket_no")
        || !j["ticket_no"].is_string()) {
      ++other;
      return 200;
    }
    const auto no = j["ticket_no"].get<std::string>();
    first.emplace(no, at);
    ++ids_per_ticket[no];
    return 200;
  });
  std::thread receiver([&] { rio.run(); });
  auto stop_receiver = [&] {
    rio.stop();
    receiver.join();
  };
  const std::string url = "http://127.0.0.1:" + std::to_string(rx.port()) + "/hooks/bench";
  std::cerr << "loadgen: webhook: receiver on " << url << ", answering 500 to "
            << fmt(o.fail_ratio * 100, 0) << " % of deliveries\n";
  const json sub{{"url", url}, {"secret", secret}, {"events", {"dispatched"}}, {"units", units}};
  auto r = request_sync(o, http::verb::post, "/api/v1/webhooks", sub.dump(), tokens["office"]);
  if (r.status != 201) {
    stop_receiver();
    std::cerr << "loadgen: webhook: POST /api/v1/webhooks answered " << r.status << " "
              << r.body.substr(0, 300) << r.error << "\n";
    if (r.status == 404)
      std::cerr << "loadgen: webhook: this hotlined has no webhooks: nothing measured\n";
    std::cout << "webhook_supported=" << (r.status == 404 ? 0 : 1) << "\n"
              << "webhook_subscribe_status=" << r.status << "\n"
              << "webhook_lost=NA\n";
    return r.status == 404 ? 0 : 1;
  }
  std::string sub_id;
  {
    auto j = json::parse(r.body, nullptr, false);
    if (!j.is_discarded() && j.contains("id"))
      sub_id = j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump();
  }
  std::vector<ack_time> acks;
  d.on_ack = [&](const std::string& no, const std::string& unit, steady::time_point sent) {
    acks.push_back({no, unit, steady::now(), sent}); // the load's own thread
  };
  phase_stats st;
  bool gave_up = false;
  const double secs = intake_only(o, d, std::nullopt, st, gave_up);
  // Bounded wait: every acknowledged ticket's `dispatched` accepted by the
  // receiver, or `wait` after the last ack.
  const auto last = acks.empty() ? steady::now() : acks.back().at;
  const auto wait = std::chrono::milliseconds(static_cast<long>(o.wait * 1000));
  for (;;) {
    std::size_t got = 0;
    {
      std::lock_guard<std::mutex> lk(mtx);
      for (auto& a : acks)
        got += first.count(a.no);
    }
    if (got == acks.size() || steady::now() > last + wait)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto waited = ms_d(steady::now() - last).count() / 1000;
  int unsub = 0;
  if (!sub_id.empty())
    unsub = request_sync(o, http::verb::delete_, "/api/v1/webhooks/" + sub_id, "", tokens["office"])
                .status;
  stop_receiver();
  std::vector<double> ms;
  long unique = 0, twice = 0;
  for (auto& a : acks) {
    auto i = first.find(a.no);
    if (i == first.end())
      continue;
    ++unique;
    twice += ids_per_ticket[a.no] > 1;
    ms.push_back(std::max(0.0, ms_d(i->second - a.at).count()));
  }
  std::cout << "webhook_supported=1\n"
            << "webhook_units=" << units.size() << "\n"
            << "webhook_fail_ratio=" << fmt(o.fail_ratio, 2) << "\n"
            << "webhook_intakes_failed=" << st.failed + st.linked << "\n"
            << "webhook_intake_seconds=" << fmt(secs, 1) << "\n"
            << "webhook_gave_up=" << gave_up << "\n"
            << "webhook_expected=" << acks.size() << "\n"
            << "webhook_delivered_unique=" << unique << "\n"
            << "webhook_lost=" << static_cast<long>(acks.size()) - unique << "\n"
            << "webhook_duplicates=" << duplicates << "\n"
            << "webhook_twice=" << twice << "\n"
            << "webhook_bad_signatures=" << bad_signatures << "\n"
            << "webhook_requests=" << requests << "\n"
            << "webhook_answered_500=" << answered_500 << "\n"
            << "webhook_accepted=" << ok << "\n"
            << "webhook_without_event_id=" << no_id << "\n"
            << "webhook_other_events=" << other << "\n"
            << "webhook_waited_s=" << fmt(waited, 1) << "\n"
            << "webhook_unsubscribe_status=" << unsub << "\n";
  print_latency("webhook", ms);
  return 0;
}

} // namespace bench
