#include "adapters/redis/embedded.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

extern char** environ;

namespace hotline::redis {

namespace fs = std::filesystem;

namespace {

bool answers_ping(const endpoint& ep) {
  try {
    connection c(ep, std::chrono::milliseconds(500));
    auto r = c.command({"PING"});
    return r->type == REDIS_REPLY_STATUS;
  } catch (const redis_error&) {
    return false;
  }
}

std::string tail_of(const fs::path& file, std::size_t max_lines = 8) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  std::ostringstream out;
  for (std::size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size();
       ++i)
    out << "\n  " << lines[i];
  return out.str();
}

pid_t read_pid(const fs::path& file) {
  std::ifstream in(file);
  long pid = -1;
  in >> pid;
  return in ? static_cast<pid_t>(pid) : -1;
}

// True if `pid` is a live redis-server process (not a recycled pid).
bool is_redis_server(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0)
    return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string cmd;
  std::getline(in, cmd, '\0');
  if (cmd.find("redis-server") == std::string::npos)
    return false;
  // A zombie (exited, not yet reaped) does not count as alive.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  stat >> pid_field >> comm >> state;
  return state != "Z";
}

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0)
      ::close(fd);
    throw std::runtime_error("embedded redis: no free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

} // namespace

embedded_redis::embedded_redis(embedded_options opts) : opts_(std::move(opts)) {
  const fs::path dir = fs::absolute(opts_.data_dir) / "redis";
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  const fs::path sock = dir / "redis.sock";
  const fs::path pidfile = dir / "redis.pid";
  const fs::path portfile = dir / "redis.port";
  const fs::path log = dir / "redis.log";

  // A socket path must fit in sun_path (108 bytes); otherwise use loopback.
  const bool use_socket = sock.string().size() < 100;
  ep_.user = opts_.user;
  ep_.password = opts_.password;
  if (use_socket) {
    ep_.socket_path = sock.string();
  } else {
    ep_.host = "127.0.0.1";
    std::ifstream in(portfile);
    in >> ep_.port;
  }

  // An orphan from a killed hotlined still owns our files: adopt it, and
  // never start a second server on them while it lives. (The caller holds
  // the data dir's lock, so no other hotlined is using it.) It may still be
  // loading its AOF: give it time to answer.
  const pid_t orphan = read_pid(pidfile);
  if (orphan > 0 && is_redis_server(orphan)) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!answers_ping(ep_)) {
      if (!is_redis_server(orphan))
        break; // it ended meanwhile: start our own
      if (std::chrono::steady_clock::now() > give_up)
        throw std::runtime_error("embedded redis: redis-server pid " + std::to_string(orphan)
                                 + " still owns " + dir.string()
                                 + " but does not answer; stop it, then start again");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (is_redis_server(orphan)) {
      pid_ = orphan;
      adopted_ = true;
      spdlog::warn("embedded-redis: adopting the running redis-server (pid {}) at {}", orphan,
                   ep_.url());
      return;
    }
  }
  fs::remove(sock);
  if (!use_socket) {
    ep_.port = free_loopback_port();
    std::ofstream(portfile) << ep_.port << "\n";
  }

  std::vector<std::string> args{
      opts_.binary,      "--dir",     dir.string(), "--appendonly", "yes", "--appendfsync",
      opts_.appendfsync, "--save",    "",           "--daemonize",  "no",  "--pidfile",
      pidfile.string(),  "--logfile", log.string()};
  if (use_socket) {
    args.insert(args.end(),
                {"--port", "0", "--unixsocket", sock.string(), "--unixsocketperm", "700"});
  } else {
    args.insert(args.end(), {"--port", std::to_string(ep_.port), "--bind", "127.0.0.1"});
  }
  args.insert(args.end(), opts_.server_args.begin(), opts_.server_args.end());
  // posix_spawn cannot set PR_SET_PDEATHSIG; setpriv (util-linux) sets it
  // and execs the server under the same pid.
  if (opts_.die_with_parent)
    args.insert(args.begin(), {"setpriv", "--pdeathsig", "KILL", "--"});
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  // The server must not inherit our blocked or ignored signals: it has to
  // stop on SIGTERM even as an orphan.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGHUP})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    throw std::runtime_error("embedded redis: cannot start '" + opts_.binary + "': "
                             + std::strerror(rc) + " (install it: apt-get install redis-server)");
  pid_ = pid;
  // Wait for the server to come up; it replays the AOF first, so allow time.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!answers_ping(ep_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("embedded redis: redis-server exited at start; its log:"
                               + tail_of(log));
    }
    if (std::chrono::steady_clock::now() > give_up) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
      throw std::runtime_error("embedded redis: no answer within 60 s; its log:" + tail_of(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  spdlog::info("embedded-redis: started redis-server (pid {}) at {}, appendfsync {}", pid_,
               ep_.url(), opts_.appendfsync);
}

embedded_redis::~embedded_redis() {
  if (pid_ <= 0)
    return;
  try {
    connection c(ep_);
    c.command({"SHUTDOWN"}); // the server closes the connection: no reply
  } catch (const redis_error&) {
    // Expected: SHUTDOWN closes the connection without a reply.
  }
  if (!adopted_) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
  } else {
    for (int i = 0; i < 500 && ::kill(pid_, 0) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  spdlog::info("embedded-redis: stopped redis-server (pid {})", pid_);
}

} // namespace hotline::redis
