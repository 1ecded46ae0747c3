#include "tests/support/redis_fixture.hpp"

#include "adapters/cluster/coordination.hpp"

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

void own_every_partition(redis::pool& pool, cluster::ownership& own) {
  cluster::coordination coord(pool, "hl", own.partitions(), std::chrono::hours(1));
  std::vector<cluster::partition_id> all;
  for (cluster::partition_id p = 0; p < own.partitions(); ++p)
    all.push_back(p);
  for (const auto& [p, token] : coord.acquire(own.node_id(), all))
    own.grant(p, token);
  own.valid_until(std::chrono::steady_clock::now() + std::chrono::hours(1));
}

std::filesystem::path chongqing_config() {
  return std::filesystem::path(HOTLINE_SOURCE_DIR) / "config" / "chongqing";
}

} // namespace hotline::test
