#include "tests/support/redis_fixture.hpp"

#include "adapters/cluster/coordination.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <random>

namespace hotline::test {

namespace {

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("redis_server: no free loopback port");
  ::close(fd);
  return ntohs(addr.sin_port);
}

} // namespace

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
  opts.die_with_parent = true; // a crashed test leaves no server behind
  server_ = std::make_unique<redis::embedded_redis>(opts);
}

redis_server::redis_server(const redis_auth& auth) : dir_("hotline-redis") {
  redis::embedded_options opts;
  opts.data_dir = dir_.path();
  opts.die_with_parent = true; // a crashed test leaves no server behind
  if (!auth.requirepass.empty())
    opts.server_args.insert(opts.server_args.end(), {"--requirepass", auth.requirepass});
  if (!auth.aclfile.empty())
    opts.server_args.insert(opts.server_args.end(),
                            {"--aclfile", std::filesystem::absolute(auth.aclfile).string()});
  if (auth.tcp) {
    tcp_port_ = free_loopback_port();
    opts.server_args.insert(opts.server_args.end(),
                            {"--port", std::to_string(tcp_port_), "--bind", "127.0.0.1"});
  }
  opts.user = auth.user;
  opts.password = auth.password;
  server_ = std::make_unique<redis::embedded_redis>(opts);
}

redis::endpoint redis_server::tcp_where() const {
  if (tcp_port_ == 0)
    throw std::logic_error("redis_server: started without redis_auth::tcp");
  auto ep = where();
  ep.socket_path.clear();
  ep.host = "127.0.0.1";
  ep.port = tcp_port_;
  return ep;
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
