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
//   webhook  its own webhook receiver (answering 500 to a share of the
//            deliveries, at random), subscribed for `dispatched` of N
//            township units, then intakes to those townships: every
//            ticket's `dispatched` must arrive, signed, despite the 500s.
//
// Usage: loadgen MODE --port P --config DIR --tokens FILE [options]; see
// usage() below.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <hiredis/hiredis.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "bench/loadgen/demands.hpp"
#include "bench/loadgen/http.hpp"
#include "bench/loadgen/receiver.hpp"
#include "bench/loadgen/sse.hpp"

using nlohmann::json;
using namespace bench;
using ms_d = std::chrono::duration<double, std::milli>;

namespace {

// --- options ------------------------------------------------------------------

struct options {
  std::string mode;
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::string config = "config/chongqing";
  std::string tokens_file;
  std::uint64_t run_id = 1;
  int connections = 16;
  double duration = 10;                                                  // s
  double warmup = 2;                                                     // s
  std::vector<std::pair<std::string, std::pair<double, double>>> phases; // name → (rate/s, s)
  int max_connections = 256;
  double timeout = 10; // s, per request
  double drain = 60;   // s, after the last scheduled start
  bool verify = false;
  std::uint64_t count = 1000;
  double deadline_in = 30; // s
  std::string redis_host = "127.0.0.1";
  int redis_port = 0;
  std::string key_prefix = "hl";
  double watch_timeout = 600; // s
  double give_up = 60;        // s without a successful answer: stop (bulk, timers)
  std::string out_file;
  int units = 200;          // push, webhook: township units listened to
  double push_timeout = 5;  // s: an ack with no event within it is missing
  bool intake_only = false; // push: intakes only, not whole lifecycles
  double fail_ratio = 0.3;  // webhook: share of deliveries answered 500
  double wait = 60;         // s, webhook: for deliveries after the last ack
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "loadgen: " << why << "\n"
            << "usage: loadgen closed|open|bulk|timers|push|webhook --port P --tokens FILE\n"
               "  [--config DIR]\n"
               "  [--run-id K] (1-99: request ids and phones of this run; unique per Redis)\n"
               "  closed: --connections N --duration S --warmup S\n"
               "  open:   --phase NAME:RATE:SECONDS ... --max-connections M [--verify]\n"
               "  bulk:   --count N --connections C [--out FILE]\n"
               "  timers: --count N --connections C --deadline-in S --redis-port P\n"
               "          [--redis-host H] [--key-prefix hl] [--watch-timeout S]\n"
               "  bulk, timers: --give-up-after S (no successful answer for S s: stop)\n"
               "  push:   --units N --phase NAME:RATE:SECONDS ... --max-connections M\n"
               "          [--push-timeout S] [--intake-only]\n"
               "  webhook: --units N --count N --connections C [--fail-ratio R] [--wait S]\n"
               "  all:    --timeout S (per request) --drain S\n";
  std::exit(2);
}

options parse(int argc, char** argv) {
  if (argc < 2)
    usage("no mode");
  options o;
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc)
        usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--host")
      o.host = val();
    else if (a == "--port")
      o.port = static_cast<unsigned short>(std::stoi(val()));
    else if (a == "--config")
      o.config = val();
    else if (a == "--tokens")
      o.tokens_file = val();
    else if (a == "--run-id")
      o.run_id = std::stoull(val());
    else if (a == "--connections")
      o.connections = std::stoi(val());
    else if (a == "--duration")
      o.duration = std::stod(val());
    else if (a == "--warmup")
      o.warmup = std::stod(val());
    else if (a == "--phase") {
      auto v = val();
      auto c1 = v.find(':'), c2 = v.rfind(':');
      if (c1 == std::string::npos || c1 == c2)
        usage("--phase NAME:RATE:SECONDS");
      o.phases.push_back({v.substr(0, c1),
                          {std::stod(v.substr(c1 + 1, c2 - c1 - 1)), std::stod(v.substr(c2 + 1))}});
    } else if (a == "--max-connections")
      o.max_connections = std::stoi(val());
    else if (a == "--timeout")
      o.timeout = std::stod(val());
    else if (a == "--drain")
      o.drain = std::stod(val());
    else if (a == "--verify")
      o.verify = true;
    else if (a == "--count")
      o.count = std::stoull(val());
    else if (a == "--deadline-in")
      o.deadline_in = std::stod(val());
    else if (a == "--redis-host")
      o.redis_host = val();
    else if (a == "--redis-port")
      o.redis_port = std::stoi(val());
    else if (a == "--key-prefix")
      o.key_prefix = val();
    else if (a == "--watch-timeout")
      o.watch_timeout = std::stod(val());
    else if (a == "--out")
      o.out_file = val();
    else if (a == "--give-up-after")
      o.give_up = std::stod(val());
    else if (a == "--units")
      o.units = std::stoi(val());
    else if (a == "--push-timeout")
      o.push_timeout = std::stod(val());
    else if (a == "--intake-only")
      o.intake_only = true;
    else if (a == "--fail-ratio")
      o.fail_ratio = std::stod(val());
    else if (a == "--wait")
      o.wait = std::stod(val());
    else
      usage("unknown option " + a);
  }
  if (!o.port)
    usage("--port is required");
  if (o.tokens_file.empty())
    usage("--tokens is required");
  return o;
}

// --- statistics --------------------------------------------------------------------

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

std::string fmt(double x, int digits = 2) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, x);
  return b;
}

struct step_stats {
  std::vector<double> ms;
  std::vector<double> ok_ms;  // the answers that were not errors (2xx)
  std::map<int, long> status; // 0: no answer
  long timeouts = 0, transport_errors = 0, with_retry_after = 0;
  void add(const http_result& r, double latency_ms) {
    ms.push_back(latency_ms);
    if (r.status >= 200 && r.status < 300)
      ok_ms.push_back(latency_ms);
    ++status[r.status];
    if (r.timed_out)
      ++timeouts;
    else if (r.status == 0)
      ++transport_errors;
    if (r.status == 503 && r.retry_after)
      ++with_retry_after;
  }
  long count(int s) const {
    auto i = status.find(s);
    return i == status.end() ? 0 : i->second;
  }
  long total() const {
    long n = 0;
    for (auto& [s, c] : status)
      n += c;
    return n;
  }
};

const char* step_names[] = {"intake", "accept", "reply", "callback"};

struct phase_stats {
  std::string name;
  double rate = 0, seconds = 0;
  step_stats steps[4];
  long started = 0, closed = 0, coordinating = 0, linked = 0, failed = 0, unsent = 0;
  steady::time_point start{};       // its first scheduled start
  steady::time_point last_closed{}; // when its last lifecycle closed
};

void print_steps(const std::string& prefix, const phase_stats& p) {
  for (int s = 0; s < 4; ++s) {
    const auto& st = p.steps[s];
    if (st.ms.empty())
      continue;
    const std::string k = prefix + step_names[s];
    std::cout << k << "_n=" << st.total() << "\n"
              << k << "_p50_ms=" << fmt(percentile(st.ms, 0.5)) << "\n"
              << k << "_p99_ms=" << fmt(percentile(st.ms, 0.99)) << "\n"
              << k << "_p999_ms=" << fmt(percentile(st.ms, 0.999)) << "\n"
              << k << "_max_ms=" << fmt(percentile(st.ms, 1.0)) << "\n"
              << k << "_ok_p99_ms=" << fmt(percentile(st.ok_ms, 0.99)) << "\n";
    std::ostringstream codes;
    for (auto& [code, n] : st.status)
      codes << (codes.tellp() ? "," : "") << code << ":" << n;
    std::cout << k << "_status=" << codes.str() << "\n";
  }
}

// --- time -------------------------------------------------------------------------

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ISO 8601 in Shanghai time (+08:00), as the API writes times.
std::string shanghai_iso(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[64];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
  return b;
}

// The API's "YYYY-MM-DDTHH:MM:SS+08:00" → ms since the epoch.
std::optional<std::int64_t> parse_shanghai(const std::string& s) {
  std::tm tm{};
  if (s.size() < 25 || s.compare(19, 6, "+08:00") != 0)
    return std::nullopt;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec)
      != 6)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return (static_cast<std::int64_t>(timegm(&tm)) - 8 * 3600) * 1000;
}

// --- the driver -------------------------------------------------------------------------

struct acked {
  std::string no;
  int step; // the last step the service acknowledged: 0 intake … 3 callback
};

class driver {
 public:
  driver(const options& o, demand_maker& demands, std::map<std::string, std::string> tokens)
      : o_(o), demands_(demands), tokens_(std::move(tokens)),
        ep_(asio::ip::make_address(o.host), o.port) {
    auto i = tokens_.find("office");
    if (i == tokens_.end())
      throw std::runtime_error("no office token in " + o.tokens_file);
    office_ = i->second;
  }

  asio::io_context io;

  std::shared_ptr<connection> new_connection() {
    return std::make_shared<connection>(
        io, ep_, std::chrono::milliseconds(static_cast<long>(o_.timeout * 1000)));
  }

  // One lifecycle on `c`; `done` when it ends (completed or not).
  struct life {
    std::uint64_t n;
    steady::time_point scheduled;
    phase_stats* stats;
    std::string no, unit;
    bool intake_only = false;
    bool closed = false;
    std::optional<std::int64_t> deadline_ms;
  };
  using done_fn = std::function<void(std::shared_ptr<connection>)>;

  void run(std::shared_ptr<connection> c, std::shared_ptr<life> l, done_fn done) {
    auto body = demands_.make(l->n);
    std::string token;
    if (l->deadline_ms) {
      body["deadline"] = shanghai_iso(*l->deadline_ms);
      token = office_; // M-DL-3: the office gives a deadline
    }
    c->request(http::verb::post, "/api/v1/demands", body.dump(), token,
               [=](http_result r) { on_intake(c, l, done, std::move(r)); });
  }

  bool in_window(steady::time_point t) const { return t >= window_start && t <= window_end; }
  steady::time_point window_start = steady::time_point::min();
  steady::time_point window_end = steady::time_point::max();
  std::vector<acked> acks;
  bool record_acks = false;
  std::vector<std::string> intake_tickets;
  long timeouts_total = 0, transport_errors_total = 0;
  /// Called on every 201 intake, as soon as it is read: the ticket number,
  /// the unit it was assigned to ("" if it waits for the office) and when
  /// the intake was due to be sent.
  std::function<void(const std::string& no, const std::string& unit, steady::time_point sent)>
      on_ack;

 private:
  void record(phase_stats* st, int step, const http_result& r, steady::time_point from) {
    const auto now = steady::now();
    // Whatever the window: no answer at all is always worth knowing.
    if (r.timed_out)
      ++timeouts_total;
    else if (r.status == 0)
      ++transport_errors_total;
    if (in_window(now))
      st->steps[step].add(r, ms_d(now - from).count());
  }

  void ack(const std::shared_ptr<life>& l, int step) {
    if (!record_acks)
      return;
    if (step == 0)
      acks.push_back({l->no, 0});
    else
      for (auto it = acks.rbegin(); it != acks.rend(); ++it)
        if (it->no == l->no) {
          it->step = step;
          break;
        }
  }

  void on_intake(std::shared_ptr<connection> c, std::shared_ptr<life> l, done_fn done,
                 http_result r) {
    record(l->stats, 0, r, l->scheduled);
    if (r.status == 200) { // linked to an open ticket (M-S-2): not expected
      ++l->stats->linked;
      return done(c);
    }
    if (r.status != 201) {
      ++l->stats->failed;
      return done(c);
    }
    auto j = json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.contains("ticket_no")) {
      ++l->stats->failed;
      return done(c);
    }
    l->no = j["ticket_no"].get<std::string>();
    if (on_ack)
      on_ack(l->no, j["assignment"].is_object() ? j["assignment"].value("unit_id", "") : "",
             l->scheduled);
    ack(l, 0);
    if (l->intake_only) {
      intake_tickets.push_back(l->no);
      return done(c);
    }
    if (!j["assignment"].is_object()) { // M-RT-2: waits for the office
      ++l->stats->coordinating;
      return done(c);
    }
    l->unit = j["assignment"]["unit_id"].get<std::string>();
    step(c, l, done, 1);
  }

  void step(std::shared_ptr<connection> c, std::shared_ptr<life> l, done_fn done, int n) {
    static const std::string replies[]
        = {"已到现场核实，责令相关责任方立即整改，并将持续跟踪整改情况。",
           "经核查，反映情况属实，已协调有关单位处理完毕，欢迎继续监督。",
           "已安排工作人员上门了解情况，问题已解决，并向来电人作了解释说明。"};
    std::string target = "/api/v1/tickets/" + l->no;
    std::string body, token;
    if (n == 1) {
      target += "/accept";
    } else if (n == 2) {
      target += "/reply";
      body = json{{"text", replies[l->n % 3]}}.dump();
    } else {
      target += "/callback";
      body = R"({"satisfaction":"satisfied","resolved":true})";
    }
    if (n < 3) {
      auto t = tokens_.find(l->unit);
      if (t == tokens_.end()) {
        std::cerr << "loadgen: no token for unit " << l->unit << "\n";
        ++l->stats->failed;
        return done(c);
      }
      token = t->second;
    } else {
      token = office_;
    }
    const auto sent = steady::now();
    c->request(http::verb::post, target, body, token, [=](http_result r) {
      record(l->stats, n, r, sent);
      if (r.status != 200) {
        ++l->stats->failed;
        return done(c);
      }
      ack(l, n);
      if (n < 3)
        return step(c, l, done, n + 1);
      if (r.body.find("\"status\":\"closed\"") == std::string::npos) {
        ++l->stats->failed;
        return done(c);
      }
      l->closed = true;
      l->stats->last_closed = steady::now();
      if (in_window(steady::now()))
        ++l->stats->closed;
      done(c);
    });
  }

  const options& o_;
  demand_maker& demands_;
  std::map<std::string, std::string> tokens_;
  std::string office_;
  tcp::endpoint ep_;
};

// A blocking request on its own connection, for setup and checks.
http_result request_sync(const options& o, http::verb verb, const std::string& target,
                         const std::string& body, const std::string& token) {
  asio::io_context io;
  auto c = std::make_shared<connection>(io, tcp::endpoint(asio::ip::make_address(o.host), o.port),
                                        std::chrono::milliseconds(30000));
  http_result out;
  c->request(verb, target, body, token, [&](http_result r) { out = std::move(r); });
  io.run();
  return out;
}

http_result get_sync(const options& o, const std::string& target, const std::string& token) {
  return request_sync(o, http::verb::get, target, "", token);
}

// GETs each target on `conns` connections; `each(i, result)` on every answer.
void get_many(const options& o, const std::vector<std::string>& targets, const std::string& token,
              int conns, const std::function<void(std::size_t, const http_result&)>& each) {
  asio::io_context io;
  std::size_t next = 0;
  std::function<void(std::shared_ptr<connection>)> go = [&](std::shared_ptr<connection> c) {
    if (next >= targets.size())
      return;
    const auto i = next++;
    c->request(http::verb::get, targets[i], "", token, [&, c, i](http_result r) {
      each(i, r);
      go(c);
    });
  };
  for (int k = 0; k < conns; ++k)
    go(std::make_shared<connection>(io, tcp::endpoint(asio::ip::make_address(o.host), o.port),
                                    std::chrono::milliseconds(30000)));
  io.run();
}

std::map<std::string, std::string> load_tokens(const std::string& file) {
  std::ifstream in(file);
  if (!in)
    throw std::runtime_error("cannot read tokens file " + file);
  std::map<std::string, std::string> out;
  std::string id, token;
  while (in >> id >> token)
    out[id] = token;
  return out;
}

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
            << "requests_per_s=" << fmt(lps * 4, 1) << "\n"
            << "failed=" << st.failed << "\n"
            << "coordinating=" << st.coordinating << "\n"
            << "linked=" << st.linked << "\n"
            << "timeouts_total=" << d.timeouts_total << "\n"
            << "transport_errors_total=" << d.transport_errors_total << "\n";
  print_steps("", st);
  return 0;
}

// What an open-loop run leaves besides its phase statistics.
struct open_run {
  int conns = 0;     // connections it opened
  long inflight = 0; // lifecycles still in flight when it was stopped
};

// Starts lifecycles (or only intakes) by the clock, phase after phase, and
// returns once all have ended or `drain` after the last scheduled start.
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

int timers_mode(const options& o, driver& d) {
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
    if (o.mode == "timers")
      return timers_mode(o, d);
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
