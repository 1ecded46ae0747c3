#include "adapters/cluster/forwarder.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <msgpack.hpp>
#include <spdlog/spdlog.h>

#include <random>

#include "adapters/crypto/crypto.hpp"
#include <tuple>

namespace hotline::cluster {

namespace {

using redis::check;
using redis::reply_string;

const char* const group = "owner";

// method, path, query, body, content type, client address, idempotency
// key, and the principal (present, user, name, unit, office, roles,
// session).
using wire_request
    = std::tuple<std::string, std::string, std::map<std::string, std::string>, std::string,
                 std::string, std::string, std::string, bool, std::string, std::string, std::string,
                 bool, std::uint32_t, std::string>;
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

const char* const request_aad = "hl-forward-request";
const char* const answer_aad = "hl-forward-answer";

std::string pack_request(const forwarded_request& f) {
  const auto& r = f.req;
  const routing::principal none;
  const auto& p = f.who ? *f.who : none;
  return pack(wire_request{r.method, r.path, r.query, r.body, r.content_type, r.remote_ip,
                           r.idempotency_key, f.who.has_value(), p.user, p.display_name, p.unit_id,
                           p.office, p.roles.bits, p.session});
}

forwarded_request unpack_request(const std::string& data) {
  auto w = unpack<wire_request>(data);
  forwarded_request f;
  auto& r = f.req;
  routing::principal p;
  bool has_who = false;
  std::tie(r.method, r.path, r.query, r.body, r.content_type, r.remote_ip, r.idempotency_key,
           has_who, p.user, p.display_name, p.unit_id, p.office, p.roles.bits, p.session)
      = std::move(w);
  r.remote = r.remote_ip;
  if (!r.content_type.empty())
    r.headers.emplace_back("content-type", r.content_type);
  if (has_who)
    f.who = std::move(p);
  return f;
}

std::string pack_response(const http::response& r) {
  return pack(
      wire_response{r.status, r.content_type, r.shared_body ? *r.shared_body : r.body, r.headers});
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
  answer_fn done;
  std::chrono::steady_clock::time_point deadline;
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
      expire_waiters();
      try {
        if (!conn || conn->broken())
          conn = std::make_unique<redis::connection>(ep_);
        auto rep
            = conn->command({"XREAD", "COUNT", "256", "BLOCK", "200", "STREAMS", reply_key_, last});
        check(rep.get(), "XREAD replies");
        if (rep->type != REDIS_REPLY_ARRAY)
          continue; // timed out
        std::vector<std::string> read{"XDEL", reply_key_};
        for (auto& e : entries_of(rep->element[0]->element[1])) {
          last = e.id;
          read.push_back(e.id);
          std::shared_ptr<waiter> w;
          {
            std::lock_guard<std::mutex> lock(mtx_);
            auto i = waiting_.find(e.fields["c"]);
            if (i == waiting_.end())
              continue; // the caller gave up waiting
            w = i->second;
            waiting_.erase(i);
          }
          std::optional<http::response> answer;
          if (auto clear = crypto::open(opts_.seal_key, e.fields["r"], answer_aad))
            answer = unpack_response(*clear);
          else
            spdlog::error("forwarder: an answer did not authenticate; dropped");
          w->done(std::move(answer));
        }
        // Answers are kept only until read (they may hold an extraction code).
        if (read.size() > 2)
          check(conn->command(read).get(), "XDEL answers");
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

void forwarder::forward(partition_id p, forwarded_request fw, answer_fn done) {
  const std::string corr = incarnation_ + "-" + std::to_string(++next_);
  auto w = std::make_shared<waiter>();
  w->done = std::move(done);
  w->deadline = std::chrono::steady_clock::now() + opts_.timeout;
  {
    std::lock_guard<std::mutex> lock(mtx_);
    waiting_[corr] = w;
  }
  fw.req.authorization.clear(); // never in Redis, not even sealed
  // A redelivered command must not apply twice: give it a key of its own.
  if (fw.req.idempotency_key.empty())
    fw.req.idempotency_key = "fwd-" + corr;
  try {
    auto c = pool_.acquire();
    auto rep = c->command({"XADD", in_key(p), "*", "n", reply_key_, "c", corr, "r",
                           crypto::seal(opts_.seal_key, pack_request(fw), request_aad)});
    check(rep.get(), "XADD");
  } catch (...) {
    std::lock_guard<std::mutex> lock(mtx_);
    waiting_.erase(corr);
    throw;
  }
  ++forwarded_;
}

void forwarder::expire_waiters() {
  std::vector<std::shared_ptr<waiter>> late;
  {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mtx_);
    for (auto i = waiting_.begin(); i != waiting_.end();) {
      if (i->second->deadline <= now) {
        late.push_back(i->second);
        i = waiting_.erase(i);
      } else {
        ++i;
      }
    }
  }
  for (auto& w : late)
    w->done(std::nullopt);
}

void forwarder::run_entry(partition_id p, std::string id,
                          std::map<std::string, std::string> fields) {
  boost::asio::post(
      workers_->threads, [this, p, id = std::move(id), fields = std::move(fields)]() mutable {
        std::optional<forwarded_request> fw;
        try {
          if (auto clear = crypto::open(opts_.seal_key, fields["r"], request_aad))
            fw = unpack_request(*clear);
        } catch (const std::exception&) {
        }
        if (!fw) {
          // A malformed or foreign entry can never succeed: answer nothing, drop it.
          spdlog::error("forwarder: malformed entry {} in partition {}; dropped", id, p);
          finish_entry(p, id, fields, std::nullopt, true);
          return;
        }
        run_(std::move(*fw), [this, p, id, fields](std::optional<http::response> answer) {
          finish_entry(p, id, fields, std::move(answer), false);
        });
      });
}

void forwarder::finish_entry(partition_id p, const std::string& id,
                             std::map<std::string, std::string> fields,
                             std::optional<http::response> answer, bool malformed) {
  try {
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
      cmds = {{"MULTI"}, again, {"XACK", in_key(p), group, id}, {"XDEL", in_key(p), id}, {"EXEC"}};
      auto c = pool_.acquire();
      for (const auto& rep : c->pipeline(cmds))
        check(rep.get(), "requeue forwarded request");
      return;
    }
    if (answer) {
      cmds.push_back({"XADD", fields["n"], "MAXLEN", "~", "10000", "*", "c", fields["c"], "r",
                      crypto::seal(opts_.seal_key, pack_response(*answer), answer_aad)});
      // A node that stops reading leaves no answers behind for long.
      cmds.push_back({"PEXPIRE", fields["n"], "60000"});
    }
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
