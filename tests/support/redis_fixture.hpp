#pragma once
// A real, private redis-server for a test: started in a fresh temporary
// directory (the same embedded server hotlined uses), stopped and removed at
// the end.

#include <filesystem>
#include <memory>
#include <string>

#include "adapters/cluster/coordination.hpp"
#include "adapters/redis/connection.hpp"
#include "adapters/redis/embedded.hpp"

namespace hotline::test {

/// A fresh temporary directory, removed with everything in it on destruction.
class temp_dir {
 public:
  explicit temp_dir(const std::string& tag = "hotline-test");
  ~temp_dir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// How a test's redis-server asks clients to authenticate.
struct redis_auth {
  /// `requirepass`: the default user's password.
  std::string requirepass;
  /// An ACL file (`aclfile`), instead of requirepass.
  std::filesystem::path aclfile;
  /// Who the fixture itself is there (for where(), flush() and SHUTDOWN):
  /// with an ACL file, a user allowed FLUSHALL and SHUTDOWN.
  std::string user;
  std::string password;
  /// Also listen on a free loopback port (tcp_where()): URLs with a user in
  /// them are redis://USER@127.0.0.1:PORT, the form deployments use.
  bool tcp = false;
};

class redis_server {
 public:
  redis_server();
  /// A server that wants AUTH, as `auth` says.
  explicit redis_server(const redis_auth& auth);
  /// The fixture's own endpoint: with credentials, the fixture's.
  const redis::endpoint& where() const { return server_->where(); }
  /// With redis_auth::tcp: the same server over loopback TCP.
  redis::endpoint tcp_where() const;
  /// The data dir of the server (its log is redis/redis.log).
  const std::filesystem::path& dir() const { return dir_.path(); }
  /// Removes every key (between tests of one suite).
  void flush();

 private:
  temp_dir dir_;
  std::unique_ptr<redis::embedded_redis> server_;
  int tcp_port_ = 0;
};

/// Every partition's lease for `own`, an hour long (adapters/cluster).
using cluster::own_every_partition;

/// The repository's Chongqing configuration folder.
std::filesystem::path chongqing_config();

} // namespace hotline::test
