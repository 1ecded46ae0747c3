#include "adapters/cluster/forwarder.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <msgpack.hpp>
#include <spdlog/spdlog.h>

#include <random>
#include <tuple>

namespace hotline::cluster {

namespace {

using redis::check;
using redis::reply_string;

const char* const group = "owner";

using wire_request = std::tuple<std::string, std::string, std::map<std::string, std::string>,
                                std::string, std::string, std::string, std::string, std::string>;
using wire_response
    = std::tuple<int, std::string, std::string, std::vector<std::pair<std::string, std::string>>>;

template <class T>
std::string pack(const T& value) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, value);
  return std::string(buf.data(), buf.size());
}

template <class T>
T unpack(const std::string& data) {
  auto handle = msgpack::unpack(data.data(), data.size());
  T out;
  handle.get().convert(out);
  return out;
}

std::string pack_request(const http::request& r) {
  return pack(wire_request{r.method, r.path, r.query, r.body, r.authorization, r.content_type,
                           r.remote, r.idempotency_key});
}

http::request unpack_request(const std::string& data) {
  auto w = unpack<wire_request>(data);
  http::request r;
  std::tie(r.method, r.path, r.query, r.body, r.authorization, r.content_type, r.remote,
           r.idempotency_key)
      = std::move(w);
  return r;
}

std::string pack_response(const http::response& r) {
  return pack(wire_response{r.status, r.content_type, r.body, r.headers});
}

http::response unpack_response(const std::string& data) {
  auto w = unpack<wire_response>(data);
  http::response r;
  std::tie(r.status, r.content_type, r.body, r.headers) = std::move(w);
  return r;
}

// A stream entry: its id and the value of each field.
struct entry {
  std::string id;
  std::map<std::string, std::string> fields;
};

std::vector<entry> entries_of(const redisReply* list) {
  std::vector<entry> out;
  if (!list || list->type != REDIS_REPLY_ARRAY)
    return out;
  for (std::size_t i = 0; i < list->elements; ++i) {
    const auto* e = list->element[i];
    // A deleted entry can show up as nil (XAUTOCLAIM before Redis 7).
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 || e->element[1]->type != REDIS_REPLY_ARRAY)
      continue;
    entry x;
    x.id = reply_string(e->element[0]);
    const auto* kv = e->element[1];
    for (std::size_t j = 0; j + 1 < kv->elements; j += 2)
      x.fields[reply_string(kv->element[j])] = reply_string(kv->element[j + 1]);
    out.push_back(std::move(x));
  }
  return out;
}

std::string random_hex(std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += digits[rd() % 16];
  return out;
}

} // namespace

struct forwarder::waiter {
  std::mutex mtx;
  std::condition_variable cv;
  std::optional<http::response> answer;
};

struct forwarder::pool_impl {
  explicit pool_impl(std::size_t n) : threads(n) {}
  boost::asio::thread_pool threads;
};

forwarder::forwarder(redis::endpoint ep, redis::pool& pool, const ownership& own,
                     forwarder_options opts)
    : ep_(std::move(ep)), pool_(pool), own_(own), opts_(std::move(opts)),
      reply_key_(opts_.prefix + ":reply:" + own.node_id()),
      // Correlation ids are unique across restarts of a node id.
      incarnation_(own.node_id() + "-" + random_hex(8)) {}

forwarder::~forwarder() {
  stop();
}

std::string forwarder::in_key(partition_id p) const {
  return opts_.prefix + ":in:" + std::to_string(p);
}

void forwarder::start(local_handler run) {
  run_ = std::move(run);
  workers_ = std::make_unique<pool_impl>(opts_.workers);
  // Answers are read from after the newest entry there now (older ones are
  // for an earlier incarnation), fixed before anything can be forwarded.
  std::string last = "0-0";
  {
    auto c = pool_.acquire();
    auto rep = c->command({"XREVRANGE", reply_key_, "+", "-", "COUNT", "1"});
    check(rep.get(), "XREVRANGE");
    if (rep->elements == 1)
      last = reply_string(rep->element[0]->element[0]);
  }
  replies_ = std::thread([this, last]() mutable {
    std::unique_ptr<redis::connection> conn;
    while (!stopping_) {
      try {
        if (!conn || conn->broken())
          conn = std::make_unique<redis::connection>(ep_);
        auto rep
            = conn->command({"XREAD", "COUNT", "256", "BLOCK", "200", "STREAMS", reply_key_, last});
        check(rep.get(), "XREAD replies");
        if (rep->type != REDIS_REPLY_ARRAY)
          continue; // timed out
        for (auto& e : entries_of(rep->element[0]->element[1])) {
          last = e.id;
          std::shared_ptr<waiter> w;
          {
            std::lock_guard<std::mutex> lock(mtx_);
            auto i = waiting_.find(e.fields["c"]);
            if (i == waiting_.end())
              continue; // the caller gave up waiting
            w = i->second;
          }
          std::lock_guard<std::mutex> lock(w->mtx);
          w->answer = unpack_response(e.fields["r"]);
          w->cv.notify_all();
        }
      } catch (const std::exception& e) {
        spdlog::error("forwarder: reading answers: {}", e.what());
        conn.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
  });
  consumer_ = std::thread([this] { consume(); });
}

void forwarder::stop() {
  if (stopping_.exchange(true))
    return;
  if (consumer_.joinable())
    consumer_.join();
  if (replies_.joinable())
    replies_.join();
  if (workers_)
    workers_->threads.join();
}

void forwarder::gained(partition_id p) {
  std::lock_guard<std::mutex> lock(mtx_);
  to_claim_.insert(p);
}

std::optional<http::response> forwarder::forward(partition_id p, const http::request& req) {
  const std::string corr = incarnation_ + "-" + std::to_string(++next_);
  auto w = std::make_shared<waiter>();
  {
    std::lock_guard<std::mutex> lock(mtx_);
    waiting_[corr] = w;
  }
  http::request out = req;
  // A redelivered command must not apply twice: give it a key of its own.
  if (out.idempotency_key.empty())
    out.idempotency_key = "fwd-" + corr;
  try {
    auto c = pool_.acquire();
    auto rep
        = c->command({"XADD", in_key(p), "*", "n", reply_key_, "c", corr, "r", pack_request(out)});
    check(rep.get(), "XADD");
  } catch (...) {
    std::lock_guard<std::mutex> lock(mtx_);
    waiting_.erase(corr);
    throw;
  }
  ++forwarded_;
  std::unique_lock<std::mutex> lock(w->mtx);
  w->cv.wait_for(lock, opts_.timeout, [&] { return w->answer.has_value(); });
  auto answer = std::move(w->answer);
  lock.unlock();
  std::lock_guard<std::mutex> guard(mtx_);
  waiting_.erase(corr);
  return answer;
}

void forwarder::run_entry(partition_id p, std::string id,
                          std::map<std::string, std::string> fields) {
  boost::asio::post(workers_->threads, [this, p, id = std::move(id),
                                        fields = std::move(fields)]() mutable {
    try {
      std::optional<http::response> answer;
      bool malformed = false;
      try {
        answer = run_(unpack_request(fields["r"]));
      } catch (const msgpack::type_error&) {
        // A malformed entry can never succeed: answer nothing, drop it.
        spdlog::error("forwarder: malformed entry {} in partition {}; dropped", id, p);
        malformed = true;
      }
      std::vector<std::vector<std::string>> cmds;
      if (!answer && !malformed) {
        // Not ours (any more, or for a moment): put it back as a new entry
        // for whoever owns the partition, and take this one away, at once.
        spdlog::info("forwarder: partition {} is not ours; request {} requeued", p, id);
        std::vector<std::string> again{"XADD", in_key(p), "*"};
        for (const auto& [k, v] : fields) {
          again.push_back(k);
          again.push_back(v);
        }
        cmds
            = {{"MULTI"}, again, {"XACK", in_key(p), group, id}, {"XDEL", in_key(p), id}, {"EXEC"}};
        auto c = pool_.acquire();
        for (const auto& rep : c->pipeline(cmds))
          check(rep.get(), "requeue forwarded request");
        return;
      }
      if (answer)
        cmds.push_back({"XADD", fields["n"], "MAXLEN", "~", "10000", "*", "c", fields["c"], "r",
                        pack_response(*answer)});
      cmds.push_back({"XACK", in_key(p), group, id});
      cmds.push_back({"XDEL", in_key(p), id});
      auto c = pool_.acquire();
      for (const auto& rep : c->pipeline(cmds))
        check(rep.get(), "answer forwarded request");
      ++served_;
    } catch (const std::exception& e) {
      // Left pending: claimed again later (at-least-once).
      spdlog::error("forwarder: entry {} of partition {}: {}", id, p, e.what());
    }
  });
}

void forwarder::consume() {
  std::unique_ptr<redis::connection> conn;
  auto last_sweep = std::chrono::steady_clock::now();
  while (!stopping_) {
    try {
      if (!conn || conn->broken())
        conn = std::make_unique<redis::connection>(ep_);
      const auto owned = own_.owned();
      if (owned.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      std::set<partition_id> claim;
      {
        std::lock_guard<std::mutex> lock(mtx_);
        for (auto p : owned)
          if (to_claim_.erase(p))
            claim.insert(p);
      }
      for (auto p : owned)
        if (!have_group_.count(p)) {
          auto rep = conn->command({"XGROUP", "CREATE", in_key(p), group, "0", "MKSTREAM"});
          if (rep->type == REDIS_REPLY_ERROR
              && std::string(rep->str, rep->len).rfind("BUSYGROUP", 0) != 0)
            check(rep.get(), "XGROUP CREATE");
          have_group_.insert(p);
        }
      // Entries the previous owner took and never acknowledged: at once for a
      // partition just gained; every few seconds, those idle for long
      // (delivered to a node that then lost the partition).
      const auto now = std::chrono::steady_clock::now();
      const bool sweep = now - last_sweep > std::chrono::seconds(5);
      if (sweep)
        last_sweep = now;
      for (auto p : owned) {
        const bool fresh = claim.count(p) > 0;
        if (!fresh && !sweep)
          continue;
        const auto min_idle = fresh ? 0 : 2 * opts_.timeout.count();
        std::string cursor = "0-0";
        do {
          auto rep = conn->command({"XAUTOCLAIM", in_key(p), group, own_.node_id(),
                                    std::to_string(min_idle), cursor, "COUNT", "256"});
          check(rep.get(), "XAUTOCLAIM");
          cursor = reply_string(rep->element[0]);
          auto claimed = entries_of(rep->element[1]);
          if (!claimed.empty())
            spdlog::info("forwarder: claimed {} pending requests of partition {}", claimed.size(),
                         p);
          for (auto& e : claimed)
            run_entry(p, std::move(e.id), std::move(e.fields));
        } while (cursor != "0-0" && !stopping_);
      }
      std::vector<std::string> cmd{"XREADGROUP", "GROUP", group, own_.node_id(), "COUNT",
                                   "256",        "BLOCK", "100", "STREAMS"};
      for (auto p : owned)
        cmd.push_back(in_key(p));
      for (std::size_t i = 0; i < owned.size(); ++i)
        cmd.push_back(">");
      auto rep = conn->command(cmd);
      if (rep->type == REDIS_REPLY_ERROR
          && std::string(rep->str, rep->len).rfind("NOGROUP", 0) == 0) {
        // The stream was lost (Redis restarted without it): create again.
        have_group_.clear();
        continue;
      }
      check(rep.get(), "XREADGROUP");
      if (rep->type != REDIS_REPLY_ARRAY)
        continue; // timed out
      for (std::size_t i = 0; i < rep->elements; ++i) {
        const auto key = reply_string(rep->element[i]->element[0]);
        const auto p = static_cast<partition_id>(std::stoul(key.substr(key.rfind(':') + 1)));
        for (auto& e : entries_of(rep->element[i]->element[1]))
          run_entry(p, std::move(e.id), std::move(e.fields));
      }
    } catch (const std::exception& e) {
      spdlog::error("forwarder: reading requests: {}", e.what());
      conn.reset();
      have_group_.clear();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

} // namespace hotline::cluster
