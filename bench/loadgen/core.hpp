#pragma once
// The load generator's common parts (bench/loadgen/loadgen.cpp): its options,
// statistics, Shanghai time, and the driver that runs requests on keep-alive
// connections. Header-only, like the other parts of bench/loadgen.

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

namespace bench {

using nlohmann::json;
using ms_d = std::chrono::duration<double, std::milli>;

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
  std::uint64_t during_run_id
      = 0; // timers: run id of the intakes during the storm (0: run id + 50)
  std::string path = "/api/v1/categories"; // ceiling: the GET it repeats
  double give_up = 60;                     // s without a successful answer: stop (bulk, timers)
  std::string out_file;
  int units = 200;          // push, webhook: township units listened to
  double push_timeout = 5;  // s: an ack with no event within it is missing
  bool intake_only = false; // push: intakes only, not whole lifecycles
  double fail_ratio = 0.3;  // webhook: share of deliveries answered 500
  double wait = 60;         // s, webhook: for deliveries after the last ack
};

[[noreturn]] inline void usage(const std::string& why) {
  std::cerr
      << "loadgen: " << why << "\n"
      << "usage: loadgen closed|open|bulk|timers|push|webhook|ceiling --port P --tokens FILE\n"
         "  [--config DIR]\n"
         "  [--run-id K] (1-99: request ids and phones of this run; unique per Redis)\n"
         "  closed: --connections N --duration S --warmup S\n"
         "  open:   --phase NAME:RATE:SECONDS ... --max-connections M [--verify]\n"
         "  bulk:   --count N --connections C [--out FILE]\n"
         "  timers: --count N --connections C --deadline-in S --redis-port P\n"
         "          [--redis-host H] [--key-prefix hl] [--watch-timeout S]\n"
         "          [--phase NAME:RATE:SECONDS --during-run-id K] (lifecycles from 1 s\n"
         "          before the deadline: intake latency while the timers fire)\n"
         "  ceiling: --connections N --duration S --warmup S [--path /api/v1/categories]\n"
         "  bulk, timers: --give-up-after S (no successful answer for S s: stop)\n"
         "  push:   --units N --phase NAME:RATE:SECONDS ... --max-connections M\n"
         "          [--push-timeout S] [--intake-only]\n"
         "  webhook: --units N --count N --connections C [--fail-ratio R] [--wait S]\n"
         "  all:    --timeout S (per request) --drain S\n";
  std::exit(2);
}

inline options parse(int argc, char** argv) {
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
    else if (a == "--during-run-id")
      o.during_run_id = std::stoull(val());
    else if (a == "--path")
      o.path = val();
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

inline double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
}

inline std::string fmt(double x, int digits = 2) {
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

inline const char* step_names[] = {"intake", "accept", "reply", "callback"};

struct phase_stats {
  std::string name;
  double rate = 0, seconds = 0;
  step_stats steps[4];
  long started = 0, closed = 0, coordinating = 0, linked = 0, failed = 0, unsent = 0;
  steady::time_point start{};       // its first scheduled start
  steady::time_point last_closed{}; // when its last lifecycle closed
};

inline void print_steps(const std::string& prefix, const phase_stats& p) {
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

inline std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ISO 8601 in Shanghai time (+08:00), as the API writes times.
inline std::string shanghai_iso(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000) + 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[64];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
  return b;
}

// The API's "YYYY-MM-DDTHH:MM:SS+08:00" → ms since the epoch.
inline std::optional<std::int64_t> parse_shanghai(const std::string& s) {
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
  /// Requests answered (or failed) inside the window, every step: what the
  /// lifecycle phase really sent (issue 16, `http_efficiency`).
  long window_requests = 0;
  /// Called on every answer of every step (failures too): the step (0 intake
  /// … 3 callback), the answer, and the time its latency counts from.
  std::function<void(int step, const http_result& r, steady::time_point from)> on_answer;

 private:
  void record(phase_stats* st, int step, const http_result& r, steady::time_point from) {
    const auto now = steady::now();
    // Whatever the window: no answer at all is always worth knowing.
    if (r.timed_out)
      ++timeouts_total;
    else if (r.status == 0)
      ++transport_errors_total;
    if (in_window(now)) {
      st->steps[step].add(r, ms_d(now - from).count());
      ++window_requests;
    }
    if (on_answer)
      on_answer(step, r, from);
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
inline http_result request_sync(const options& o, http::verb verb, const std::string& target,
                                const std::string& body, const std::string& token) {
  asio::io_context io;
  auto c = std::make_shared<connection>(io, tcp::endpoint(asio::ip::make_address(o.host), o.port),
                                        std::chrono::milliseconds(30000));
  http_result out;
  c->request(verb, target, body, token, [&](http_result r) { out = std::move(r); });
  io.run();
  return out;
}

inline http_result get_sync(const options& o, const std::string& target, const std::string& token) {
  return request_sync(o, http::verb::get, target, "", token);
}

// GETs each target on `conns` connections; `each(i, result)` on every answer.
inline void get_many(const options& o, const std::vector<std::string>& targets,
                     const std::string& token, int conns,
                     const std::function<void(std::size_t, const http_result&)>& each) {
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

inline std::map<std::string, std::string> load_tokens(const std::string& file) {
  std::ifstream in(file);
  if (!in)
    throw std::runtime_error("cannot read tokens file " + file);
  std::map<std::string, std::string> out;
  std::string id, token;
  while (in >> id >> token)
    out[id] = token;
  return out;
}

} // namespace bench
