#include "adapters/monitor/detector.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace hotline::monitor {

namespace r = hotline::routing;
namespace w = hotline::routing::warn;
using nlohmann::json;

namespace {

// KEYS[1] the warning's once key, KEYS[2] the log; ARGV[1] seconds the key
// lives, ARGV[2] score (time found), ARGV[3] the warning (JSON). Raised
// and logged together, once per key, whichever node runs first.
constexpr const char* raise_script = R"lua(
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  return 1
end
return 0
)lua";

std::string name_of(const r::directory& dir, const std::string& id) {
  const auto* u = dir.find_unit(id);
  return u ? u->name : "";
}

// Sums the fields of HGETALL replies (field → value, flat).
void sum_fields(const redisReply* rep, std::map<std::string, long long>& out) {
  if (!rep || rep->type != REDIS_REPLY_ARRAY)
    return;
  for (std::size_t i = 0; i + 1 < rep->elements; i += 2)
    out[redis::reply_string(rep->element[i])]
        += std::stoll(redis::reply_string(rep->element[i + 1]));
}

} // namespace

json to_json(const w::warning& x, const r::directory& dir) {
  json j{{"key", x.key},
         {"kind", w::to_string(x.kind)},
         {"label", w::label_zh(x.kind)},
         {"rule", "M-D-1"},
         {"at", r::format_instant(x.at)},
         {"window",
          {{"from", r::format_instant(x.window_from)}, {"to", r::format_instant(x.window_to)}}},
         {"observed", x.observed},
         {"threshold", x.threshold},
         {"reason", x.reason}};
  if (!x.category.empty())
    j["category"] = x.category;
  if (!x.district.empty()) {
    j["district"] = x.district;
    j["district_name"] = name_of(dir, x.district);
  }
  if (!x.place.empty())
    j["place"] = x.place;
  if (!x.unit.empty()) {
    j["unit_id"] = x.unit;
    j["unit_name"] = name_of(dir, x.unit);
  }
  if (!x.ticket_no.empty())
    j["ticket_no"] = x.ticket_no;
  if (x.kind == w::warning_kind::surge || x.kind == w::warning_kind::overdue)
    j["baseline"] = x.baseline;
  if (x.kind == w::warning_kind::surge) {
    j["p_value"] = x.p_value;
    j["alpha"] = x.alpha;
    j["samples"] = x.samples;
  }
  return j;
}

w::warning from_json(const json& j) {
  w::warning x;
  const std::string kind = j.at("kind");
  for (auto k : {w::warning_kind::surge, w::warning_kind::cluster, w::warning_kind::repeat,
                 w::warning_kind::overdue})
    if (w::to_string(k) == kind)
      x.kind = k;
  x.key = j.at("key");
  x.at = r::parse_instant(j.at("at").get<std::string>()).value_or(0);
  x.window_from = r::parse_instant(j.at("window").at("from").get<std::string>()).value_or(0);
  x.window_to = r::parse_instant(j.at("window").at("to").get<std::string>()).value_or(0);
  x.category = j.value("category", "");
  x.district = j.value("district", "");
  x.place = j.value("place", "");
  x.unit = j.value("unit_id", "");
  x.ticket_no = j.value("ticket_no", "");
  x.observed = j.at("observed");
  x.threshold = j.at("threshold");
  x.baseline = j.value("baseline", 0.0);
  x.p_value = j.value("p_value", -1.0);
  x.alpha = j.value("alpha", 0.0);
  x.samples = j.value("samples", std::vector<long long>{});
  x.reason = j.value("reason", "");
  return x;
}

detector::detector(redis::pool& pool, std::string prefix, const w::thresholds& t,
                   const r::directory& dir, redis::feed* feed, std::chrono::milliseconds keep)
    : pool_(pool), keys_{std::move(prefix)}, t_(t), dir_(dir), feed_(feed), keep_(keep) {}

detector::~detector() {
  stop();
}

bool detector::raise(redis::connection& c, const w::warning& x) {
  const auto data = to_json(x, dir_);
  const auto ttl = std::to_string(t_.counter_ttl_hours() * 3600);
  auto rep = c.command({"EVAL", raise_script, "2", keys_.once(x.key), keys_.log(), ttl,
                        std::to_string(x.at), data.dump()});
  redis::check(rep.get(), "raise warning");
  if (redis::reply_integer(rep.get()) != 1)
    return false;
  spdlog::warn("warnings: {} raised: {}", w::to_string(x.kind), x.key);
  // The office hears it at once (its SSE stream, webhooks on "warning").
  if (feed_) {
    json pushed = data;
    pushed["event"] = "warning";
    const auto keep_after = std::chrono::duration_cast<std::chrono::milliseconds>(
                                (std::chrono::system_clock::now() - keep_).time_since_epoch())
                                .count();
    try {
      feed_->publish("warning", {dir_.office_id()}, pushed.dump(), keep_after);
    } catch (const std::exception& e) {
      // Logged and listed already: the push is lost, not the warning.
      spdlog::error("warnings: push of {} failed: {}", x.key, e.what());
    }
  }
  return true;
}

// M-D-1: each category x district of the window against its baseline.
void detector::surges(redis::connection& c, r::instant now, std::vector<w::warning>& out) {
  const auto& rule = t_.surge;
  const long long h = w::hour_of(now);
  std::vector<std::vector<std::string>> reads;
  for (int i = 0; i < rule.window_hours; ++i)
    reads.push_back({"HGETALL", keys_.intake(h - i)});
  std::map<std::string, long long> observed;
  for (const auto& rep : c.pipeline(reads))
    sum_fields(rep.get(), observed);
  observed.erase("*");
  std::vector<std::string> candidates;
  for (const auto& [field, n] : observed)
    if (n >= rule.min_count)
      candidates.push_back(field);
  if (candidates.empty())
    return;
  const auto offsets = w::baseline_offsets(rule);
  // One HMGET per baseline hour, all candidates at once.
  reads.clear();
  for (auto o : offsets)
    for (int i = 0; i < rule.window_hours; ++i) {
      std::vector<std::string> cmd{"HMGET", keys_.intake(h - i - o)};
      cmd.insert(cmd.end(), candidates.begin(), candidates.end());
      reads.push_back(std::move(cmd));
    }
  const auto reps = c.pipeline(reads);
  const r::instant from = (h - rule.window_hours + 1) * w::hour_ms;
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    std::vector<long long> samples;
    for (std::size_t s = 0; s < offsets.size(); ++s) {
      long long sum = 0;
      for (int i = 0; i < rule.window_hours; ++i) {
        const auto* rep = reps[s * rule.window_hours + i].get();
        redis::check(rep, "HMGET");
        sum += redis::reply_integer_or_zero(rep->element[k]);
      }
      samples.push_back(sum);
    }
    const auto bar = candidates[k].find('|');
    if (auto x = w::surge(candidates[k].substr(0, bar), candidates[k].substr(bar + 1),
                          observed[candidates[k]], samples, from, now, now, rule))
      out.push_back(std::move(*x));
  }
}

// M-D-1: many distinct callers about one place and matter.
void detector::clusters(redis::connection& c, r::instant now, std::vector<w::warning>& out) {
  const auto& rule = t_.cluster;
  const long long h = w::hour_of(now);
  std::vector<std::vector<std::string>> reads;
  for (int i = 0; i < rule.window_hours; ++i)
    reads.push_back({"HGETALL", keys_.places(h - i)});
  std::map<std::string, long long> calls;
  for (const auto& rep : c.pipeline(reads))
    sum_fields(rep.get(), calls);
  std::vector<std::string> candidates;
  reads.clear();
  for (const auto& [place, n] : calls) {
    if (n < rule.min_callers)
      continue;
    candidates.push_back(place);
    std::vector<std::string> cmd{"SUNION"};
    for (int i = 0; i < rule.window_hours; ++i)
      cmd.push_back(keys_.callers(h - i, place));
    reads.push_back(std::move(cmd));
  }
  if (reads.empty())
    return;
  const auto reps = c.pipeline(reads);
  const r::instant from = (h - rule.window_hours + 1) * w::hour_ms;
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    redis::check(reps[k].get(), "SUNION");
    const auto bar = candidates[k].find('|');
    if (auto x = w::cluster(candidates[k].substr(0, bar), candidates[k].substr(bar + 1),
                            static_cast<long long>(reps[k]->elements), from, now, now, rule))
      out.push_back(std::move(*x));
  }
}

// M-D-1, M-S-2: a caller whose repeats were linked to one ticket.
void detector::repeats(redis::connection& c, r::instant now, std::vector<w::warning>& out) {
  const long long h = w::hour_of(now);
  std::vector<std::vector<std::string>> reads;
  for (int i = 0; i < 3; ++i)
    reads.push_back({"HGETALL", keys_.repeats(h - i)});
  std::map<std::string, std::pair<long long, std::string>> calls;
  for (const auto& rep : c.pipeline(reads)) {
    redis::check(rep.get(), "HGETALL");
    for (std::size_t i = 0; i + 1 < rep->elements; i += 2) {
      const auto v = redis::reply_string(rep->element[i + 1]);
      const auto bar = v.find('|');
      auto& best = calls[redis::reply_string(rep->element[i])];
      const long long n = std::stoll(v.substr(0, bar));
      if (n > best.first)
        best = {n, bar == std::string::npos ? "" : v.substr(bar + 1)};
    }
  }
  for (const auto& [no, v] : calls)
    if (auto x = w::repeat(no, v.second, v.first, now, t_.repeat))
      out.push_back(std::move(*x));
}

// M-D-1, M-SV-1: each unit's overdue count against the count first seen
// at the window's start (snapshots per hour, written here).
void detector::overdue(redis::connection& c, r::instant now, std::vector<w::warning>& out) {
  const auto& rule = t_.overdue;
  const long long h = w::hour_of(now);
  auto open = c.command({"HGETALL", keys_.open()});
  redis::check(open.get(), "HGETALL");
  std::vector<std::string> units;
  for (std::size_t i = 0; i + 1 < open->elements; i += 2) {
    const auto field = redis::reply_string(open->element[i]);
    if (field.rfind("u:", 0) == 0 && std::stoll(redis::reply_string(open->element[i + 1])) > 0)
      units.push_back(field.substr(2));
  }
  if (units.empty())
    return;
  std::vector<std::vector<std::string>> reads;
  for (const auto& u : units)
    reads.push_back({"ZCOUNT", keys_.due(u), "-inf", std::to_string(now)});
  const auto counts = c.pipeline(reads);
  // This hour's snapshot (the first count seen in it), then the oldest
  // snapshot within the window.
  reads.clear();
  for (std::size_t i = 0; i < units.size(); ++i)
    reads.push_back({"HSETNX", keys_.overdue(h), units[i],
                     std::to_string(redis::reply_integer(counts[i].get()))});
  reads.push_back(
      {"PEXPIRE", keys_.overdue(h), std::to_string(t_.counter_ttl_hours() * w::hour_ms)});
  for (int back = rule.window_hours; back >= 1; --back) {
    std::vector<std::string> cmd{"HMGET", keys_.overdue(h - back)};
    cmd.insert(cmd.end(), units.begin(), units.end());
    reads.push_back(std::move(cmd));
  }
  const auto reps = c.pipeline(reads);
  const std::size_t first = units.size() + 1;
  for (std::size_t k = 0; k < units.size(); ++k) {
    for (int back = rule.window_hours; back >= 1; --back) {
      const auto* rep = reps[first + (rule.window_hours - back)].get();
      redis::check(rep, "HMGET");
      if (rep->element[k]->type == REDIS_REPLY_NIL)
        continue;
      const auto before = redis::reply_integer_or_zero(rep->element[k]);
      if (auto x = w::overdue_jump(units[k], before, redis::reply_integer(counts[k].get()),
                                   (h - back) * w::hour_ms, now, rule))
        out.push_back(std::move(*x));
      break;
    }
  }
}

std::vector<w::warning> detector::detect(r::instant now, bool units) {
  std::vector<w::warning> found, raised;
  {
    auto c = pool_.acquire();
    surges(*c, now, found);
    clusters(*c, now, found);
    repeats(*c, now, found);
    if (units)
      overdue(*c, now, found);
    // Most of what a run finds was raised by an earlier run: one pipelined
    // EXISTS of their keys, and only the others are made into JSON and
    // tried (the script still decides, so two nodes racing raise it once).
    std::vector<std::vector<std::string>> checks;
    for (const auto& x : found)
      checks.push_back({"EXISTS", keys_.once(x.key)});
    const auto known = checks.empty() ? std::vector<redis::reply_ptr>{} : c->pipeline(checks);
    for (std::size_t i = 0; i < found.size(); ++i) {
      redis::check(known[i].get(), "EXISTS");
      if (known[i]->integer == 0 && raise(*c, found[i]))
        raised.push_back(std::move(found[i]));
    }
  }
  std::lock_guard<std::mutex> lock(mtx_);
  ++stats_.runs;
  stats_.raised += raised.size();
  return raised;
}

std::vector<w::warning> detector::list(r::instant from, r::instant to, std::size_t limit) {
  auto c = pool_.acquire();
  auto rep = c->command({"ZRANGEBYSCORE", keys_.log(), std::to_string(from),
                         "(" + std::to_string(to), "LIMIT", "0", std::to_string(limit)});
  redis::check(rep.get(), "ZRANGEBYSCORE");
  std::vector<w::warning> out;
  for (std::size_t i = 0; i < rep->elements; ++i) {
    try {
      out.push_back(from_json(json::parse(redis::reply_string(rep->element[i]))));
    } catch (const std::exception& e) {
      spdlog::error("warnings: unreadable log entry skipped: {}", e.what());
    }
  }
  return out;
}

void detector::start(std::function<r::instant()> now, std::chrono::milliseconds every,
                     std::chrono::milliseconds gap) {
  thread_ = std::thread([this, now, every, gap] { run(now, every, gap); });
}

void detector::stop() {
  {
    std::lock_guard<std::mutex> lock(mtx_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void detector::poke() {
  // Many demands, one wake-up: only the first poke since the last run
  // takes the lock (so the wake-up cannot fall between the thread's check
  // and its wait).
  if (poked_.exchange(true))
    return;
  std::lock_guard<std::mutex> lock(mtx_);
  cv_.notify_all();
}

detector::stats detector::counts() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return stats_;
}

void detector::run(std::function<r::instant()> now, std::chrono::milliseconds every,
                   std::chrono::milliseconds gap) {
  std::unique_lock<std::mutex> lock(mtx_);
  auto next_full = std::chrono::steady_clock::now();
  while (!stopping_) {
    cv_.wait_until(lock, next_full, [&] { return stopping_ || poked_.load(); });
    if (stopping_)
      break;
    poked_ = false;
    // Every `every` a full run; a poke in between looks at the demands only.
    const bool full = std::chrono::steady_clock::now() >= next_full;
    if (full)
      next_full = std::chrono::steady_clock::now() + every;
    lock.unlock();
    try {
      detect(now(), full);
    } catch (const std::exception& e) {
      spdlog::error("warnings: detection failed: {}", e.what());
      std::lock_guard<std::mutex> l(mtx_);
      ++stats_.failures;
    }
    lock.lock();
    // At most one run per gap, however many demands arrive.
    cv_.wait_for(lock, gap, [&] { return stopping_; });
  }
}

} // namespace hotline::monitor
