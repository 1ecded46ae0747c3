#include "tests/support/redis_fixture.hpp"

#include <unistd.h>

#include <atomic>
#include <random>

namespace hotline::test {

temp_dir::temp_dir(const std::string& tag) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path()
          / (tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-"
             + std::to_string(rd() % 100000));
  std::filesystem::create_directories(path_);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

redis_server::redis_server() : dir_("hotline-redis") {
  redis::embedded_options opts;
  opts.data_dir = dir_.path();
  server_ = std::make_unique<redis::embedded_redis>(opts);
}

void redis_server::flush() {
  redis::connection c(where());
  auto r = c.command({"FLUSHALL"});
  redis::check(r.get(), "FLUSHALL");
}

std::filesystem::path chongqing_config() {
  return std::filesystem::path(HOTLINE_SOURCE_DIR) / "config" / "chongqing";
}

} // namespace hotline::test
