#include "adapters/auth/script.hpp"

namespace hotline::auth {

redis::reply_ptr lua_script::run(redis::connection& c, const std::vector<std::string>& keys,
                                 const std::vector<std::string>& args, const char* what) {
  std::vector<std::string> cmd{"EVALSHA", "", std::to_string(keys.size())};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  const auto load = [&] {
    auto rep = c.command({"SCRIPT", "LOAD", text_});
    redis::check(rep.get(), what);
    std::lock_guard<std::mutex> lock(mtx_);
    sha_ = redis::reply_string(rep.get());
    return sha_;
  };
  {
    std::lock_guard<std::mutex> lock(mtx_);
    cmd[1] = sha_;
  }
  if (cmd[1].empty())
    cmd[1] = load();
  auto rep = c.command(cmd);
  if (rep->type == REDIS_REPLY_ERROR && std::string(rep->str, rep->len).rfind("NOSCRIPT", 0) == 0) {
    // The server restarted and lost its script cache: load it again.
    cmd[1] = load();
    rep = c.command(cmd);
  }
  if (rep->type == REDIS_REPLY_ERROR)
    throw redis::redis_error(std::string("auth: ") + what + ": " + std::string(rep->str, rep->len));
  return rep;
}

} // namespace hotline::auth
