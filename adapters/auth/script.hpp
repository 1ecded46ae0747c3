#pragma once
// A Lua script run by EVALSHA, loaded on first use and again after a Redis
// restart emptied the script cache. Every multi-key change of adapters/auth
// is one script, so that it is atomic and costs one round trip.

#include <mutex>
#include <string>
#include <vector>

#include "adapters/redis/connection.hpp"

namespace hotline::auth {

class lua_script {
 public:
  explicit lua_script(std::string text) : text_(std::move(text)) {}

  /// Runs the script on `c`. Throws redis::redis_error on a transport
  /// failure or an error reply, naming `what` and Redis's message (which
  /// quotes the script's line, never its arguments: some are hashes).
  redis::reply_ptr run(redis::connection& c, const std::vector<std::string>& keys,
                       const std::vector<std::string>& args, const char* what);

 private:
  std::string text_;
  std::mutex mtx_;
  std::string sha_;
};

} // namespace hotline::auth
