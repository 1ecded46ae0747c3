#pragma once
// The embedded default: a private redis-server under the data dir, with AOF
// on, reachable only by a unix socket (or a loopback port when the socket
// path would be too long). If a previous hotlined was killed and left its
// redis-server running (orphaned), the new one adopts it instead of
// starting a second server on the same files.

#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

#include "adapters/redis/connection.hpp"

namespace hotline::redis {

struct embedded_options {
  std::filesystem::path data_dir;
  std::string appendfsync = "everysec"; // or "always"
  std::string binary = "redis-server";
  /// More redis-server arguments (tests: "--requirepass", "--aclfile").
  std::vector<std::string> server_args;
  /// Who we are on it when those arguments ask for a password: used for our
  /// own PING and SHUTDOWN, and put in where().
  std::string user;
  std::string password;
  /// Tests: the server is killed when the thread that started it ends (as
  /// when a test process aborts), so a failed run leaves no redis-server
  /// behind. hotlined leaves it off: its server outlives a crash on purpose,
  /// to be adopted by the next start.
  bool die_with_parent = false;
};

class embedded_redis {
 public:
  /// Starts (or adopts) the server and waits until it answers PING.
  /// Throws std::runtime_error with the reason and the tail of its log.
  explicit embedded_redis(embedded_options opts);
  /// Stops the server with SHUTDOWN (which fsyncs the AOF) and waits for it.
  ~embedded_redis();
  embedded_redis(const embedded_redis&) = delete;
  embedded_redis& operator=(const embedded_redis&) = delete;

  const endpoint& where() const { return ep_; }
  bool adopted() const { return adopted_; }
  pid_t pid() const { return pid_; }

 private:
  embedded_options opts_;
  endpoint ep_;
  pid_t pid_ = -1;
  bool adopted_ = false;
};

} // namespace hotline::redis
