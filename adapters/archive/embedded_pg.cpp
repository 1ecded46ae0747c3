#include "adapters/archive/embedded_pg.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "adapters/archive/postgres.hpp"

extern char** environ;

namespace hotline::archive {

namespace fs = std::filesystem;

namespace {

constexpr const char* superuser = "hotline";

struct identity {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

identity who_runs(const std::string& user) {
  identity id;
  if (::geteuid() != 0)
    return id;
  const passwd* pw = ::getpwnam(user.c_str());
  if (!pw)
    throw std::runtime_error("embedded postgres: PostgreSQL refuses to run as root and there is no "
                             "user '"
                             + user + "' to run it as (apt-get install postgresql-15 creates it)");
  id.switch_user = true;
  id.uid = pw->pw_uid;
  id.gid = pw->pw_gid;
  int n = 64;
  id.groups.resize(static_cast<std::size_t>(n));
  if (::getgrouplist(user.c_str(), pw->pw_gid, id.groups.data(), &n) < 0) {
    id.groups.resize(static_cast<std::size_t>(n));
    ::getgrouplist(user.c_str(), pw->pw_gid, id.groups.data(), &n);
  }
  id.groups.resize(static_cast<std::size_t>(n));
  return id;
}

// Forks and execs `args` as `id`, output appended to `log`. Between fork
// and exec only async-signal-safe calls: hotlined has threads. The parent
// death signal is set after the change of user, which would clear it.
pid_t spawn(const std::vector<std::string>& args, const identity& id, const fs::path& log,
            bool die_with_parent) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log_path = log.string();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("embedded postgres: fork failed");
  if (pid > 0)
    return pid;
  const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
  }
  const int null = ::open("/dev/null", O_RDONLY);
  if (null >= 0)
    ::dup2(null, STDIN_FILENO);
  // Neither our blocked nor our ignored signals: it must stop on SIGINT.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGQUIT})
    ::signal(sig, SIG_DFL);
  if (id.switch_user) {
    if (::setgroups(id.groups.size(), id.groups.data()) != 0 || ::setgid(id.gid) != 0
        || ::setuid(id.uid) != 0)
      ::_exit(126);
  }
  if (die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(126);
  }
  ::execve(argv[0], argv.data(), environ);
  ::_exit(127);
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

fs::path default_bin_dir() {
  for (const char* v : {"17", "16", "15"}) {
    fs::path p = fs::path("/usr/lib/postgresql") / v / "bin";
    if (fs::exists(p / "postgres"))
      return p;
  }
  throw std::runtime_error("embedded postgres: no PostgreSQL server under /usr/lib/postgresql "
                           "(apt-get install postgresql-15)");
}

// True if `pid` is a live postgres process (not a recycled pid, not a zombie).
bool is_postgres(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0)
    return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string cmd;
  std::getline(in, cmd, '\0');
  if (cmd.find("postgres") == std::string::npos)
    return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  stat >> pid_field >> comm >> state;
  return state != "Z";
}

pid_t postmaster_pid(const fs::path& pgdata) {
  std::ifstream in(pgdata / "postmaster.pid");
  long pid = -1;
  in >> pid;
  return in ? static_cast<pid_t>(pid) : -1;
}

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0)
      ::close(fd);
    throw std::runtime_error("embedded postgres: no free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool accepts(const std::string& conninfo) {
  return PQping(conninfo.c_str()) == PQPING_OK;
}

void chown_tree(const fs::path& p, const identity& id) {
  if (!id.switch_user)
    return;
  if (::lchown(p.c_str(), id.uid, id.gid) != 0)
    throw std::runtime_error("embedded postgres: cannot give " + p.string() + " to its user");
}

// True if `id` may enter `dir` (every folder above it included).
bool reachable_by(const identity& id, const fs::path& dir) {
  if (!id.switch_user)
    return true;
  const std::string path = dir.string();
  const pid_t pid = ::fork();
  if (pid < 0)
    return false;
  if (pid == 0) {
    if (::setgroups(id.groups.size(), id.groups.data()) != 0 || ::setgid(id.gid) != 0
        || ::setuid(id.uid) != 0)
      ::_exit(2);
    ::_exit(::access(path.c_str(), X_OK) == 0 ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Where the server's files are: <data-dir>/postgres, or where that link
// points. As root, when the server's user cannot enter the data dir (a
// clone under /root), the files go to /var/lib/hotline/pg-<hash of the
// data dir> and <data-dir>/postgres links there, so the run command still
// needs nothing else.
fs::path server_dir(const fs::path& data_dir, const identity& id) {
  const fs::path link = data_dir / "postgres";
  if (fs::is_symlink(link))
    return fs::read_symlink(link);
  if (fs::exists(link) || reachable_by(id, data_dir))
    return link;
  const fs::path base = "/var/lib/hotline";
  fs::create_directories(base);
  fs::permissions(base, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::replace);
  char name[32];
  std::snprintf(name, sizeof name, "pg-%016zx", std::hash<std::string>{}(data_dir.string()));
  const fs::path target = base / name;
  fs::create_directory_symlink(target, link);
  spdlog::warn("embedded-postgres: user {} cannot enter {}; its files are in {} (linked)", id.uid,
               data_dir.string(), target.string());
  return target;
}

} // namespace

pid_t embedded_pg_pid(const fs::path& data_dir) {
  const fs::path link = fs::absolute(data_dir) / "postgres";
  const pid_t pid = postmaster_pid(fs::is_symlink(link) ? fs::read_symlink(link) : link);
  return is_postgres(pid) ? pid : -1;
}

embedded_pg::embedded_pg(embedded_pg_options opts) : opts_(std::move(opts)) {
  const fs::path data_dir = fs::absolute(opts_.data_dir);
  const fs::path log = data_dir / "postgres.log";
  const fs::path portfile = data_dir / "postgres.port";
  const fs::path bin = opts_.bin_dir.empty() ? default_bin_dir() : opts_.bin_dir;
  const identity id = who_runs(opts_.run_as);
  fs::create_directories(data_dir);
  // The server's user must pass through the data dir (not read it).
  if (id.switch_user)
    fs::permissions(data_dir, fs::perms::others_exec | fs::perms::group_exec,
                    fs::perm_options::add);
  const fs::path pgdata = server_dir(data_dir, id);

  // The socket lives in the server's own folder: a path must fit sun_path.
  const bool use_socket = (pgdata / ".s.PGSQL.5432").string().size() < 100;
  int port = 5432;
  if (!use_socket) {
    std::ifstream in(portfile);
    in >> port;
  }
  auto info = [&](const char* db) {
    return std::string("host=") + (use_socket ? pgdata.string() : "127.0.0.1") + " port="
           + std::to_string(port) + " user=" + superuser + " dbname=" + db + " connect_timeout=10";
  };

  // An orphan from a killed hotlined: adopt it (the caller holds the data
  // dir's lock, or knows hotlined holds it).
  const pid_t orphan = postmaster_pid(pgdata);
  if (is_postgres(orphan)) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!accepts(info("postgres")) && is_postgres(orphan)) {
      if (std::chrono::steady_clock::now() > give_up)
        throw std::runtime_error("embedded postgres: pid " + std::to_string(orphan) + " owns "
                                 + pgdata.string()
                                 + " but does not answer; stop it, then start "
                                   "again");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (is_postgres(orphan)) {
      pid_ = orphan;
      adopted_ = true;
      spdlog::warn("embedded-postgres: adopting the running server (pid {}) in {}", orphan,
                   pgdata.string());
    }
  }

  if (!adopted_) {
    if (!fs::exists(pgdata / "PG_VERSION")) {
      // initdb into a fresh folder renamed only when complete: a start
      // killed during initdb leaves nothing half made under the real name.
      const fs::path fresh = pgdata.string() + ".init";
      fs::remove_all(fresh);
      fs::create_directories(fresh);
      fs::permissions(fresh, fs::perms::owner_all, fs::perm_options::replace);
      chown_tree(fresh, id);
      const pid_t p = spawn({(bin / "initdb").string(), "-D", fresh.string(), "-U", superuser,
                             "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"},
                            id, log, opts_.die_with_parent);
      int status = 0;
      ::waitpid(p, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("embedded postgres: initdb failed (as root it runs as user '"
                                 + opts_.run_as
                                 + "', which must be able to enter every folder above "
                                 + fresh.string() + "); its log:" + tail_of(log));
      fs::remove_all(pgdata);
      fs::rename(fresh, pgdata);
    }
    if (!use_socket) {
      port = free_loopback_port();
      std::ofstream(portfile) << port << "\n";
    }
    std::vector<std::string> args{(bin / "postgres").string(), "-D", pgdata.string(),      "-p",
                                  std::to_string(port),        "-c", "max_connections=40", "-c",
                                  "shared_buffers=32MB"};
    if (use_socket)
      args.insert(args.end(),
                  {"-c", "listen_addresses=", "-c", "unix_socket_directories=" + pgdata.string(),
                   "-c", "unix_socket_permissions=0700"});
    else
      args.insert(args.end(),
                  {"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="});
    pid_ = spawn(args, id, log, opts_.die_with_parent);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!accepts(info("postgres"))) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("embedded postgres: the server exited at start; its log:"
                                 + tail_of(log));
      }
      if (std::chrono::steady_clock::now() > give_up) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        throw std::runtime_error("embedded postgres: no answer within 60 s; its log:"
                                 + tail_of(log));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    spdlog::info("embedded-postgres: started (pid {}) in {}{}", pid_, pgdata.string(),
                 id.switch_user ? " as user " + opts_.run_as : "");
  }
  {
    pg_connection c(info("postgres"));
    if (c.exec("SELECT 1 FROM pg_database WHERE datname = 'hotline'").size() == 0)
      c.exec("CREATE DATABASE hotline");
  }
  conninfo_ = info("hotline");
}

embedded_pg::~embedded_pg() {
  if (pid_ <= 0 || (adopted_ && !opts_.stop_adopted))
    return;
  ::kill(pid_, SIGINT); // fast shutdown
  if (!adopted_) {
    ::waitpid(pid_, nullptr, 0);
  } else {
    for (int i = 0; i < 1500 && is_postgres(pid_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  spdlog::info("embedded-postgres: stopped (pid {})", pid_);
}

} // namespace hotline::archive
