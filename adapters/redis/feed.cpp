#include "adapters/redis/feed.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

namespace hotline::redis {

std::optional<stream_id> stream_id::parse(std::string_view s) {
  const auto dash = s.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == s.size())
    return std::nullopt;
  stream_id out;
  auto num = [](std::string_view part, unsigned long long& v) {
    for (char c : part)
      if (c < '0' || c > '9')
        return false;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    return ec == std::errc() && p == part.data() + part.size();
  };
  if (!num(s.substr(0, dash), out.ms) || !num(s.substr(dash + 1), out.seq))
    return std::nullopt;
  return out;
}

std::string stream_id::str() const {
  return std::to_string(ms) + "-" + std::to_string(seq);
}

std::string with_id(const std::string& data, const std::string& id) {
  // The data is a JSON object written by us ("{…}"); the id goes first.
  if (data.size() < 2 || data.front() != '{')
    return data;
  std::string out = "{\"id\":\"" + id + "\"";
  if (data != "{}")
    out += ",";
  out.append(data, 1, std::string::npos);
  return out;
}

bool stream_before(const std::string& a, const std::string& b) {
  auto x = stream_id::parse(a), y = stream_id::parse(b);
  if (x && y)
    return *x < *y;
  return a < b;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& x : items)
    out += (out.empty() ? "" : ",") + x;
  return out;
}

std::vector<std::string> split_list(const std::string& csv) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (!csv.empty()) {
    const auto comma = csv.find(',', at);
    out.push_back(csv.substr(at, comma - at));
    if (comma == std::string::npos)
      break;
    at = comma + 1;
  }
  return out;
}

std::vector<push_entry> parse_entries(const redisReply* r) {
  std::vector<push_entry> out;
  if (!r || r->type != REDIS_REPLY_ARRAY)
    return out;
  out.reserve(r->elements);
  for (std::size_t i = 0; i < r->elements; ++i) {
    const auto* item = r->element[i];
    if (item->type != REDIS_REPLY_ARRAY || item->elements < 2)
      continue;
    push_entry e;
    e.id = reply_string(item->element[0]);
    const auto* fields = item->element[1];
    for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
      const auto name = reply_string(fields->element[f]);
      auto value = reply_string(fields->element[f + 1]);
      if (name == "e")
        e.step = std::move(value);
      else if (name == "d")
        e.data = std::move(value);
      else if (name == "s")
        e.summary = std::move(value);
      else if (name == "u")
        e.units = split_list(value);
      else if (name == "h")
        e.worklists = split_list(value);
      else if (name == "w")
        e.writer = std::move(value);
    }
    out.push_back(std::move(e));
  }
  return out;
}

void fill_data(connection& c, const std::string& prefix, std::vector<push_entry>& entries,
               const std::function<bool(const push_entry&)>& which) {
  std::vector<std::vector<std::string>> cmds;
  std::vector<push_entry*> asked;
  for (auto& e : entries)
    if (e.data.empty() && !e.units.empty() && (!which || which(e))) {
      cmds.push_back({"XRANGE", prefix + ":push:u:" + e.units.front(), e.id, e.id});
      asked.push_back(&e);
    }
  if (cmds.empty())
    return;
  auto reps = c.pipeline(cmds);
  for (std::size_t i = 0; i < reps.size(); ++i) {
    check(reps[i].get(), "XRANGE");
    auto found = parse_entries(reps[i].get());
    // Trimmed meanwhile (past the retention): an event with no data left.
    asked[i]->data = found.empty() || found.front().data.empty() ? "{}" : found.front().data;
  }
}

feed::feed(pool& p, std::string prefix) : pool_(p), prefix_(std::move(prefix)) {}

std::string feed::publish(const std::string& step, const std::vector<std::string>& units,
                          const std::string& data, std::int64_t keep_after_ms) {
  // KEYS = the feed, then each unit's stream; ARGV = minid, step, units, data.
  static const char* script = R"lua(
local id = redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[1], '*', 'e', ARGV[2], 'u', ARGV[3],
                      's', '', 'h', '', 'w', '')
for i = 2, #KEYS do
  redis.call('XADD', KEYS[i], 'MINID', '~', ARGV[1], id, 'e', ARGV[2], 'd', ARGV[4])
end
return id
)lua";
  std::vector<std::string> args{"EVAL", script, std::to_string(1 + units.size()), feed_key()};
  for (const auto& u : units)
    args.push_back(unit_key(u));
  args.insert(args.end(), {std::to_string(keep_after_ms) + "-0", step, join_list(units), data});
  auto c = pool_.acquire();
  auto rep = c->command(args);
  check(rep.get(), "EVAL publish");
  return reply_string(rep.get());
}

std::string feed::last_id() {
  auto c = pool_.acquire();
  auto rep = c->command({"XREVRANGE", feed_key(), "+", "-", "COUNT", "1"});
  check(rep.get(), "XREVRANGE");
  auto entries = parse_entries(rep.get());
  return entries.empty() ? "0-0" : entries.front().id;
}

std::vector<push_entry> feed::after(const std::string& id, std::size_t count,
                                    const std::function<bool(const push_entry&)>& which) {
  auto c = pool_.acquire();
  auto rep = c->command({"XRANGE", feed_key(), "(" + id, "+", "COUNT", std::to_string(count)});
  check(rep.get(), "XRANGE");
  auto out = parse_entries(rep.get());
  fill_data(*c, prefix_, out, which);
  return out;
}

std::vector<push_entry> feed::unit_after(const std::string& unit, const std::string& id,
                                         std::size_t count) {
  auto c = pool_.acquire();
  auto rep = c->command({"XRANGE", unit_key(unit), "(" + id, "+", "COUNT", std::to_string(count)});
  check(rep.get(), "XRANGE");
  auto out = parse_entries(rep.get());
  for (auto& e : out)
    e.units = {unit};
  return out;
}

feed_tail::feed_tail(endpoint ep, std::string prefix, sink s, filter wants_data)
    : ep_(std::move(ep)), prefix_(prefix), key_(prefix + ":push:feed"), sink_(std::move(s)),
      wants_data_(std::move(wants_data)) {
  thread_ = std::thread([this] { run(); });
}

feed_tail::~feed_tail() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
}

std::string feed_tail::position() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return last_;
}

void feed_tail::run() {
  std::unique_ptr<connection> c;
  bool started = false;
  while (!stop_) {
    try {
      if (!c || c->broken()) {
        // A blocking read waits up to a second; the socket timeout is longer.
        c = std::make_unique<connection>(ep_, std::chrono::seconds(5));
        if (!started) {
          auto rep = c->command({"XREVRANGE", key_, "+", "-", "COUNT", "1"});
          check(rep.get(), "XREVRANGE");
          auto newest = parse_entries(rep.get());
          std::lock_guard<std::mutex> lock(mtx_);
          last_ = newest.empty() ? "0-0" : newest.front().id;
          started = true;
        }
      }
      std::string from = position();
      auto rep = c->command({"XREAD", "COUNT", "1000", "BLOCK", "1000", "STREAMS", key_, from});
      check(rep.get(), "XREAD");
      if (rep->type != REDIS_REPLY_ARRAY || rep->elements == 0)
        continue; // timed out: nothing new
      const auto* stream = rep->element[0];
      if (stream->type != REDIS_REPLY_ARRAY || stream->elements < 2)
        continue;
      auto entries = parse_entries(stream->element[1]);
      fill_data(*c, prefix_, entries, wants_data_);
      for (auto& e : entries) {
        {
          std::lock_guard<std::mutex> lock(mtx_);
          last_ = e.id;
        }
        sink_(e);
      }
    } catch (const std::exception& e) {
      spdlog::warn("feed: {}; reading again in 200 ms", e.what());
      c.reset();
      for (int i = 0; i < 4 && !stop_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

} // namespace hotline::redis
