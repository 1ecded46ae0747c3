#pragma once
// A real, private redis-server for a test: started in a fresh temporary
// directory (the same embedded server hotlined uses), stopped and removed at
// the end.

#include <filesystem>
#include <memory>
#include <string>

#include "adapters/cluster/ownership.hpp"
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

class redis_server {
 public:
  redis_server();
  const redis::endpoint& where() const { return server_->where(); }
  /// Removes every key (between tests of one suite).
  void flush();

 private:
  temp_dir dir_;
  std::unique_ptr<redis::embedded_redis> server_;
};

/// Makes `own` the holder of every partition's lease in Redis (an hour
/// long), as a lone node's lease loop would, for tests of the parts that
/// write through fenced appends without running that loop.
void own_every_partition(redis::pool& pool, cluster::ownership& own);

/// The repository's Chongqing configuration folder.
std::filesystem::path chongqing_config();

} // namespace hotline::test
