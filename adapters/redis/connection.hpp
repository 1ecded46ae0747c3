#pragma once
// A thin RAII layer over hiredis: one synchronous connection, and a small
// pool so several actors can talk to Redis without sharing a context (a
// hiredis context is not thread-safe).

#include <hiredis/hiredis.h>

#include <condition_variable>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hotline::redis {

/// Where Redis is: "redis://[user[:password]@]host:port" or
/// "unix:///path/to/socket", and who we are there.
struct endpoint {
  std::string host; // empty for a unix socket
  int port = 6379;
  std::string socket_path;
  /// The ACL user; empty: Redis's `default` user.
  std::string user;
  /// Sent with AUTH right after every connect when not empty. It is never
  /// printed: url() and every error leave it out.
  std::string password;

  /// Parses a URL (user and password percent-decoded); nullopt if malformed.
  static std::optional<endpoint> parse(const std::string& url);
  /// The URL without the password ("redis://user@host:port"): what logs,
  /// errors and the serving line show.
  std::string url() const;
};

/// `url` with any password in it left out, for echoing what a user typed
/// (even a URL parse() refuses) without putting the password in a log.
std::string redact_url(const std::string& url);

/// Reads a Redis password from `file`: its content, less one trailing
/// newline (CRLF too). Like ssh with a private key, refuses (throws
/// std::runtime_error naming the file) a file that anyone but its owner and
/// this process's user may read, by mode bits or a POSIX ACL, and an empty
/// one. A systemd credential ($CREDENTIALS_DIRECTORY, an ACL entry for the
/// service's user) passes.
std::string read_password_file(const std::string& file);

/// Any failure to talk to Redis: connection lost, protocol error, a reply
/// of the wrong type. Commands that raise it have not been acknowledged.
class redis_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

class connection {
 public:
  /// Connects and, if `ep` has a password, authenticates (AUTH [user]
  /// password); throws redis_error naming the endpoint on failure, never
  /// showing the password.
  explicit connection(const endpoint& ep,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Runs one command given as arguments (binary-safe). A Redis error reply
  /// is returned as a reply of type REDIS_REPLY_ERROR, not thrown; only
  /// transport failures throw (and leave the connection broken()).
  reply_ptr command(const std::vector<std::string>& args);
  /// Sends all commands in one pipeline and reads every reply in order.
  std::vector<reply_ptr> pipeline(const std::vector<std::vector<std::string>>& cmds);
  bool broken() const { return broken_; }

 private:
  std::unique_ptr<redisContext, void (*)(redisContext*)> ctx_;
  bool broken_ = false;
};

/// A fixed-size pool: lease() blocks until a connection is free; a broken
/// connection is replaced on its next lease.
class pool {
 public:
  pool(endpoint ep, std::size_t size);

  class lease {
   public:
    lease(pool& p, std::unique_ptr<connection> c) : pool_(&p), conn_(std::move(c)) {}
    lease(lease&&) = default;
    ~lease();
    connection* operator->() { return conn_.get(); }
    connection& operator*() { return *conn_; }

   private:
    pool* pool_;
    std::unique_ptr<connection> conn_;
  };

  lease acquire();
  const endpoint& where() const { return ep_; }

 private:
  friend class lease;
  void release(std::unique_ptr<connection> c);

  endpoint ep_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<connection>> idle_;
  std::size_t free_slots_;
};

/// Connects and PINGs once: throws redis_error if Redis will not serve us,
/// e.g. "redis at HOST:PORT requires authentication (NOAUTH …)" when it
/// wants a password we do not have. For a clear message at start-up instead
/// of an error on the first real command.
void ping(const endpoint& ep);

/// Helpers for reading replies.
std::string reply_string(const redisReply* r);
long long reply_integer(const redisReply* r);
/// The same, 0 for no reply or nil (a missing key or field).
long long reply_integer_or_zero(const redisReply* r);
/// Throws redis_error if `r` is an error reply, with `what` as context.
void check(const redisReply* r, const char* what);

} // namespace hotline::redis
