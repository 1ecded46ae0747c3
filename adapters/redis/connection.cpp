#include "adapters/redis/connection.hpp"

#include <sys/time.h>

namespace hotline::redis {

std::optional<endpoint> endpoint::parse(const std::string& url) {
  endpoint ep;
  const std::string unix_prefix = "unix://";
  const std::string tcp_prefix = "redis://";
  if (url.rfind(unix_prefix, 0) == 0) {
    ep.socket_path = url.substr(unix_prefix.size());
    if (ep.socket_path.empty() || ep.socket_path[0] != '/')
      return std::nullopt;
    return ep;
  }
  if (url.rfind(tcp_prefix, 0) != 0)
    return std::nullopt;
  auto rest = url.substr(tcp_prefix.size());
  if (!rest.empty() && rest.back() == '/')
    rest.pop_back();
  auto colon = rest.rfind(':');
  ep.host = rest.substr(0, colon);
  if (ep.host.empty())
    return std::nullopt;
  if (colon != std::string::npos) {
    auto port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5
        || port.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    ep.port = std::stoi(port);
    if (ep.port < 1 || ep.port > 65535)
      return std::nullopt;
  }
  return ep;
}

std::string endpoint::url() const {
  if (!socket_path.empty())
    return "unix://" + socket_path;
  return "redis://" + host + ":" + std::to_string(port);
}

connection::connection(const endpoint& ep, std::chrono::milliseconds timeout)
    : ctx_(nullptr, redisFree) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  redisContext* c = ep.socket_path.empty()
                        ? redisConnectWithTimeout(ep.host.c_str(), ep.port, tv)
                        : redisConnectUnixWithTimeout(ep.socket_path.c_str(), tv);
  if (c == nullptr)
    throw redis_error("redis: cannot allocate a context");
  ctx_.reset(c);
  if (c->err)
    throw redis_error("redis: cannot connect to " + ep.url() + ": " + c->errstr);
  // Commands must not hang forever on a stopped server.
  redisSetTimeout(c, tv);
}

reply_ptr connection::command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(ctx_.get(), static_cast<int>(args.size()), argv.data(), lens.data()));
  if (r == nullptr) {
    broken_ = true;
    throw redis_error(std::string("redis: ") + ctx_->errstr);
  }
  return reply_ptr(r);
}

std::vector<reply_ptr> connection::pipeline(const std::vector<std::vector<std::string>>& cmds) {
  for (const auto& args : cmds) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(args.size()), argv.data(), lens.data())
        != REDIS_OK) {
      broken_ = true;
      throw redis_error(std::string("redis: ") + ctx_->errstr);
    }
  }
  std::vector<reply_ptr> out;
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    void* r = nullptr;
    if (redisGetReply(ctx_.get(), &r) != REDIS_OK || r == nullptr) {
      broken_ = true;
      throw redis_error(std::string("redis: ") + ctx_->errstr);
    }
    out.emplace_back(static_cast<redisReply*>(r));
  }
  return out;
}

pool::pool(endpoint ep, std::size_t size) : ep_(std::move(ep)), free_slots_(size) {}

pool::lease pool::acquire() {
  std::unique_lock<std::mutex> lock(mtx_);
  cv_.wait(lock, [&] { return !idle_.empty() || free_slots_ > 0; });
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return lease(*this, std::move(c));
  }
  --free_slots_;
  lock.unlock();
  try {
    return lease(*this, std::make_unique<connection>(ep_));
  } catch (...) {
    std::lock_guard<std::mutex> relock(mtx_);
    ++free_slots_;
    cv_.notify_one();
    throw;
  }
}

void pool::release(std::unique_ptr<connection> c) {
  std::lock_guard<std::mutex> lock(mtx_);
  if (c && !c->broken())
    idle_.push_back(std::move(c));
  else
    ++free_slots_;
  cv_.notify_one();
}

pool::lease::~lease() {
  if (pool_ && conn_)
    pool_->release(std::move(conn_));
}

std::string reply_string(const redisReply* r) {
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS
      || r->type == REDIS_REPLY_ERROR)
    return std::string(r->str, r->len);
  if (r->type == REDIS_REPLY_INTEGER)
    return std::to_string(r->integer);
  throw redis_error("redis: expected a string reply");
}

long long reply_integer(const redisReply* r) {
  if (r->type == REDIS_REPLY_INTEGER)
    return r->integer;
  if (r->type == REDIS_REPLY_STRING)
    return std::stoll(std::string(r->str, r->len));
  throw redis_error("redis: expected an integer reply");
}

void check(const redisReply* r, const char* what) {
  if (r->type == REDIS_REPLY_ERROR)
    throw redis_error(std::string("redis: ") + what + ": " + std::string(r->str, r->len));
}

} // namespace hotline::redis
