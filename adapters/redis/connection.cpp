#include "adapters/redis/connection.hpp"

#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>

#include "adapters/monitor/histogram.hpp"

namespace hotline::redis {

namespace {

/// Decodes %XX escapes (a password may hold '@', ':' or '/'); nullopt on a
/// broken escape.
std::optional<std::string> percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size())
      return std::nullopt;
    const auto hex = s.substr(i + 1, 2);
    if (hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      return std::nullopt;
    out += static_cast<char>(std::stoi(hex, nullptr, 16));
    i += 2;
  }
  return out;
}

std::string percent_encode_user(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/// "HOST:PORT" or the socket path: where, in an error message.
std::string address(const endpoint& ep) {
  return ep.socket_path.empty() ? ep.host + ":" + std::to_string(ep.port) : ep.socket_path;
}

/// Redis never echoes a password in its errors, but a message built from a
/// reply must not carry it even if some version or proxy did.
std::string scrub(std::string text, const std::string& password) {
  if (password.empty())
    return text;
  for (auto at = text.find(password); at != std::string::npos; at = text.find(password, at))
    text.replace(at, password.size(), "***");
  return text;
}

} // namespace

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
  if (const auto at = rest.rfind('@'); at != std::string::npos) {
    const auto userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon));
    auto password = percent_decode(colon == std::string::npos ? "" : userinfo.substr(colon + 1));
    if (!user || !password)
      return std::nullopt;
    ep.user = *user;
    ep.password = *password;
  }
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
  const auto who = user.empty() ? std::string() : percent_encode_user(user) + "@";
  return "redis://" + who + host + ":" + std::to_string(port);
}

std::string redact_url(const std::string& url) {
  const auto scheme = url.find("://");
  const auto at = url.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme)
    return url;
  const auto userinfo = url.substr(scheme + 3, at - scheme - 3);
  const auto user = userinfo.substr(0, userinfo.find(':'));
  return url.substr(0, scheme + 3) + (user.empty() ? "" : user + "@") + url.substr(at + 1);
}

std::string read_password_file(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    throw std::runtime_error("cannot read the Redis password file " + file + ": "
                             + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw std::runtime_error("the Redis password file " + file + " is not a regular file");
  // Who besides the owner may read or change it: the mode bits, or, when the
  // file has a POSIX ACL (a systemd credential gives the service's user an
  // entry), the ACL's entries, since the group bits then show only its mask.
  bool open_to_others = (st.st_mode & 077) != 0;
  char acl[1024];
  const auto len = ::getxattr(file.c_str(), "system.posix_acl_access", acl, sizeof acl);
  if (len >= 4) {
    // Linux's xattr form: a 4-byte version, then {u16 tag, u16 perm, u32 id}.
    constexpr std::uint16_t user_entry = 0x02, group_obj = 0x04, group_entry = 0x08,
                            mask_entry = 0x10, other_entry = 0x20;
    std::uint16_t mask = 7;
    for (auto i = 4; i + 8 <= len; i += 8) {
      std::uint16_t tag, perm;
      std::memcpy(&tag, acl + i, 2);
      std::memcpy(&perm, acl + i + 2, 2);
      if (tag == mask_entry)
        mask = perm;
    }
    open_to_others = false;
    for (auto i = 4; i + 8 <= len; i += 8) {
      std::uint16_t tag, perm;
      std::uint32_t id;
      std::memcpy(&tag, acl + i, 2);
      std::memcpy(&perm, acl + i + 2, 2);
      std::memcpy(&id, acl + i + 4, 4);
      if (tag == user_entry && id != st.st_uid && id != ::geteuid() && (perm & mask) != 0)
        open_to_others = true;
      if ((tag == group_obj || tag == group_entry) && (perm & mask) != 0)
        open_to_others = true;
      if (tag == other_entry && perm != 0)
        open_to_others = true;
    }
  }
  if (open_to_others) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw std::runtime_error("the Redis password file " + file
                             + " may be read or changed by others than its owner (mode " + mode
                             + (len >= 4 ? ", with an ACL" : "") + "): chmod 600 " + file);
  }
  std::ifstream in(file, std::ios::binary);
  std::string password((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad() || !in.is_open())
    throw std::runtime_error("cannot read the Redis password file " + file);
  if (!password.empty() && password.back() == '\n')
    password.pop_back();
  if (!password.empty() && password.back() == '\r')
    password.pop_back();
  if (password.empty())
    throw std::runtime_error("the Redis password file " + file + " is empty");
  if (password.find_first_of("\r\n") != std::string::npos)
    throw std::runtime_error("the Redis password file " + file
                             + " holds more than one line: the password is its one line");
  return password;
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
  if (ep.password.empty())
    return;
  // Every connection authenticates before its first command: the pool's,
  // the forwarder's blocking readers, the lease loop's all come here.
  std::vector<std::string> auth{"AUTH"};
  if (!ep.user.empty())
    auth.push_back(ep.user);
  auth.push_back(ep.password);
  reply_ptr r;
  try {
    r = command(auth);
  } catch (const redis_error& e) {
    throw redis_error("redis at " + address(ep)
                      + ": connection lost during AUTH: " + scrub(e.what(), ep.password));
  }
  if (r->type == REDIS_REPLY_ERROR)
    throw redis_error("redis at " + address(ep) + " refused authentication"
                      + (ep.user.empty() ? "" : " as user " + ep.user) + " ("
                      + scrub(std::string(r->str, r->len), ep.password) + ")");
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
  const auto t0 = std::chrono::steady_clock::now();
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(ctx_.get(), static_cast<int>(args.size()), argv.data(), lens.data()));
  // A blocking read (XREAD … BLOCK) waits for data, not for Redis: not a
  // round trip worth timing.
  if (args.empty() || (args[0] != "XREAD" && args[0] != "XREADGROUP"))
    monitor::redis_round_trips().observe(std::chrono::steady_clock::now() - t0);
  if (r == nullptr) {
    broken_ = true;
    throw redis_error(std::string("redis: ") + ctx_->errstr);
  }
  return reply_ptr(r);
}

std::vector<reply_ptr> connection::pipeline(const std::vector<std::vector<std::string>>& cmds) {
  const auto t0 = std::chrono::steady_clock::now();
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
  monitor::redis_round_trips().observe(std::chrono::steady_clock::now() - t0);
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

void ping(const endpoint& ep) {
  connection c(ep);
  auto r = c.command({"PING"});
  if (r->type != REDIS_REPLY_ERROR)
    return;
  const std::string error(r->str, r->len);
  if (error.rfind("NOAUTH", 0) == 0)
    throw redis_error("redis at " + address(ep) + " requires authentication (" + error + ")");
  throw redis_error("redis at " + address(ep) + " refused PING (" + scrub(error, ep.password)
                    + ")");
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

long long reply_integer_or_zero(const redisReply* r) {
  return !r || r->type == REDIS_REPLY_NIL ? 0 : reply_integer(r);
}

void check(const redisReply* r, const char* what) {
  if (r->type == REDIS_REPLY_ERROR)
    throw redis_error(std::string("redis: ") + what + ": " + std::string(r->str, r->len));
}

} // namespace hotline::redis
